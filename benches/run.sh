#!/usr/bin/env bash
# run.sh: every benchmark in one command, each figure a ratio against its anchor from the same
# run (root; about an hour with the defaults):
#   1. benches/compare.sh: block copies of files onto a fresh thin file and a loop device, dense,
#      sparse and zero-filled images, against qemu-img convert -S 4k -m 8 -W and LINSTOR's dd
#      (speed, and CPU seconds per GiB);
#   2. benches/sizes.sh: files of 64 MiB, 256 MiB and 1 GiB against qemu-img, the tools
#      interleaved round by round (SIZES_RUNS rounds, default 7);
#   3. benches/zfs.sh in the OpenZFS VM for each version in ZFS_VERSIONS (default "2.1"; "2.1 2.3"):
#      ZFS_COPY against the bare send | receive pipe, zvol block copies against LINSTOR's dd.
# Writes benches/results/run-DATE.md (the ratio tables from benches/summary.py, then the raw
# reports) and prints the tables. Env: RUNS (3), FULL_MIB (1024), SPARSE_MIB (2048) for the files;
# ROUNDS (3), ZVOL_ROUNDS (2), COPY_MIB (128), LATER_PARTS (zvol-copy: what the versions after
# the first run) for the VM.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
command -v qemu-img >/dev/null || { echo "== installing qemu-utils (qemu-img, the anchor)"; apt-get install -y -q --no-install-recommends qemu-utils >/dev/null; }
W=$(mktemp -d /tmp/volclone-benches.XXXXXX)
# The raw reports are kept next to the summary even when a later part fails.
trap 'mkdir -p benches/results/raw && cp "$W"/*.md "$W"/*.log benches/results/raw/ 2>/dev/null; rm -rf "$W"' EXIT
OUT=benches/results/run-$(date -u +%Y-%m-%d-%H%M).md
echo "== files and loop devices"
ANCHOR_TOOLS='dd-linstor|qemu-img-S4k-m8W' RUNS=${RUNS:-3} FULL_MIB=${FULL_MIB:-1024} SPARSE_MIB=${SPARSE_MIB:-2048} benches/compare.sh --out "$W/files.md" > "$W/files.log" 2>&1 \
  || { tail -20 "$W/files.log"; exit 1; }
echo "== files by size, interleaved with qemu-img"
RUNS=${SIZES_RUNS:-7} benches/sizes.sh --out "$W/sizes.md" > "$W/sizes.log" 2>&1 || { tail -20 "$W/sizes.log"; exit 1; }
logs=()
first=1
for v in ${ZFS_VERSIONS:-2.1}; do
  echo "== OpenZFS $v VM"
  # The first version gets every part; the others the zvol copies (LATER_PARTS), to fit the hour.
  parts=${PARTS:-"zfs-copy zvol-copy"}; [ $first = 1 ] || parts=${LATER_PARTS:-zvol-copy}
  PARTS=$parts ZFS_VERSION=$v ROUNDS=${ROUNDS:-3} ZVOL_ROUNDS=${ZVOL_ROUNDS:-2} COPY_MIB=${COPY_MIB:-128} benches/zfs.sh > "$W/zfs-$v.log" 2>&1 \
    || { tail -20 "$W/zfs-$v.log"; exit 1; }
  logs+=("$W/zfs-$v.log")
  first=0
done
{
  echo "# Benchmark run $(date -u '+%Y-%m-%d %H:%M UTC') ($(nproc) CPUs, $(uname -r))"
  echo
  echo "Command: \`benches/run.sh\` (ZFS_VERSIONS=\"${ZFS_VERSIONS:-2.1}\"). Ratios above 1 favour volclone, except the CPU ratio (below 1: less CPU)."
  echo
  python3 benches/summary.py "$W/files.md" "${logs[@]}"
  echo; echo "## Raw reports"; echo
  cat "$W/files.md"
  echo; echo "### Files by size (benches/sizes.sh, interleaved)"; echo; cat "$W/sizes.md"
  for l in "${logs[@]}"; do echo; echo '```'; grep -vE '^(ok|not ok) - ' "$l" | sed 's/\x1b\[[0-9;]*m//g'; echo '```'; done
} > "$OUT"
python3 benches/summary.py "$W/files.md" "${logs[@]}"
cat "$W/sizes.md"
echo "== written to $OUT"
