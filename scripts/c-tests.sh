#!/usr/bin/env bash
# c-tests.sh: installs libvolclone into a temporary prefix and, against that install only
# (pkg-config), checks the header as C11 and C++, builds the C tool static and dynamic, runs the
# C tests plain, under valgrind and under ASan+UBSan, and compiles the README's C example.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
W=$(mktemp -d /tmp/volclone-c.XXXXXX)
trap 'rm -rf "$W"' EXIT
PREFIX=$W/prefix
scripts/install.sh "$PREFIX" >/dev/null
export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
WARN=(-Wall -Wextra -Werror)
CFLAGS=(-std=c11 -g "${WARN[@]}" $(pkg-config --cflags volclone))
DYN=($(pkg-config --libs volclone) -Wl,-rpath,"$PREFIX/lib" -lpthread)
STATIC=($(pkg-config --libs volclone-static))
step() { echo "== c-tests: $*"; }

step "header compiles as C11 and C++17 with ${WARN[*]}"
echo '#include <volclone.h>' | gcc -std=c11 "${WARN[@]}" -pedantic $(pkg-config --cflags volclone) -x c -fsyntax-only -
echo '#include <volclone.h>' | g++ -std=c++17 "${WARN[@]}" $(pkg-config --cflags volclone) -x c++ -fsyntax-only -

step "the libraries export the header's functions, nothing else (versioned VOLCLONE_$(cat ffi/abi/soversion) in the .so)"
api=$(grep -oE '\bvolclone_[a-z_]+\(' include/volclone.h | tr -d '(' | sort -u)
so_exports=$(objdump -T "$PREFIX/lib/libvolclone.so.$(cat ffi/abi/soversion)" | awk '$2 == "g" && $4 == ".text" {print $6 " " $7}' | sort)
want=$(sed "s/^/VOLCLONE_$(cat ffi/abi/soversion) /" <<<"$api" | sort)
[ "$so_exports" = "$want" ] || { echo "the .so exports differ from the header's functions:"; diff <(echo "$want") <(echo "$so_exports") || true; exit 1; }
a_globals=$(readelf -sW "$PREFIX/lib/libvolclone.a" | awk '$5 == "GLOBAL" && $7 != "UND" {print $8}' | sort)
[ "$a_globals" = "$api" ] || { echo "the archive's global symbols differ from the header's functions:"; diff <(echo "$api") <(echo "$a_globals") | head; exit 1; }

step "ABI against the baseline (abidw/abidiff)"
scripts/abi-check.sh

step "tool, dynamic and static"
gcc "${CFLAGS[@]}" tools/volclone-copy.c -o "$W/volclone-copy" "${DYN[@]}"
gcc "${CFLAGS[@]}" tools/volclone-copy.c -o "$W/volclone-copy-static" "${STATIC[@]}"
grep -q "libvolclone.so.$(cat ffi/abi/soversion)" <<<"$(ldd "$W/volclone-copy")" || { echo "dynamic tool does not link libvolclone.so.$(cat ffi/abi/soversion)"; exit 1; }
if grep -q libvolclone <<<"$(ldd "$W/volclone-copy-static")"; then echo "static tool links libvolclone dynamically"; exit 1; fi
head -c 3000000 /dev/urandom > "$W/src.img"
for t in volclone-copy volclone-copy-static; do
  rm -f "$W/dst.img"; truncate -s 3000000 "$W/dst.img"
  "$W/$t" --verify "$W/src.img" "$W/dst.img" >/dev/null 2>&1
  cmp "$W/src.img" "$W/dst.img"
  out=$("$W/$t" --plan core/requests/seed-incus-2075.json); grep -q '"chosen": "ZFS_COPY"' <<<"$out"
  rc=0; "$W/$t" "$W/src.img" "$W/src.img" 2>"$W/err" || rc=$?
  [ "$rc" = 1 ] && grep -q 'same device' "$W/err"
done

step "README C example compiles as written and runs"
awk '/<!-- c-example -->/{f=1;next} f&&/^```c/{g=1;next} g&&/^```/{exit} g' README.md > "$W/example.c"
[ -s "$W/example.c" ] || { echo "README has no C example"; exit 1; }
gcc "${CFLAGS[@]}" "$W/example.c" -o "$W/example" "${DYN[@]}"
out=$("$W/example"); grep -q '"chosen": "LVM_THIN_CLONE"' <<<"$out"

step "C tests (dynamic)"
gcc "${CFLAGS[@]}" tests/c/test_volclone.c -o "$W/test" "${DYN[@]}"
mkdir -p "$W/s1" "$W/s2" "$W/s3"
"$W/test" core/requests/seed-incus-2075.json "$W/s1"

step "C tests under valgrind with the shipped suppressions (no leaks, no invalid accesses)"
if command -v valgrind >/dev/null; then
  # As a C tool author runs it: default leak kinds, with the suppressions the install ships.
  valgrind -q --error-exitcode=99 --leak-check=full --suppressions="$PREFIX/share/volclone/volclone.supp" \
    "$W/test" core/requests/seed-incus-2075.json "$W/s2"
else
  echo "valgrind missing: install it (apt-get install valgrind)"; exit 1
fi

step "C tests with -fsanitize=address,undefined (static library)"
gcc "${CFLAGS[@]}" -fsanitize=address,undefined -fno-omit-frame-pointer tests/c/test_volclone.c -o "$W/test-asan" \
  "${STATIC[@]}"
grep -q __asan_init <<<"$(nm "$W/test-asan")" || { echo "ASan runtime not linked"; exit 1; }
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1 "$W/test-asan" core/requests/seed-incus-2075.json "$W/s3"
echo "== c-tests: all steps passed"
