#!/usr/bin/env bash
# abi-check.sh: compares the ABI of libvolclone as built now (abidw, from its DWARF) with the
# baseline ffi/abi/libvolclone.abi (abidiff). Fails on any difference: an incompatible one needs
# a new SONAME (raise ffi/abi/soversion), and every accepted change (added functions) a new baseline, made with
#   VOLCLONE_BLESS=1 scripts/abi-check.sh
# which refuses to bless an incompatible change under the old SONAME. First checks that abidiff,
# as used here, does report a removed function and a changed struct as incompatible.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
command -v abidw >/dev/null || { echo "abidw missing: apt-get install abigail-tools (scripts/deps.sh does)"; exit 1; }
BASE=ffi/abi/libvolclone.abi
W=$(mktemp -d /tmp/volclone-abi.XXXXXX)
trap 'rm -rf "$W"' EXIT
so=$(scripts/libvolclone.sh target/release/libvolclone)
abidw --no-corpus-path --no-show-locs --no-comp-dir-path "$so" > "$W/now.abi"

# abidiff's exit status is a bit mask (4: the ABI changed, 8: certainly incompatibly); its
# summary says what changed. Only added functions keep old programs working: anything removed or
# changed (a struct's field moved shows as a changed function) is a break.
diffrc() { local rc=0; abidiff --no-show-locs "$1" "$2" > "$W/diff.txt" 2>&1 || rc=$?; echo "$rc"; }
breaking() { grep -qE 'changes summary: ([1-9][0-9]* Removed|[0-9]+ Removed(.*\(.*\))?, [1-9][0-9]* Changed)' "$W/diff.txt"; }

# The check must be able to fail: a function gone, and a field of an ABI struct moved.
python3 - "$W" <<'PY'
import sys, xml.etree.ElementTree as ET
w = sys.argv[1]
t = ET.parse(f"{w}/now.abi")
for parent in t.getroot().iter():
    for c in list(parent):
        if c.get("name") == "volclone_copy_report_init" and c.tag in ("function-decl", "elf-symbol"):
            parent.remove(c)
t.write(f"{w}/nofn.abi")
t = ET.parse(f"{w}/now.abi")
opts = [c for c in t.getroot().iter("class-decl") if c.get("name") == "volclone_copy_options"]
if not opts:
    sys.exit("abi-check: no volclone_copy_options in the ABI dump (no type information?)")
field = opts[0].findall("data-member")[1]
field.set("layout-offset-in-bits", str(int(field.get("layout-offset-in-bits")) + 32))
t.write(f"{w}/moved.abi")
PY
for broken in nofn moved; do
  rc=$(diffrc "$W/now.abi" "$W/$broken.abi")
  { [ "$rc" != 0 ] && breaking; } || { cat "$W/diff.txt"; echo "abi-check: a break went unseen ($broken, rc $rc)"; exit 1; }
done

soname() { sed -n "s/.*soname='\([^']*\)'.*/\1/p" "$1" | head -1; }
if [ "${VOLCLONE_BLESS:-}" = 1 ]; then
  if [ -f "$BASE" ]; then
    rc=$(diffrc "$BASE" "$W/now.abi")
    if [ "$rc" != 0 ] && breaking && [ "$(soname "$BASE")" = "$(soname "$W/now.abi")" ]; then
      cat "$W/diff.txt"
      echo "abi-check: refusing to bless an incompatible change under the same SONAME $(soname "$BASE"): raise ffi/abi/soversion"
      exit 1
    fi
  fi
  cp "$W/now.abi" "$BASE"
  echo "abi-check: baseline $BASE blessed ($(soname "$BASE"))"
  exit 0
fi
[ -f "$BASE" ] || { echo "abi-check: no baseline $BASE: VOLCLONE_BLESS=1 scripts/abi-check.sh"; exit 1; }
rc=$(diffrc "$BASE" "$W/now.abi")
if [ "$rc" != 0 ]; then
  cat "$W/diff.txt"
  if breaking; then
    echo "abi-check: INCOMPATIBLE ABI change against $BASE: restore the ABI, or raise ffi/abi/soversion and bless"
  else
    echo "abi-check: the ABI changed compatibly (rc $rc): VOLCLONE_BLESS=1 scripts/abi-check.sh to accept it"
  fi
  exit 1
fi
echo "abi-check: $(basename "$so") matches $BASE ($(grep -c '<elf-symbol name=' "$W/now.abi") symbols)"
