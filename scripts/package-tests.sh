#!/usr/bin/env bash
# package-tests.sh: builds the Debian package (scripts/package-deb.sh), installs it with dpkg
# (root), and against the installed files only: compiles and runs C programs through pkg-config,
# dynamic and static (one under valgrind with the shipped suppressions), a Java program with only
# the installed jar on its class path (the JNI library from the system's JNI directory, then from
# the jar alone), and checks the CLI, man pages, completions and schemas. Removes the package at
# the end and checks that nothing of it is left.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DEB=$ROOT/$(scripts/package-deb.sh)
W=$(mktemp -d /tmp/volclone-pkg.XXXXXX)
# dpkg, waiting while another package operation holds its lock (.ci/run builds the VM images,
# which install packages, at the same time), up to 15 minutes.
dpkg_waiting() {
  local i out
  for i in $(seq 180); do
    if out=$(dpkg "$@" 2>&1); then return 0; fi
    grep -q "lock" <<<"$out" || { echo "$out"; return 1; }
    sleep 5
  done
  echo "$out"; return 1
}
cleanup() { dpkg_waiting -r volclone >/dev/null 2>&1 || true; rm -rf "$W"; }
trap cleanup EXIT
step() { echo "== package: $*"; }

step "install $(basename "$DEB")"
if dpkg-query -W -f '${Status}' volclone 2>/dev/null | grep -q 'install ok installed'; then
  echo "volclone is already installed on this machine: remove it first (dpkg -r volclone)"; exit 1
fi
dpkg_waiting -i "$DEB" >/dev/null
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
# Nothing from the build tree from here on: a clean environment and a directory of our own.
export PKG_CONFIG_PATH= LD_LIBRARY_PATH=
cd "$W"
cp "$ROOT/core/requests/seed-incus-2075.json" "$ROOT/tools/volclone-copy.c" "$ROOT/tests/package/PackageSmoke.java" .

step "CLI, man pages, completions, schemas"
# (Output is captured before grep -q looks at it: with pipefail, a writer cut off by grep's early
# exit would fail the check at random.)
grep -qx "volclone $(dpkg-query -W -f '${Version}' volclone)" <<<"$(/usr/bin/volclone --version)"
grep -q "chosen: ZFS_COPY" <<<"$(/usr/bin/volclone plan seed-incus-2075.json)"
for page in volclone volclone-plan volclone-copy volclone-clone volclone-run volclone-demo; do
  grep -q '^\.TH' <<<"$(zcat "/usr/share/man/man1/$page.1.gz")" || { echo "$page.1 is not a man page"; exit 1; }
done
grep -q _volclone <<<"$(bash -c 'source /usr/share/bash-completion/completions/volclone && complete -p volclone')"
for doc in request plan; do
  cmp <(/usr/bin/volclone plan --schema "$doc") "/usr/share/volclone/schema/$doc.schema.json"
done

step "the zfs shim: shipped, enabled and disabled for linstor-satellite.service only"
[ "$(readlink /usr/lib/volclone/shim/zfs)" = /usr/bin/volclone-zfs ] || { echo "no shim in /usr/lib/volclone/shim"; exit 1; }
# The pass-through starts on every zfs call a satellite makes: shipped statically linked.
ldd /usr/bin/volclone-zfs 2>&1 | grep -q "not a dynamic executable\|statically linked" || { ldd /usr/bin/volclone-zfs; echo "volclone-zfs is dynamically linked"; exit 1; }
[ ! -e /etc/systemd/system/linstor-satellite.service.d/volclone-zfs-shim.conf ] || { echo "the package enabled the shim by itself"; exit 1; }
dpkg-query -W -f='${Description}' volclone | grep -q '"volclone linstor-shim enable"' || { dpkg-query -W -f='${Description}' volclone; echo "the description lost the enable command"; exit 1; }
out=$(/usr/bin/volclone linstor-shim enable --systemd-dir "$W/systemd")
grep -q "Environment=PATH=/usr/lib/volclone/shim:" "$W/systemd/linstor-satellite.service.d/volclone-zfs-shim.conf" || { echo "$out"; exit 1; }
/usr/bin/volclone linstor-shim disable --systemd-dir "$W/systemd" >/dev/null
[ -z "$(ls -A "$W/systemd")" ] || { echo "disable left files: $(ls -R "$W/systemd")"; exit 1; }
# Run as zfs with no real zfs on this host: a clear error and 127, never a loop.
rc=0; PATH=/usr/lib/volclone/shim:/usr/bin:/bin /usr/lib/volclone/shim/zfs list 2>"$W/shim.err" || rc=$?
if [ -x /usr/sbin/zfs ] || [ -x /sbin/zfs ]; then :; else
  [ "$rc" = 127 ] && grep -q "no real zfs found" "$W/shim.err" || { cat "$W/shim.err"; echo "shim without a real zfs: rc $rc"; exit 1; }
fi

step "C through pkg-config: dynamic, static"
gcc -std=c11 -Wall -Wextra -Werror volclone-copy.c -o copy-dyn $(pkg-config --cflags --libs volclone)
gcc -std=c11 -Wall -Wextra -Werror volclone-copy.c -o copy-static $(pkg-config --cflags --libs volclone-static)
grep -qE "libvolclone.so.0 => (/usr)?/lib/$MA/libvolclone.so.0" <<<"$(ldd copy-dyn)" || { ldd copy-dyn; exit 1; }
if grep -q libvolclone <<<"$(ldd copy-static)"; then echo "the static program links libvolclone dynamically"; exit 1; fi
head -c 5000000 /dev/urandom > "src img"
for prog in copy-dyn copy-static; do
  rm -f ./-dst; truncate -s 5000000 ./-dst
  "./$prog" --verify "src img" ./-dst >/dev/null
  cmp "src img" ./-dst
  grep -q '"chosen": "ZFS_COPY"' <<<"$("./$prog" --plan seed-incus-2075.json)"
done
step "C under valgrind with /usr/share/volclone/volclone.supp"
rm -f ./-dst; truncate -s 5000000 ./-dst
valgrind -q --error-exitcode=99 --leak-check=full --suppressions=/usr/share/volclone/volclone.supp ./copy-dyn --verify "src img" ./-dst >/dev/null
cmp "src img" ./-dst

step "Java with only /usr/share/java/volclone.jar"
javac --release 17 -cp /usr/share/java/volclone.jar -d . PackageSmoke.java
# The JNI library from the JVM's library path (Debian's JDKs search /usr/lib/$MA/jni) ...
java -Djava.library.path="/usr/lib/$MA/jni" -cp /usr/share/java/volclone.jar:. PackageSmoke seed-incus-2075.json | tee out
grep -q "from libvolclone_jni.so in java.library.path=/usr/lib/$MA/jni," out
# ... and from the jar alone.
java -Djava.library.path=/nonexistent -cp /usr/share/java/volclone.jar:. PackageSmoke seed-incus-2075.json | tee out
grep -q "from the copy in the jar" out

step "remove"
files=$(dpkg -c "$DEB" | awk '$1 !~ /^d/ {print substr($6, 2)}')
[ "$(wc -l <<<"$files")" -ge 20 ] || { echo "the package lists only $(wc -l <<<"$files") files"; exit 1; }
dpkg_waiting -r volclone >/dev/null
left=$(while read -r f; do if [ -e "$f" ] || [ -L "$f" ]; then echo "$f"; fi; done <<<"$files")
[ -z "$left" ] || { echo "left after removal: $left"; exit 1; }
echo "== package: all steps passed"
