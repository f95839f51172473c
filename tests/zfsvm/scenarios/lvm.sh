#!/bin/sh
# LVM_THIN_CLONE for real (dm-thin in the guest kernel, lvm2 from the host): a pre-created thin
# LV is replaced by a thin snapshot of the source, only when it is unused and empty.
. /host/lib.sh
modprobe dm_mod && modprobe dm_thin_pool
pvcreate -ff -y /dev/vda > /dev/null && vgcreate vg /dev/vda > /dev/null
lvcreate -y --type thin-pool -L 256M -n thin vg > /dev/null
lvcreate -y -V 64M -T vg/thin -n src > /dev/null
dd if=/dev/urandom of=/dev/vg/src bs=1M count=8 seek=4 conv=fsync 2>/dev/null
SRC=$(digest /dev/vg/src)
req() { # SOURCE TARGET: an LVM_THIN request, both in pool "thin", the target pre-created
  cat <<J
{"version": 1,
 "source": {"provider": "LVM_THIN", "storage_pool": "thin", "volume": "vg/$1", "size_bytes": 67108864, "exists": true},
 "target": {"provider": "LVM_THIN", "storage_pool": "thin", "volume": "vg/$2", "size_bytes": 67108864, "exists": true}}
J
}
lvcreate -y -V 64M -T vg/thin -n tgt > /dev/null
req src tgt > /tmp/req.json
$VOLCLONE run --quiet /tmp/req.json > /tmp/out 2>&1
rc=$?
cat /tmp/out
eq "LVM_THIN_CLONE: succeeds" "$rc" 0
eq "LVM_THIN_CLONE: chosen" "$(sed -n 's/^  chosen: //p' /tmp/out)" LVM_THIN_CLONE
eq "target identical" "$(digest /dev/vg/tgt)" "$SRC"
eq "target is a thin snapshot of the source" "$(lvs --noheadings -o origin vg/tgt | tr -d ' ')" src
check_fails "no temporary LV left" lvs vg/tgt.volclone-tmp
eq "source unchanged" "$(digest /dev/vg/src)" "$SRC"

lvcreate -y -V 64M -T vg/thin -n used > /dev/null
dd if=/dev/urandom of=/dev/vg/used bs=1M count=2 conv=fsync 2>/dev/null
USED=$(digest /dev/vg/used)
req src used > /tmp/req.json
$VOLCLONE run --quiet /tmp/req.json > /tmp/out 2>&1
rc=$?
tail -2 /tmp/out
eq "target with data: refused" "$rc" 1
check "target with data: the error says why" grep -q "not empty" /tmp/out
eq "target with data: intact" "$(digest /dev/vg/used)" "$USED"
check_fails "target with data: the snapshot made for it was removed" lvs vg/used.volclone-tmp

# Block copy onto thin LVs: dm-thin has no write-zeroes; a discard unmaps whole pool blocks, so
# the whole pool blocks of each zero run are discarded and its edges written with zeros: the
# target stays thin, and a target holding old data is still copied exactly.
lvcreate -y -V 64M -T vg/thin -n zsrc > /dev/null
dd if=/dev/zero of=/dev/vg/zsrc bs=1M count=64 conv=fsync 2>/dev/null # zeros written: allocated
dd if=/dev/urandom of=/dev/vg/zsrc bs=1M count=8 seek=4 conv=notrunc,fsync 2>/dev/null
i=0
while [ $i -lt 16 ]; do # 4 KiB of data inside each of 16 pool blocks
  dd if=/dev/urandom of=/dev/vg/zsrc bs=4096 count=1 seek=$((10240 + i * 64 + 1)) conv=notrunc,fsync 2>/dev/null
  i=$((i + 1))
