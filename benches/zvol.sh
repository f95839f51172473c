#!/usr/bin/env bash
# zvol.sh: LINSTOR's dd against volclone copy between real zvols, in the OpenZFS VM
# (tests/zfsvm; run scripts/zfs-vm-tests.sh once first to build the image). MIB=256 by default.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
cargo build --release --quiet --bin volclone
SHARE=$(mktemp -d /tmp/volclone-bench.XXXXXX)
trap 'rm -rf "$SHARE"' EXIT
cp target/release/volclone tests/zfsvm/lib.sh "$SHARE/"
cp "$(command -v dd)" "$SHARE/gnu-dd"   # busybox dd has no oflag=direct / conv=sparse
ZFSVM_DISKS=1 ZFSVM_DISK_SIZE=2G ZFSVM_TIMEOUT=3600 tests/zfsvm/run.sh tests/zfsvm/scenarios/bench-zvol.sh "$SHARE"
