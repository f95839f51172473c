#!/usr/bin/env bash
# package-deb.sh: builds target/debian/volclone_VERSION_amd64.deb with dpkg-deb from the release
# builds: the volclone CLI (with the libzfs_core backend), libvolclone.so.N / .a, the header, the
# pkg-config files, the Java jar (libvolclone_jni inside) with libvolclone_jni.so in the JVM's JNI
# directory, man pages and shell completions generated from the CLI definition, the JSON Schemas
# of the request and plan, and the valgrind suppressions. Prints the .deb's path.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
VERSION=$(scripts/version.sh)
ARCH=$(dpkg --print-architecture)
MULTIARCH=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
OUT=target/debian
P=$OUT/volclone_${VERSION}_$ARCH
rm -rf "$P"; mkdir -p "$P/DEBIAN"

cargo build --release --quiet --bin volclone --features libzfs-core
cargo build --release --quiet -p volclone-jni
scripts/build-shim.sh
(cd java-bindings && mvn -q -B -DskipTests package) >/dev/null
DESTDIR=$P LIBDIR=lib/$MULTIARCH scripts/install.sh /usr >/dev/null

install -D -m 0755 target/release/volclone "$P/usr/bin/volclone"
install -D -m 0755 target/release/volclone-zfs "$P/usr/bin/volclone-zfs"
# The zfs shim's directory: `zfs` is the small static pass-through, which execs volclone beside
# it for LINSTOR's receive. No service uses it until `volclone linstor-shim enable` (a drop-in
# for linstor-satellite.service).
mkdir -p "$P/usr/lib/volclone/shim"
ln -s /usr/bin/volclone-zfs "$P/usr/lib/volclone/shim/zfs"
install -D -m 0644 "java-bindings/target/volclone-$VERSION.jar" "$P/usr/share/java/volclone-$VERSION.jar"
ln -s "volclone-$VERSION.jar" "$P/usr/share/java/volclone.jar"
install -D -m 0644 target/release/libvolclone_jni.so "$P/usr/lib/$MULTIARCH/jni/libvolclone_jni.so"
target/release/volclone generate man "$P/usr/share/man/man1"
gzip -9n "$P"/usr/share/man/man1/*.1
mkdir -p "$P/usr/share/bash-completion/completions" "$P/usr/share/zsh/vendor-completions" "$P/usr/share/fish/vendor_completions.d"
target/release/volclone generate completion bash > "$P/usr/share/bash-completion/completions/volclone"
target/release/volclone generate completion zsh > "$P/usr/share/zsh/vendor-completions/_volclone"
target/release/volclone generate completion fish > "$P/usr/share/fish/vendor_completions.d/volclone.fish"
target/release/volclone generate schemas "$P/usr/share/volclone/schema"
install -D -m 0644 README.md "$P/usr/share/doc/volclone/README.md"
gzip -9n "$P/usr/share/doc/volclone/README.md"
printf 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: volclone\n\nFiles: *\nLicense: Apache-2.0\n See /usr/share/common-licenses/Apache-2.0.\n' \
  > "$P/usr/share/doc/volclone/copyright"
# Debug information stays in the build tree; the package ships stripped binaries.
strip --strip-unneeded "$P/usr/bin/volclone" "$P/usr/bin/volclone-zfs" "$P/usr/lib/$MULTIARCH/jni/libvolclone_jni.so"
# libvolclone keeps its symbol table: the shipped valgrind suppressions match by function name.
strip --strip-debug "$P/usr/lib/$MULTIARCH"/libvolclone.so.*
strip --strip-debug "$P/usr/lib/$MULTIARCH/libvolclone.a"

# The oldest glibc the binaries need, from their versioned references.
glibc=$(objdump -T "$P/usr/bin/volclone" "$P/usr/lib/$MULTIARCH"/libvolclone.so.* "$P/usr/lib/$MULTIARCH/jni/libvolclone_jni.so" \
  | grep -oE 'GLIBC_[0-9]+\.[0-9]+' | sed 's/GLIBC_//' | sort -V | tail -1)
cat > "$P/DEBIAN/control" <<CONTROL
Package: volclone
Version: $VERSION
Architecture: $ARCH
Maintainer: volclone developers <volclone@example.invalid>
Section: admin
Priority: optional
Depends: libc6 (>= $glibc), libgcc-s1
Suggests: zfsutils-linux, lvm2, default-jre-headless | java17-runtime-headless
Installed-Size: $(du -sk "$P/usr" | cut -f1)
Homepage: https://example.invalid/volclone
Description: clone planner and parallel block copier for LINSTOR volumes
 Picks a working clone strategy for LINSTOR volumes (ZFS send/receive, raw
 send, zfs clone, LVM thin snapshot, or a parallel zero-aware block copy),
 including encrypted ZFS pools, and runs it resumably.
 .
 Contains the volclone command, the C library libvolclone (shared and
 static, header, pkg-config files) and the Java bindings (jar and JNI
 library), with man pages, shell completions and JSON Schemas, and a zfs
 shim (/usr/lib/volclone/shim/zfs, the small volclone-zfs) that a stock
 LINSTOR satellite uses once "volclone linstor-shim enable" puts it first on
 the satellite's PATH.
CONTROL
(cd "$P" && find usr -type f -exec md5sum {} + | sort -k2) > "$P/DEBIAN/md5sums"
dpkg-deb --root-owner-group -Zgzip --build "$P" "$OUT/" >/dev/null
echo "$OUT/volclone_${VERSION}_$ARCH.deb"
