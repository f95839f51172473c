#!/usr/bin/env bash
# install.sh PREFIX: builds libvolclone (release) and installs the shared and static library,
# include/volclone.h, a pkg-config file and the valgrind suppressions under PREFIX (lib/,
# include/, lib/pkgconfig/, share/volclone/).
set -euo pipefail
PREFIX=${1:?usage: scripts/install.sh PREFIX}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
cargo build --release -p volclone-ffi --quiet
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
# The native libraries a static link needs, as rustc reports them.
PRIVATE=$(cargo rustc --release -p volclone-ffi --quiet --crate-type staticlib -- --print native-static-libs 2>&1 \
  | sed -n 's/.*native-static-libs: //p' | tail -1)
mkdir -p "$PREFIX/lib/pkgconfig" "$PREFIX/include" "$PREFIX/share/volclone"
install -m 0755 target/release/libvolclone.so "$PREFIX/lib/libvolclone.so.$VERSION"
ln -sf "libvolclone.so.$VERSION" "$PREFIX/lib/libvolclone.so.0"
ln -sf libvolclone.so.0 "$PREFIX/lib/libvolclone.so"
install -m 0644 target/release/libvolclone.a "$PREFIX/lib/libvolclone.a"
install -m 0644 include/volclone.h "$PREFIX/include/volclone.h"
install -m 0644 ffi/volclone.supp "$PREFIX/share/volclone/volclone.supp"
sed -e "s|@PREFIX@|$PREFIX|" -e "s|@VERSION@|$VERSION|" -e "s|@PRIVATE_LIBS@|${PRIVATE:--lgcc_s -lpthread -ldl -lm -lc}|" \
  ffi/volclone.pc.in > "$PREFIX/lib/pkgconfig/volclone.pc"
# A static link names the archive itself: -lvolclone would pick the shared library.
sed -e "s|@PREFIX@|$PREFIX|" -e "s|@VERSION@|$VERSION|" -e "s|@PRIVATE_LIBS@|${PRIVATE:--lgcc_s -lpthread -ldl -lm -lc}|" \
  ffi/volclone-static.pc.in > "$PREFIX/lib/pkgconfig/volclone-static.pc"
echo "installed libvolclone $VERSION under $PREFIX"
