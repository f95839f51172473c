#!/usr/bin/env bash
# libvolclone.sh OUTDIR: builds the C library (release) as it ships, into OUTDIR:
#   libvolclone.a               one relocatable object whose only global symbols are the header's
#                               functions (Rust std, compiler builtins and our internals made local,
#                               so a program linking another Rust library sees no clash)
#   libvolclone.so.SOVERSION    linked from that object with a version script: the header's
#                               functions, each versioned VOLCLONE_<SOVERSION>, and nothing else;
#                               SONAME libvolclone.so.SOVERSION (ffi/abi/soversion, raised on an
#                               ABI break: scripts/abi-check.sh)
#   native-static-libs          the system libraries a static link needs, as rustc reports them
# Prints the .so's path.
set -euo pipefail
OUT=${1:?usage: scripts/libvolclone.sh OUTDIR}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SOVERSION=$(cat ffi/abi/soversion)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
libs=$(cargo rustc --release -p volclone-ffi --quiet --crate-type staticlib -- --print native-static-libs 2>&1 \
  | sed -n 's/.*native-static-libs: //p' | tail -1)
echo "${libs:--lgcc_s -lutil -lrt -lpthread -lm -ldl -lc}" > "$OUT/native-static-libs"
W=$(mktemp -d /tmp/volclone-lib.XXXXXX)
trap 'rm -rf "$W"' EXIT
grep -oE '\bvolclone_[a-z_]+\(' include/volclone.h | tr -d '(' | sort -u > "$W/api"
{ echo "VOLCLONE_$SOVERSION {"; echo "  global:"; sed 's/.*/    &;/' "$W/api"; echo "  local: *;"; echo "};"; } > "$W/map"
# One object from the whole archive; only the API stays global. The embedded LLVM bitcode goes:
# nothing links this archive with LTO, and binutils' LLVM plugin of another version chokes on it.
ld -r --whole-archive target/release/libvolclone.a -o "$W/all.o"
objcopy --keep-global-symbols="$W/api" --remove-section=.llvmbc --remove-section=.llvmcmd "$W/all.o" "$W/volclone.o"
rm -f "$OUT/libvolclone.a"
ar rcs "$OUT/libvolclone.a" "$W/volclone.o"
gcc -shared -o "$OUT/libvolclone.so.$SOVERSION" "$W/volclone.o" -Wl,--version-script="$W/map" \
  -Wl,-soname,"libvolclone.so.$SOVERSION" -Wl,--gc-sections -Wl,-z,relro,-z,now -Wl,--as-needed \
  -Wl,--no-undefined $(cat "$OUT/native-static-libs")
echo "$OUT/libvolclone.so.$SOVERSION"
