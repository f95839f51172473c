#!/bin/sh
# The block copier's zeroing layer on real devices: the default copy (no --verify) onto targets
# full of old data must read back identical to the source, on zvols of every volblocksize (a
# discard frees only whole volblocks) and on dm-thin pools with and without block zeroing; thin
# stays thin where the device allows. Also: a partition and its own disk are refused.
. /host/lib.sh
modprobe dm_mod && modprobe dm_thin_pool
zpool create -f tank /dev/vda

# Source: 32 MiB. 8 MiB of random data with 128 zero runs of 4-60 KiB at 4 KiB-aligned offsets
# of every phase, a 1 MiB zero run, 8 MiB of random data, then zeros to the end.
zfs create -V 32M -o volmode=dev -o compression=off -o volblocksize=16K tank/src
S=$(dev tank/src)
dd if=/dev/urandom of="$S" bs=1M count=17 conv=fsync 2>/dev/null
dd if=/dev/zero of="$S" bs=1M count=1 seek=8 conv=notrunc 2>/dev/null
dd if=/dev/zero of="$S" bs=1M count=15 seek=17 conv=notrunc 2>/dev/null
i=0
while [ $i -lt 128 ]; do
  # run i: at 64 KiB * i + 4 KiB * (i % 13), (i % 15 + 1) * 4 KiB long
  dd if=/dev/zero of="$S" bs=4096 seek=$((i * 16 + i % 13)) count=$((i % 15 + 1)) conv=notrunc 2>/dev/null
  i=$((i + 1))
done
sync
SRC=$(digest "$S")

for vbs in 4K 8K 16K 64K 128K; do
  zfs create -s -V 32M -o volmode=dev -o volblocksize=$vbs tank/t$vbs
  T=$(dev tank/t$vbs)
  dd if=/dev/urandom of="$T" bs=1M count=32 conv=fsync 2>/dev/null
  $VOLCLONE copy --json "$S" "$T" > /tmp/copy.json 2>&1
  eq "volblocksize $vbs: default copy onto old data succeeds" "$?" 0
  eq "volblocksize $vbs: identical without --verify" "$(digest "$T")" "$SRC"
  check "volblocksize $vbs: discard of whole volblocks" grep -q '"zero_method": "discard"' /tmp/copy.json
  check "volblocksize $vbs: pool tank synced during the copy (write-out overlaps the reads)" grep -q 'sync(s) of pool tank during the copy' /tmp/copy.json
  grep '"zero_granularity"' /tmp/copy.json | tr -d ' ,'
  ref=$(zfs get -Hp -o value referenced tank/t$vbs)
  echo "volblocksize $vbs: target references $ref bytes"
  check "volblocksize $vbs: the 16 MiB of zeros at the end were freed (< 20 MiB referenced)" test "$ref" -lt 20971520
done
# Given as /dev/zdN, the zvol's pool is found through its /dev/zvol link.
ZD=$(readlink -f "$(dev tank/t8K)")
dd if=/dev/urandom of="$ZD" bs=1M count=32 conv=fsync 2>/dev/null
$VOLCLONE copy --json "$S" "$ZD" > /tmp/copy.json 2>&1
eq "copy onto $ZD (the kernel's name) succeeds" "$?" 0
eq "copy onto $ZD: identical" "$(digest "$ZD")" "$SRC"
check "copy onto $ZD: its pool (tank) found and synced during the copy" grep -q 'sync(s) of pool tank during the copy' /tmp/copy.json
# A zpool that fails, or hangs, only ends the pacing: the copy is still identical, says why,
# and does not wait for a sync that never ends.
printf '#!/bin/sh\necho "no such pool" >&2; exit 1\n' > /tmp/zpool-fails
printf '#!/bin/sh\nsleep 120\n' > /tmp/zpool-hangs
chmod +x /tmp/zpool-fails /tmp/zpool-hangs
for z in fails hangs; do
  dd if=/dev/urandom of="$ZD" bs=1M count=32 conv=fsync 2>/dev/null
  t0=$(cut -d. -f1 /proc/uptime)
  VOLCLONE_ZPOOL=/tmp/zpool-$z $VOLCLONE copy --json "$S" "$ZD" > /tmp/copy.json 2>&1
  eq "zpool that $z: the copy succeeds" "$?" 0
  took=$(( $(cut -d. -f1 /proc/uptime) - t0 ))
  eq "zpool that $z: identical" "$(digest "$ZD")" "$SRC"
  cp /tmp/copy.json /tmp/copy.json.$z
  check "zpool that $z: done in under 60 s (took $took s), not held up by the sync" test "$took" -lt 60
