#!/usr/bin/env bash
# install.sh PREFIX: builds libvolclone (release, scripts/libvolclone.sh) and installs the shared
# and static library, include/volclone.h, the pkg-config files (volclone.pc, volclone-static.pc)
# and the valgrind suppressions under PREFIX (lib/, include/, lib/pkgconfig/, share/volclone/).
# DESTDIR is prepended to every installed path (for packaging), not to the paths in the .pc files.
set -euo pipefail
PREFIX=${1:?usage: scripts/install.sh PREFIX}
DEST=${DESTDIR:-}$PREFIX
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
VERSION=$(scripts/version.sh)
SOVERSION=$(cat ffi/abi/soversion)
LIBDIR=${LIBDIR:-lib}
B=target/release/libvolclone
scripts/libvolclone.sh "$B" >/dev/null
mkdir -p "$DEST/$LIBDIR/pkgconfig" "$DEST/include" "$DEST/share/volclone"
install -m 0644 "$B/libvolclone.so.$SOVERSION" "$DEST/$LIBDIR/libvolclone.so.$SOVERSION"
ln -sf "libvolclone.so.$SOVERSION" "$DEST/$LIBDIR/libvolclone.so"
install -m 0644 "$B/libvolclone.a" "$DEST/$LIBDIR/libvolclone.a"
install -m 0644 include/volclone.h "$DEST/include/volclone.h"
install -m 0644 ffi/volclone.supp "$DEST/share/volclone/volclone.supp"
for pc in volclone volclone-static; do
  sed -e "s|@PREFIX@|$PREFIX|" -e "s|@LIBDIR@|$LIBDIR|" -e "s|@VERSION@|$VERSION|" \
    -e "s|@PRIVATE_LIBS@|$(cat "$B/native-static-libs")|" "ffi/$pc.pc.in" > "$DEST/$LIBDIR/pkgconfig/$pc.pc"
done
echo "installed libvolclone $VERSION (libvolclone.so.$SOVERSION) under $DEST"
