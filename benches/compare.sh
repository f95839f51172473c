#!/usr/bin/env bash
# compare.sh: volclone copy side by side with the anchors, in one run on one machine, through the
# anchors harness (shared/bench/anchors.sh of the volclone workspace; pass another with ANCHORS=).
# Anchors: LINSTOR's `dd bs=64k conv=nocreat,sparse oflag=direct`, `dd bs=1M`,
# `qemu-img convert -n -S 4k -m 8 -W`, `cp --sparse=always`, and the device limits (fio).
# Images: dense FULL_MIB (2048), SPARSE_MIB (4096) with 25% data in scattered extents and holes,
# and the same with explicit zeros. Destinations: a fresh thin file, and a loop device.
# Before and after the harness it also measures the copy limit of the disk: fio reading a cold
# file and writing a fresh thin file at the same time (O_DIRECT, 1 MiB, QD16 each), since a copy
# on one disk shares its bandwidth between the two.
# Usage: benches/compare.sh [--out FILE]   (root; RUNS=5 takes about 25 minutes)
# ANCHOR_TOOLS: the anchors to run, a regex alternation (default dd-linstor|dd-1M|qemu-img-S4k-m8W|cp-sparse).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ANCHORS=${ANCHORS:-$ROOT/../shared/bench/anchors.sh}
[ -x "$ANCHORS" ] || [ -f "$ANCHORS" ] || { echo "anchors harness not found at $ANCHORS: set ANCHORS=/path/to/anchors.sh"; exit 2; }
(cd "$ROOT" && cargo build --release --quiet --bin volclone)
command -v fio >/dev/null || apt-get install -y -q --no-install-recommends fio >/dev/null
export FULL_MIB=${FULL_MIB:-2048} SPARSE_MIB=${SPARSE_MIB:-4096} DSTS=${DSTS:-"file loop"} FSES=${FSES:-disk}
SCRATCH=${SCRATCH:-/var/tmp/volclone-copylimit}
OUT=""
for ((i = 1; i <= $#; i++)); do [ "${!i}" = --out ] && { j=$((i + 1)); OUT=${!j}; }; done

copy_limit() { # prints "read write" MiB/s
    mkdir -p "$SCRATCH"
    local src=$SCRATCH/src dst=$SCRATCH/dst
    [ -f "$src" ] || fio --name=lay --filename="$src" --size="${FULL_MIB}M" --rw=write --bs=1M --direct=1 >/dev/null 2>&1
    rm -f "$dst"; truncate -s "${FULL_MIB}M" "$dst"; sync
    dd if="$src" iflag=nocache count=0 status=none
    fio --output-format=terse --terse-version=3 --group_reporting \
        --name=r --filename="$src" --size="${FULL_MIB}M" --rw=read --bs=1M --direct=1 --ioengine=libaio --iodepth=16 \
        --name=w --filename="$dst" --size="${FULL_MIB}M" --rw=write --bs=1M --direct=1 --ioengine=libaio --iodepth=16 \
        2>/dev/null | awk -F';' '{ printf "%.0f %.0f\n", $7 / 1024, $48 / 1024 }'
}

before=$(copy_limit)
bash "$ANCHORS" --only "^(${ANCHOR_TOOLS:-dd-linstor|dd-1M|qemu-img-S4k-m8W|cp-sparse})\$" \
  --tool "volclone::$ROOT/target/release/volclone copy --quiet {src} {dst}" "$@"
after=$(copy_limit)
rm -rf "$SCRATCH"
report=$(printf '\n## Copy limit of the disk (compare.sh)\n\nfio reading a cold %s MiB file and writing a fresh thin file at the same time, O_DIRECT, 1 MiB, QD16 each (MiB/s):\n\n| when | read | write |\n|---|---|---|\n| before the harness | %s | %s |\n| after the harness | %s | %s |\n' \
  "$FULL_MIB" ${before% *} ${before#* } ${after% *} ${after#* })
echo "$report"
[ -z "$OUT" ] || echo "$report" >> "$OUT"
