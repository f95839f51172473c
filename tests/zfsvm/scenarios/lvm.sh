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
check_fails "no temporary LV left" lvs vg/tgt-volclone-tmp
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
check_fails "target with data: the snapshot made for it was removed" lvs vg/used-volclone-tmp
lvs
finish
