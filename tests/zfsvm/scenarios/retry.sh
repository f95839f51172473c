#!/bin/sh
# A block copy interrupted, its target destroyed and made again under the same name (what
# LINSTOR's cleanup and retry do), the same command again: it must start over and end
# byte-identical, never resume onto the new object. Onto the very same object it resumes.
# zvols (identity: guid) and dm-thin LVs (identity: dm UUID), SIGINT and SIGKILL, through
# `volclone copy` and through the executor (`volclone clone`, BLOCK_COPY from a CF_ snapshot).
. /host/lib.sh
zpool create -f tank /dev/vda
zfs create -s -V 48M -o volmode=dev -o compression=off tank/src
S=$(dev tank/src)
dd if=/dev/urandom of="$S" bs=1M count=40 conv=fsync 2>/dev/null
SUM=$(digest "$S")

# interrupted SIGNAL AFTER_S CMD...: runs CMD in the background and sends SIGNAL after AFTER_S s.
interrupted() {
  sig=$1; after=$2; shift 2
  "$@" > /tmp/int.out 2>&1 &
  pid=$!
  sleep "$after"
  kill -"$sig" $pid 2>/dev/null
  wait $pid
  echo "interrupted ($sig after ${after}s): rc $?, $(tail -1 /tmp/int.out)"
}
remake_zvol() { # udev may hold a zvol a moment after a copy closed it
  udevadm settle; i=0
  until zfs destroy "$1" 2>/dev/null; do i=$((i + 1)); [ $i -gt 50 ] && { echo "cannot destroy $1"; return 1; }; sleep 0.2; done
  zfs create -s -V 48M -o volmode=dev "$1" && udevadm settle
}

for sig in INT KILL; do
  # SIGKILL after the first checkpoint (every 10 s of copying) was made durable; the copy runs 24 s.
  rate=2M; after=3; [ $sig = KILL ] && after=16
  zfs create -s -V 48M -o volmode=dev tank/t
  T=$(dev tank/t)
  # The very same zvol: resumed.
  interrupted $sig $after $VOLCLONE copy --quiet --rate $rate "$S" "$T"
  $VOLCLONE copy --json "$S" "$T" > /tmp/out 2>&1
  eq "zvol, SIG$sig, same zvol: rerun succeeds" "$?" 0
  check "zvol, SIG$sig, same zvol: resumed" sh -c "grep -q '\"bytes_resumed\": [1-9]' /tmp/out"
  eq "zvol, SIG$sig, same zvol: identical" "$(digest "$T")" "$SUM"
  # Destroyed and made again under its name: started over.
  interrupted $sig $after $VOLCLONE copy --quiet --rate $rate "$S" "$T"
  guid1=$(prop guid tank/t)
  remake_zvol tank/t
  check "zvol, SIG$sig: the new zvol is another object (guid $guid1 -> $(prop guid tank/t))" test "$guid1" != "$(prop guid tank/t)"
  $VOLCLONE copy --json "$S" "$(dev tank/t)" > /tmp/out 2>&1
  eq "zvol, SIG$sig, re-created: rerun succeeds" "$?" 0
  check "zvol, SIG$sig, re-created: nothing resumed" grep -q '"bytes_resumed": 0' /tmp/out
  check "zvol, SIG$sig, re-created: the old checkpoint set aside, and why" grep -q 'set aside.*not the object' /tmp/out
  eq "zvol, SIG$sig, re-created: identical" "$(digest "$(dev tank/t)")" "$SUM"
  remake_zvol tank/t && zfs destroy tank/t
done

# Through the executor: BLOCK_COPY from the CF_ snapshot onto a pre-created zvol, cancelled,
# the target destroyed and made again by "LINSTOR", run again.
zfs create -s -V 48M -o volmode=dev tank/c
interrupted INT 3 $VOLCLONE clone --quiet --rate 3M --forbid ZFS_COPY --forbid ZFS_RAW_COPY tank/src tank/c
remake_zvol tank/c
$VOLCLONE clone --forbid ZFS_COPY --forbid ZFS_RAW_COPY tank/src tank/c > /tmp/out 2>&1
eq "clone (BLOCK_COPY), re-created target: rerun succeeds" "$?" 0
check "clone (BLOCK_COPY), re-created target: says it started over" grep -q 'not resumed: .*set aside' /tmp/out
eq "clone (BLOCK_COPY), re-created target: identical" "$(digest "$(dev tank/c)")" "$SUM"
eq "clone: the clone snapshot is gone" "$(snapshots)" ""

# dm-thin LVs: identity is the dm UUID (VG and LV UUIDs), new for an LV made again.
modprobe dm_mod && modprobe dm_thin_pool
pvcreate -ff -y /dev/vdb > /dev/null && vgcreate vg /dev/vdb > /dev/null
lvcreate -y --type thin-pool -L 256M -n thin vg > /dev/null
lvcreate -y -V 48M -T vg/thin -n t > /dev/null
interrupted INT 3 $VOLCLONE copy --quiet --rate 3M "$S" /dev/vg/t
$VOLCLONE copy --json "$S" /dev/vg/t > /tmp/out 2>&1
check "LV, same LV: resumed" sh -c "grep -q '\"bytes_resumed\": [1-9]' /tmp/out"
eq "LV, same LV: identical" "$(digest /dev/vg/t)" "$SUM"
interrupted INT 3 $VOLCLONE copy --quiet --rate 3M "$S" /dev/vg/t
lvremove -y vg/t > /dev/null && lvcreate -y -V 48M -T vg/thin -n t > /dev/null && udevadm settle
$VOLCLONE copy --json "$S" /dev/vg/t > /tmp/out 2>&1
eq "LV, re-created: rerun succeeds" "$?" 0
check "LV, re-created: nothing resumed" grep -q '"bytes_resumed": 0' /tmp/out
check "LV, re-created: set aside, and why" grep -q 'set aside.*not the object' /tmp/out
eq "LV, re-created: identical" "$(digest /dev/vg/t)" "$SUM"
eq "no checkpoint left" "$($VOLCLONE checkpoints | grep -c json)" 0
finish