done
check "a failing zpool: the report says the pool syncs stopped, and why (its status and stderr)" grep -q 'pool syncs during the copy stopped after 1 started: `/tmp/zpool-fails sync tank` failed (exit status: 1): no such pool' /tmp/copy.json.fails
check "a hanging zpool: one sync started, none after it (one at a time)" grep -q 'started 1 sync(s) of pool tank' /tmp/copy.json.hangs
eq "the source is unchanged" "$(digest "$S")" "$SRC"

# dm-thin, pools with block zeroing (the default) and without (--zero n: a new pool block
# keeps whatever the disk held around the first write).
pvcreate -ff -y /dev/vdb > /dev/null && vgcreate vg /dev/vdb > /dev/null
for z in y n; do
  lvcreate -y --type thin-pool -L 200M --chunksize 64k --zero $z -n pool$z vg > /dev/null
  # Old data in the pool's blocks first, then freed: a --zero n pool hands them out again.
  lvcreate -y -V 64M -T vg/pool$z -n junk$z > /dev/null
  dd if=/dev/urandom of=/dev/vg/junk$z bs=1M count=64 conv=fsync 2>/dev/null
  lvremove -y vg/junk$z > /dev/null
  lvcreate -y -V 32M -T vg/pool$z -n fresh$z > /dev/null
  $VOLCLONE copy --json "$S" /dev/vg/fresh$z > /tmp/copy.json 2>&1
  eq "dm-thin zero=$z, fresh target: succeeds" "$?" 0
  eq "dm-thin zero=$z, fresh target: identical without --verify" "$(digest /dev/vg/fresh$z)" "$SRC"
  check "dm-thin zero=$z: discard of whole pool blocks" grep -q '"zero_method": "discard"' /tmp/copy.json
  check_fails "dm-thin zero=$z: no ZFS pool synced for a dm-thin target" grep -q 'of pool' /tmp/copy.json
  pct=$(lvs --noheadings -o data_percent vg/fresh$z | tr -d ' ' | cut -d. -f1)
  echo "dm-thin zero=$z: fresh target ${pct}% used"
  check "dm-thin zero=$z, fresh target: the zeros at the end stay unallocated (< 60%)" test "$pct" -lt 60
  lvcreate -y -V 32M -T vg/pool$z -n old$z > /dev/null
  dd if=/dev/urandom of=/dev/vg/old$z bs=1M count=32 conv=fsync 2>/dev/null
  $VOLCLONE copy --json "$S" /dev/vg/old$z > /tmp/copy.json 2>&1
  eq "dm-thin zero=$z, target full of old data: succeeds" "$?" 0
  eq "dm-thin zero=$z, target full of old data: identical without --verify" "$(digest /dev/vg/old$z)" "$SRC"
  pct=$(lvs --noheadings -o data_percent vg/old$z | tr -d ' ' | cut -d. -f1)
  echo "dm-thin zero=$z: formerly full target ${pct}% used"
  check "dm-thin zero=$z, target full of old data: freed back to thin (< 60%)" test "$pct" -lt 60
done

# A partition and its own disk: a zvol with volmode=full and an MBR with one partition.
zfs create -V 64M -o volmode=full tank/disk
D=$(dev tank/disk)
dd if=/dev/urandom of="$D" bs=1M count=64 conv=fsync 2>/dev/null
dd if=/dev/zero of="$D" bs=512 count=1 conv=notrunc 2>/dev/null
# entry 1 at 446: type 0x83, first sector 2048, 129024 sectors; signature 55 AA at 510
printf '\203' | dd of="$D" bs=1 seek=450 conv=notrunc 2>/dev/null
printf '\000\010\000\000\000\370\001\000' | dd of="$D" bs=1 seek=454 conv=notrunc 2>/dev/null
printf '\125\252' | dd of="$D" bs=1 seek=510 conv=notrunc 2>/dev/null
sync
blockdev --rereadpt "$D" 2>/dev/null
udevadm settle
P=$(dev tank/disk-part1)
DISK=$(digest "$D")
check "the zvol has its partition" test -b "$P"
check_fails "a partition onto its own disk is refused" $VOLCLONE copy --quiet "$P" "$D"
check_fails "a disk onto its own partition is refused" $VOLCLONE copy --quiet "$D" "$P"
$VOLCLONE copy --quiet "$P" "$D" > /tmp/out 2>&1
check "the refusal says they overlap" grep -q "overlap" /tmp/out
eq "nothing was written to the disk" "$(digest "$D")" "$DISK"
finish
