#!/bin/sh
# ZFS_CLONE, and BLOCK_COPY between zvols: identical data, and a thin target stays thin.
. /host/lib.sh
zpool create -f tank /dev/vda
# compression off: the written zeros below really take space on the source (2.3 compresses by default)
zfs create -s -V 64M -o volmode=dev -o compression=off tank/src
S=$(dev tank/src)
dd if=/dev/urandom of="$S" bs=1M count=8 seek=8 conv=fsync 2>/dev/null
dd if=/dev/zero of="$S" bs=1M count=16 seek=32 conv=fsync 2>/dev/null  # explicit zeros: allocated on the source
SRC=$(digest "$S")

$VOLCLONE clone --quiet --use-zfs-clone tank/src tank/cl > /tmp/out 2>&1
eq "ZFS_CLONE: succeeds" "$?" 0
eq "ZFS_CLONE: chosen" "$(sed -n 's/^  chosen: //p' /tmp/out)" ZFS_CLONE
check "ZFS_CLONE: the target is a clone of the source's snapshot" sh -c "zfs get -H -o value origin tank/cl | grep -q '^tank/src@CF_'"
eq "ZFS_CLONE: identical" "$(digest "$(dev tank/cl)")" "$SRC"

zfs create -s -V 64M -o volmode=dev tank/bc
$VOLCLONE clone --quiet --forbid ZFS_COPY --forbid ZFS_RAW_COPY tank/src tank/bc > /tmp/out 2>&1
rc=$?
tail -2 /tmp/out
eq "BLOCK_COPY: succeeds" "$rc" 0
eq "BLOCK_COPY: chosen" "$(sed -n 's/^  chosen: //p' /tmp/out)" BLOCK_COPY
eq "BLOCK_COPY: identical" "$(digest "$(dev tank/bc)")" "$SRC"
src_ref=$(zfs get -Hp -o value referenced tank/src)
bc_ref=$(zfs get -Hp -o value referenced tank/bc)
echo "referenced: source $src_ref, block-copied target $bc_ref"
check "BLOCK_COPY: the thin target holds only the data (< 10 MiB), not the source's 24 MiB" test "$bc_ref" -lt 10485760
check "BLOCK_COPY: the source holds more (its zeros are allocated)" test "$src_ref" -gt 20000000

# The copier straight between zvols, O_DIRECT and verified, onto a target full of old data.
zfs create -s -V 64M -o volmode=dev tank/old
dd if=/dev/urandom of="$(dev tank/old)" bs=1M count=64 conv=fsync 2>/dev/null
$VOLCLONE copy --quiet --direct --verify --json "$S" "$(dev tank/old)" > /tmp/out 2>&1
eq "copy --direct --verify: succeeds" "$?" 0
check "copy: reports discard on the zvol" grep -q '"zero_method": "discard"' /tmp/out
check "copy: verified" grep -q '"matched": true' /tmp/out
eq "copy: identical" "$(digest "$(dev tank/old)")" "$SRC"
old_ref=$(zfs get -Hp -o value referenced tank/old)
check "copy: old data under zero runs was discarded (< 12 MiB left)" test "$old_ref" -lt 12582912
check_fails "copy: refuses the source as target" $VOLCLONE copy --quiet "$S" "$S"
finish
