#!/usr/bin/env bash
# zfs.sh: the ZFS paths in the OpenZFS VM (tests/zfsvm; scripts/zfs-vm-tests.sh builds the image
# the first time): ZFS_COPY against the bare send | receive pipe, and zvol block copies against
# LINSTOR's dd (dense, sparse, zero-filled; thin and thick targets), each with its anchor in the
# same boot (tests/zfsvm/scenarios/bench-zfs.sh). ZFS_VERSION=2.1 (default) or 2.3; ZVOL_MIB,
# COPY_MIB, ROUNDS, ZVOL_ROUNDS (of the zvol copies; default ROUNDS), ARC (metadata: cold sources, the default; all), PARTS ("zfs-copy zvol-copy"), TOOLS (of the ZFS_COPY part), LIMIT_CFGS (fio's QD:jobs for the zvol limit), VC_ARGS (a third tool: volclone copy VC_ARGS), VC_BIN_X (the third tool is this other volclone binary, e.g. a build from before a change; VC_X_NAME names it), ZVOL_IMAGES, ZVOL_KINDS (of the zvol copies) pass through. Prints the scenario's table and RESULT lines.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
cargo build --release --quiet --bin volclone --features libzfs-core
ZV=${ZFS_VERSION:-2.1}
CACHE=${ZFSVM_CACHE:-/var/cache/zfsvm}
out=$(ls -d "$CACHE"/out-"$ZV"* 2>/dev/null | sort -V | tail -1 || true)
[ -n "$out" ] || { echo "no OpenZFS $ZV VM image under $CACHE: run scripts/zfs-vm-tests.sh (ZFS_VERSIONS=$ZV) once"; exit 2; }
SHARE=$(mktemp -d /tmp/volclone-bench.XXXXXX)
trap 'rm -rf "$SHARE"' EXIT
cp target/release/volclone tests/zfsvm/lib.sh "$SHARE/"
[ -z "${VC_BIN_X:-}" ] || cp "$VC_BIN_X" "$SHARE/volclone-x"
cp "$(command -v dd)" "$SHARE/gnu-dd"   # busybox dd has no oflag=direct / conv=sparse
# fio for the zvol limit (reading the source and writing a target at once): Debian's, with every
# library it loads and the loader, so the guest runs it as built (apt installs it if missing).
command -v fio > /dev/null || apt-get install -y -q fio > /dev/null
mkdir -p "$SHARE/fio/lib"; cp "$(command -v fio)" "$SHARE/fio/fio"
ldd "$(command -v fio)" | awk '$3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | xargs -I{} cp -L {} "$SHARE/fio/lib/"
cp -L /lib64/ld-linux-x86-64.so.2 "$SHARE/fio/lib/ld-linux-x86-64.so.2"
{ for v in ZVOL_MIB COPY_MIB ROUNDS ZVOL_ROUNDS ARC PARTS TOOLS LIMIT_CFGS VC_ARGS VC_X_NAME ZVOL_IMAGES ZVOL_KINDS; do [ -n "${!v:-}" ] && echo "export $v='${!v}'"; done; true; } > "$SHARE/bench.env"
ZFSVM_OUT=$out ZFSVM_DISKS=1 ZFSVM_DISK_SIZE=4G ZFSVM_MEM=${ZFSVM_MEM:-3G} ZFSVM_TIMEOUT=5400 \
  tests/zfsvm/run.sh tests/zfsvm/scenarios/bench-zfs.sh "$SHARE"
