#!/usr/bin/env bash
# run.sh: every benchmark in one command, each figure a ratio against its anchor from the same
# run (root; about an hour with the defaults):
#   1. benches/compare.sh: block copies of files onto a fresh thin file and a loop device, dense,
#      sparse and zero-filled images, against qemu-img convert -S 4k -m 8 -W and LINSTOR's dd
#      (speed, and CPU seconds per GiB);
#   2. benches/zfs.sh in the OpenZFS VM for each version in ZFS_VERSIONS (default "2.1"; "2.1 2.3"):
#      ZFS_COPY against the bare send | receive pipe, zvol block copies against LINSTOR's dd.
# Writes benches/results/run-DATE.md (the ratio tables from benches/summary.py, then the raw
# reports) and prints the tables. Env: RUNS (3), FULL_MIB (1024), SPARSE_MIB (2048) for the files;
# ROUNDS (4), COPY_MIB (128) for the VM.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
command -v qemu-img >/dev/null || { echo "== installing qemu-utils (qemu-img, the anchor)"; apt-get install -y -q --no-install-recommends qemu-utils >/dev/null; }
W=$(mktemp -d /tmp/volclone-benches.XXXXXX)
trap 'rm -rf "$W"' EXIT
OUT=benches/results/run-$(date -u +%Y-%m-%d-%H%M).md
echo "== files and loop devices"
ANCHOR_TOOLS='dd-linstor|qemu-img-S4k-m8W' RUNS=${RUNS:-3} FULL_MIB=${FULL_MIB:-1024} SPARSE_MIB=${SPARSE_MIB:-2048} benches/compare.sh --out "$W/files.md" > "$W/files.log" 2>&1 \
  || { tail -20 "$W/files.log"; exit 1; }
logs=()
for v in ${ZFS_VERSIONS:-2.1}; do
  echo "== OpenZFS $v VM"
  ZFS_VERSION=$v ROUNDS=${ROUNDS:-4} COPY_MIB=${COPY_MIB:-128} benches/zfs.sh > "$W/zfs-$v.log" 2>&1 || { tail -20 "$W/zfs-$v.log"; exit 1; }
  logs+=("$W/zfs-$v.log")
done
{
  echo "# Benchmark run $(date -u '+%Y-%m-%d %H:%M UTC') ($(nproc) CPUs, $(uname -r))"
  echo
  echo "Command: \`benches/run.sh\` (ZFS_VERSIONS=\"${ZFS_VERSIONS:-2.1}\"). Ratios above 1 favour volclone, except the CPU ratio (below 1: less CPU)."
  echo
  python3 benches/summary.py "$W/files.md" "${logs[@]}"
  echo; echo "## Raw reports"; echo
  cat "$W/files.md"
  for l in "${logs[@]}"; do echo; echo '```'; grep -vE '^(ok|not ok) - ' "$l" | sed 's/\x1b\[[0-9;]*m//g'; echo '```'; done
} > "$OUT"
python3 benches/summary.py "$W/files.md" "${logs[@]}"
echo "== written to $OUT"
