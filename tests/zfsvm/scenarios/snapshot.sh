#!/bin/sh
# Cloning from LINSTOR's own snapshot: a two-volume resource whose CF_ snapshots were taken at one
# moment (as the satellite does with IO suspended), cloned while both sources keep being written.
# Every target must equal its snapshot, the snapshots must stay as they were, and snapdev must be
# back to what it was.
. /host/lib.sh
zpool create -f tmp-pool /dev/vda
dd if=/dev/urandom of=/root/incus.key bs=32 count=1 2>/dev/null
zfs create -o encryption=aes-256-gcm -o keyformat=raw -o keylocation=file:///root/incus.key tmp-pool/incus
P=tmp-pool/incus
for n in 0 1 2; do
  zfs create -s -V 64M -o volmode=dev $P/src_0000$n
  dd if=/dev/urandom of="$(dev $P/src_0000$n)" bs=1M count=24 seek=$((n * 8)) conv=fsync 2>/dev/null
done
# The satellite's snapshots, one moment for the whole resource, with LINSTOR's properties.
for n in 0 1 2; do
  zfs snapshot -o linstor:clone_for=tgt -o linstor:marked_for_deletion=true $P/src_0000$n@CF_5eed0001
done
# Their contents, read through snapdev=visible once (then hidden again: the default).
zfs set snapdev=visible $P
for n in 0 1 2; do eval "SNAP$n=\$(digest \"\$(dev $P/src_0000$n@CF_5eed0001)\")"; done
zfs inherit snapdev $P
udevadm settle
# Writers on every source for as long as the clones run.
writer() {
  i=0
  while [ ! -f /tmp/stop ]; do
    for n in 0 1 2; do dd if=/dev/urandom of="/dev/zvol/$P/src_0000$n" bs=64k count=16 seek=$((i % 64 * 16)) conv=notrunc,fsync 2>/dev/null; done
    i=$((i + 1))
  done
}
writer &
WRITER=$!
for n in 0 1; do zfs create -s -V 64M -o volmode=dev $P/tgt_0000$n; done

$VOLCLONE clone --quiet $P/src_00000@CF_5eed0001 $P/tgt_00000 > /tmp/out0 2>&1
rc0=$?
$VOLCLONE clone --quiet --forbid ZFS_COPY --forbid ZFS_RAW_COPY $P/src_00001@CF_5eed0001 $P/tgt_00001 > /tmp/out1 2>&1
rc1=$?
$VOLCLONE clone --quiet --use-zfs-clone $P/src_00002@CF_5eed0001 $P/tgt_00002 > /tmp/out2 2>&1
rc2=$?
touch /tmp/stop
wait $WRITER
cat /tmp/out0 /tmp/out1 /tmp/out2
eq "volume 0: ZFS_COPY from the CF_ snapshot succeeds" "$rc0" 0
eq "volume 0: chose ZFS_COPY" "$(sed -n 's/^  chosen: //p' /tmp/out0)" ZFS_COPY
check_fails "volume 0: no snapshot of its own was taken" grep -q "zfs snapshot" /tmp/out0
eq "volume 1: BLOCK_COPY from the CF_ snapshot's device succeeds" "$rc1" 0
eq "volume 1: chose BLOCK_COPY" "$(sed -n 's/^  chosen: //p' /tmp/out1)" BLOCK_COPY
check "volume 1: read the snapshot's device" grep -q "src_00001@CF_5eed0001 /dev/zvol" /tmp/out1
eq "volume 2: ZFS_CLONE of the CF_ snapshot succeeds" "$rc2" 0
eq "volume 2: its origin is the CF_ snapshot" "$(prop origin $P/tgt_00002)" "$P/src_00002@CF_5eed0001"
for n in 0 1 2; do
  eval "want=\$SNAP$n"
  eq "volume $n: the target equals the snapshot" "$(digest "$(dev $P/tgt_0000$n)")" "$want"
  check_fails "volume $n: the live source has moved on since" test "$(digest "$(dev $P/src_0000$n)")" = "$want"
  eq "volume $n: the CF_ snapshot is still there" "$(zfs list -H -o name $P/src_0000$n@CF_5eed0001)" "$P/src_0000$n@CF_5eed0001"
  eq "volume $n: with LINSTOR's properties" "$(prop linstor:clone_for $P/src_0000$n@CF_5eed0001)" tgt
  eq "volume $n: snapdev back to its default" "$(zfs get -H -o source snapdev $P/src_0000$n)" default
done
eq "snapdev of the parent as before" "$(zfs get -H -o source snapdev $P)" default
eq "targets 0 and 1 encrypted under the pool's root" "$(prop encryptionroot $P/tgt_00000) $(prop encryptionroot $P/tgt_00001)" "$P $P"
eq "only LINSTOR's snapshots are left" "$(snapshots)" "$P/src_00000@CF_5eed0001 $P/src_00001@CF_5eed0001 $P/src_00002@CF_5eed0001 "
check_fails "no temporary dataset left" sh -c "zfs list -H -o name | grep volclone-tmp"
finish
