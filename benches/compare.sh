#!/usr/bin/env bash
# compare.sh: volclone copy side by side with the anchors, in one run on one machine, through the
# anchors harness (shared/bench/anchors.sh of the volclone workspace; pass another with ANCHORS=).
# Anchors: LINSTOR's `dd bs=64k conv=nocreat,sparse oflag=direct`, `dd bs=1M`,
# `qemu-img convert -n -S 4k -m 8 -W`, `cp --sparse=always`, and the device limits (fio).
# Images: dense FULL_MIB (2048), SPARSE_MIB (4096) with 25% data in scattered extents and holes,
# and the same with explicit zeros. Destinations: a fresh thin file, and a loop device.
# Usage: benches/compare.sh [--out FILE]   (root; about 30-40 minutes with the defaults)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ANCHORS=${ANCHORS:-$ROOT/../shared/bench/anchors.sh}
[ -x "$ANCHORS" ] || [ -f "$ANCHORS" ] || { echo "anchors harness not found at $ANCHORS: set ANCHORS=/path/to/anchors.sh"; exit 2; }
(cd "$ROOT" && cargo build --release --quiet --bin volclone)
command -v fio >/dev/null || apt-get install -y -q --no-install-recommends fio >/dev/null
export FULL_MIB=${FULL_MIB:-2048} SPARSE_MIB=${SPARSE_MIB:-4096} DSTS=${DSTS:-"file loop"} FSES=${FSES:-disk}
exec bash "$ANCHORS" --only '^(dd-linstor|dd-1M|qemu-img-S4k-m8W|cp-sparse)$' \
  --tool "volclone::$ROOT/target/release/volclone copy --quiet {src} {dst}" "$@"