done
ZSRC=$(digest /dev/vg/zsrc)
used() { lvs --noheadings -o data_percent "vg/$1" | tr -d ' ' | cut -d. -f1; }
lvcreate -y -V 64M -T vg/thin -n ztgt > /dev/null
$VOLCLONE copy --json /dev/vg/zsrc /dev/vg/ztgt > /tmp/copy.json 2>&1
eq "copy onto a fresh thin LV: succeeds" "$?" 0
check "copy onto a fresh thin LV: whole pool blocks discarded" grep -q '"zero_method": "discard"' /tmp/copy.json
eq "copy onto a fresh thin LV: identical" "$(digest /dev/vg/ztgt)" "$ZSRC"
echo "thin usage: source $(used zsrc)%, target $(used ztgt)%"
check "copy onto a fresh thin LV: stays thin (at most 8 MiB + 16 pool blocks = 15%)" test "$(used ztgt)" -le 15
eq "source unchanged" "$(digest /dev/vg/zsrc)" "$ZSRC"
lvcreate -y -V 64M -T vg/thin -n zdirty > /dev/null
dd if=/dev/urandom of=/dev/vg/zdirty bs=1M count=64 conv=fsync 2>/dev/null
$VOLCLONE copy --json /dev/vg/zsrc /dev/vg/zdirty > /tmp/copy.json 2>&1
eq "copy onto a thin LV holding old data: succeeds" "$?" 0
eq "copy onto a thin LV holding old data: identical" "$(digest /dev/vg/zdirty)" "$ZSRC"
check "copy onto a thin LV holding old data: freed back to thin" test "$(used zdirty)" -le 15

# Crash safety of LVM_THIN_CLONE: killed (SIGKILL) right after each of its changing lvm commands
# (the snapshot, the removal of the pre-created LV, the rename), then run again.
mkdir -p /tmp/killbin
for c in lvcreate lvremove lvrename; do
  real=$(command -v $c)
  cat > /tmp/killbin/$c <<K
#!/bin/sh
n=\$(( \$(cat /tmp/kill.count 2>/dev/null || echo 0) + 1 ))
echo \$n > /tmp/kill.count
$real "\$@"
rc=\$?
[ "\$n" = "\$KILL_AT" ] && kill -9 \$PPID
exit \$rc
K
  chmod +x /tmp/killbin/$c
done
for k in 1 2 3; do
  lvcreate -y -V 64M -T vg/thin -n k$k > /dev/null
  req src k$k > /tmp/req.json
  rm -f /tmp/kill.count
  KILL_AT=$k PATH=/tmp/killbin:$PATH $VOLCLONE run --quiet /tmp/req.json > /tmp/out 2>&1
  eq "LVM kill $k: the first run was killed" "$?" 137
  $VOLCLONE run --quiet /tmp/req.json > /tmp/out 2>&1
  rc=$?
  eq "LVM kill $k: the rerun succeeds" "$rc" 0
  [ $rc = 0 ] || tail -3 /tmp/out
  eq "LVM kill $k: identical" "$(digest /dev/vg/k$k)" "$SRC"
  eq "LVM kill $k: a thin snapshot of the source" "$(lvs --noheadings -o origin vg/k$k | tr -d ' ')" src
  check_fails "LVM kill $k: no temporary LV left" lvs vg/k$k.volclone-tmp
done

# A block copy killed half-way finishes from its checkpoint: only the rest is copied again.
lvcreate -y -V 64M -T vg/thin -n bsrc > /dev/null
dd if=/dev/urandom of=/dev/vg/bsrc bs=1M count=48 conv=fsync 2>/dev/null
BSRC=$(digest /dev/vg/bsrc)
lvcreate -y -V 64M -T vg/thin -n btgt > /dev/null
$VOLCLONE copy --quiet --workers 1 --rate 3M /dev/vg/bsrc /dev/vg/btgt > /tmp/out 2>&1 &
pid=$!
sleep 13   # past the first checkpoint (every 10 s), before the end (64 MiB at 3 MiB/s)
kill -9 $pid
wait $pid
check "block copy killed: its checkpoint says the target is incomplete" sh -c 'ls /var/lib/volclone/checkpoints/ | grep -q btgt'
$VOLCLONE copy --json /dev/vg/bsrc /dev/vg/btgt > /tmp/copy.json 2>&1
eq "block copy rerun: succeeds" "$?" 0
resumed=$(sed -n 's/.*"bytes_resumed": \([0-9]*\).*/\1/p' /tmp/copy.json)
echo "block copy rerun: $resumed bytes were durable already"
check "block copy rerun: resumed from the checkpoint" test "${resumed:-0}" -gt 8388608
eq "block copy rerun: identical" "$(digest /dev/vg/btgt)" "$BSRC"
check_fails "block copy rerun: the checkpoint is gone" sh -c 'ls /var/lib/volclone/checkpoints/ | grep -q btgt'
lvs
finish
