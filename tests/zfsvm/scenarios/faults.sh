#!/bin/sh
# The fault matrix: faults injected under block copies (dm-error, dm-flakey, dm-delay tables,
# qemu blkdebug on a source disk and a target disk, a read-only target, full thin pools, a
# device removed, a source that grows), under ZFS clones (a pool filling up, the target's key
# unloaded, the pool exported or suspended, a corrupted stream,
# a `zfs` that fails its Nth call with an error volclone never saw, for every N) and under the
# process (SIGKILL of the JVM holding an execute, mid-copy and mid-stream). Every row checks: the
# error names the operation, the object and (for I/O) the byte offset; the source is unchanged;
# nothing of volclone's is left but a checkpoint a rerun uses; with the fault removed, a rerun
# gives a target identical to the source. Prints one "ROW | fault | what the user sees | rerun"
# line per row for the README's table.
. /host/lib.sh
modprobe dm_mod; modprobe dm_flakey; modprobe dm_delay; modprobe dm_thin_pool
# The guest's udev has no device-mapper rules: dmsetup makes its own /dev/mapper nodes and does
# not wait for udev (it would wait forever). (LVM, set up for this guest in lvm.conf, keeps its way.)
dmsetup() { DM_DISABLE_UDEV=1 /usr/sbin/dmsetup "$@"; }
MIB=1048576
# row NAME SEEN RERUN: the matrix line (what the user saw, how the rerun ended).
row() { echo "ROW | $1 | $2 | $3"; }
# short() keeps a row readable: a command line in backquotes becomes `...` (the log has it whole).
short() { sed -e 's/`[^`]*`/`...`/g' | cut -c1-160; }
err1() { grep -E 'volclone: ' /tmp/out | tail -1 | sed 's/^volclone: //' | short; }
# copy_fails NAME REGEX CMD...: CMD fails, its error matches REGEX (operation, object, offset).
copy_fails() {
  n=$1; re=$2; shift 2
  "$@" > /tmp/out 2>&1; rc=$?
  check "$n: fails (rc $rc)" test "$rc" != 0
  check "$n: the error names operation, object and offset" grep -qE "$re" /tmp/out
  [ $rc != 0 ] && grep -E 'volclone: ' /tmp/out | tail -1
}
# rerun_ok NAME SRC TGT [ARGS]: with the fault gone, the same copy again: identical, no checkpoint left.
rerun_ok() {
  n=$1; s=$2; t=$3; shift 3
  $VOLCLONE copy --json "$@" "$s" "$t" > /tmp/rerun 2>&1
  rc=$?
  check "$n: the rerun succeeds" test $rc = 0
  [ $rc = 0 ] || grep -v '^{' /tmp/rerun | tail -5
  r=$(sed -n 's/.*"bytes_resumed": \([0-9]*\).*/\1/p' /tmp/rerun | head -1)
  got=$(head -c "$(blockdev --getsize64 "$s")" "$t" | md5sum | cut -d' ' -f1)
  eq "$n: the rerun's target is identical" "$got" "$(digest "$s")"
  eq "$n: no checkpoint left" "$($VOLCLONE checkpoints | grep -c '\.json')" 0
  if [ $rc = 0 ] && [ "$got" = "$(digest "$s")" ]; then RERUN="identical (${r:-0} bytes resumed)"; else RERUN="FAILED (rc $rc)"; fi
}

# ---- block devices on /dev/vdb through device-mapper ----------------------------------------
D=/dev/vdb
# Source: 32 MiB of data at sectors 0..65535 of vdb; target area at 131072.. of vdb.
dd if=/dev/urandom of=$D bs=1M count=32 conv=fsync 2>/dev/null
SECTS=65536
mk() { # NAME TABLE: (re)create a dm device with a UUID (its identity) and that table
  if dmsetup info "$1" >/dev/null 2>&1; then
    dmsetup suspend "$1" && echo "$2" | dmsetup reload "$1" && dmsetup resume "$1"
  else
    echo "$2" | dmsetup create "$1" --uuid "VOLCLONE-TEST-$1"
  fi
  udevadm settle
}
lin() { echo "0 $2 linear $D $1"; }   # START LEN
mk src "$(lin 0 $SECTS)"
mk tgt "$(lin 131072 $SECTS)"
S=/dev/mapper/src; T=/dev/mapper/tgt
SUM=$(digest $S)
# Source errors: at 4 KiB (first chunk), 16 MiB (middle), in the last partial chunk of a 32 MiB + 12 KiB source.
for case in "first chunk:8" "middle:32768"; do
  name=${case%%:*}; at=${case#*:}
  mk src "0 $at linear $D 0
$at 8 error
$((at + 8)) $((SECTS - at - 8)) linear $D $((at + 8))"
  copy_fails "EIO reading the source ($name)" "read /dev/mapper/src at byte offset $((at * 512))" $VOLCLONE copy --quiet $S $T
  SEEN=$(err1)
  mk src "$(lin 0 $SECTS)"
  eq "EIO reading the source ($name): the source is unchanged" "$(digest $S)" "$SUM"
  rerun_ok "EIO reading the source ($name)" $S $T
  row "EIO reading the source, $name (dm-error at byte $((at * 512)))" "$SEEN" "$RERUN"
done
# A source of 32 MiB + 12 KiB: its last chunk is partial, the error in its last 4 KiB.
ODD=$((SECTS + 24))
mk src "0 $((ODD - 8)) linear $D 0
$((ODD - 8)) 8 error"
mk tgt "$(lin 131072 $ODD)"
copy_fails "EIO reading the source (last partial chunk)" "read /dev/mapper/src at byte offset $(((ODD - 8) * 512))" $VOLCLONE copy --quiet $S $T
SEEN=$(err1)
mk src "$(lin 0 $ODD)"
ODDSUM=$(digest $S)
rerun_ok "EIO reading the source (last partial chunk)" $S $T
row "EIO reading the source, last partial chunk (byte $(((ODD - 8) * 512)) of a 32 MiB + 12 KiB device)" "$SEEN" "$RERUN"
eq "short tail: a device not a multiple of 4 KiB is copied whole" "$(head -c $((ODD * 512)) $T | md5sum | cut -d' ' -f1)" "$ODDSUM"
row "short read at the end of a device (32 MiB + 12 KiB)" "nothing: the unaligned tail is read and written through a buffered descriptor" "identical"
mk src "$(lin 0 $SECTS)"; mk tgt "$(lin 131072 $SECTS)"

# Target write error at 8 MiB.
mk tgt "0 16384 linear $D 131072
16384 8 error
16392 $((SECTS - 16392)) linear $D $((131072 + 16392))"
copy_fails "EIO writing the target" "write target /dev/mapper/tgt at byte offset 8388608" $VOLCLONE copy --quiet $S $T
SEEN=$(err1)
eq "EIO writing the target: the source is unchanged" "$(digest $S)" "$SUM"
mk tgt "$(lin 131072 $SECTS)"
rerun_ok "EIO writing the target" $S $T
row "EIO writing the target (dm-error at byte 8388608)" "$SEEN" "$RERUN"

# The target stops taking writes mid-copy (read-only underneath: dm-flakey error_writes; the
# kernel lets writes through a `blockdev --setro` of a device already open, so that is no fault).
dd if=/dev/zero of=$T bs=1M count=32 conv=fsync 2>/dev/null
$VOLCLONE copy --quiet --rate 4M $S $T > /tmp/out 2>&1 &
pid=$!; sleep 4; mk tgt "0 $SECTS flakey $D 131072 0 1 1 error_writes"; wait $pid; rc=$?
check "read-only target: fails (rc $rc)" test $rc != 0
check "read-only target: the error names the write and offset" grep -qE "(write target|fdatasync) /dev/mapper/tgt" /tmp/out
SEEN=$(err1)
mk tgt "$(lin 131072 $SECTS)"
rerun_ok "read-only target" $S $T
row "the target turns read-only mid-copy (dm-flakey error_writes)" "$SEEN" "$RERUN"

# The source grows mid-copy.
$VOLCLONE copy --quiet --rate 4M $S $T > /tmp/out 2>&1 &
pid=$!; sleep 4; mk src "$(lin 0 $((SECTS + 2048)))"; wait $pid; rc=$?
check "source grows: fails (rc $rc)" test $rc != 0
check "source grows: the error says the source changed size" grep -q "changed size during the copy" /tmp/out
SEEN=$(err1)
mk src "$(lin 0 $SECTS)"
rerun_ok "source grows" $S $T
row "the source grows mid-copy (dm table reloaded)" "$SEEN" "$RERUN"

# The source device is removed mid-copy (dmsetup remove --force: its table becomes an error target).
$VOLCLONE copy --quiet --rate 4M $S $T > /tmp/out 2>&1 &
pid=$!; sleep 4; dmsetup remove --force src; wait $pid; rc=$?
check "source removed: fails (rc $rc)" test $rc != 0
check "source removed: the error names the read and offset" grep -qE "read /dev/mapper/src at byte offset [0-9]+" /tmp/out
SEEN=$(err1)
dmsetup remove src 2>/dev/null; mk src "$(lin 0 $SECTS)"
rerun_ok "source removed" $S $T
row "the source device removed mid-copy (dmsetup remove --force)" "$SEEN" "$RERUN"

# The target drops writes silently (dm-flakey drop_writes): only --verify can tell.
# (Zeros first, through the target itself and flushed: written through /dev/vdb, dirty pages of
# vdb's own cache would reach the disk later, under the dm device's writes.)
dd if=/dev/zero of=$T bs=1M count=32 conv=fsync 2>/dev/null
mk tgt "0 $SECTS flakey $D 131072 0 5 1 drop_writes"
copy_fails "target drops writes" "verify failed: target differs from source in the [0-9]+ bytes at offset [0-9]+" $VOLCLONE copy --quiet --verify $S $T
SEEN=$(err1)
mk tgt "$(lin 131072 $SECTS)"
rerun_ok "target drops writes" $S $T --verify
row "the target drops writes silently (dm-flakey drop_writes), --verify" "$SEEN" "$RERUN"

# A slow target (dm-delay, 200 ms a write) and a cancel: stops within seconds, resumable.
mk tgt "0 $SECTS delay $D 131072 0 $D 131072 200"
$VOLCLONE copy --progress json $S $T > /tmp/out 2>&1 &
pid=$!
i=0; while [ $i -lt 600 ] && ! grep -q '"bytes_done":[0-9]\{7,\}' /tmp/out; do sleep 0.05; i=$((i + 1)); done
t0=$(date +%s); kill -INT $pid; wait $pid; rc=$?; t1=$(date +%s)
check "slow target, SIGINT: ends with an error (rc $rc)" test $rc != 0
check "slow target, SIGINT: within 10 s" test $((t1 - t0)) -le 10
SEEN=$(err1)
mk tgt "$(lin 131072 $SECTS)"
rerun_ok "slow target, cancelled" $S $T
row "a slow target (dm-delay 200 ms) cancelled with SIGINT" "$SEEN (after $((t1 - t0)) s)" "$RERUN"

# ---- thin pools out of space ------------------------------------------------------------------
pvcreate -ff -y /dev/vdc > /dev/null && vgcreate vg /dev/vdc > /dev/null
lvcreate -y --type thin-pool -L 16M -n pool vg > /dev/null
# (lvcreate takes --errorwhenfull for no thin pool: lvchange sets it)
lvchange --errorwhenfull y vg/pool > /dev/null
lvcreate -y -V 48M -T vg/pool -n t > /dev/null
TL=/dev/vg/t
copy_fails "dm-thin pool out of space" "(write target|zero) $TL at byte offset [0-9]+: No space left" $VOLCLONE copy --quiet $S $TL
SEEN=$(err1)
lvm lvextend -y -L 96M vg/pool
lvs -a -o name,attr,size,data_percent vg
rerun_ok "dm-thin pool out of space" $S $TL
row "ENOSPC: dm-thin pool full (--errorwhenfull y)" "$SEEN" "$RERUN"

# A zvol on a full pool: all but 16 MiB of a 512 MiB pool reserved by a filesystem.
truncate -s 512M /root/small.img
zpool create -f -O compression=off small /root/small.img
zfs create -s -V 40M -o volmode=dev small/t
zfs create -o refreservation=$(( $(zfs get -Hp -o value available small) - 16 * MIB )) small/hog
copy_fails "zvol on a full pool" "(write target|zero) /dev/zvol/small/t at byte offset [0-9]+" $VOLCLONE copy --quiet $S "$(dev small/t)"
SEEN=$(err1)
zfs destroy small/hog
rerun_ok "zvol on a full pool" $S "$(dev small/t)"
row "ENOSPC: a zvol on a full pool" "$SEEN" "$RERUN"

# ---- qemu blkdebug: EIO from the disks themselves ----------------------------------------------
# /dev/vde fails reads at sector 40960 (20 MiB); /dev/vdf fails writes at sector 20480 (10 MiB).
R=/dev/disk/by-id/virtio-faultyread; W=/dev/disk/by-id/virtio-faultywrite
truncate -s 64M /tmp/t64.img
copy_fails "blkdebug: EIO reading the source disk" "read /dev/disk/by-id/virtio-faultyread at byte offset 20971520" $VOLCLONE copy --quiet --io direct $R /tmp/t64.img
row "EIO from the source disk itself (qemu blkdebug, read at byte 20971520)" "$(err1)" "the disk stays bad: a copy of what it can read is refused, nothing written past the error"
head -c $((32 * MIB)) /dev/urandom > /tmp/small.img
copy_fails "blkdebug: EIO writing the target disk" "write target /dev/disk/by-id/virtio-faultywrite at byte offset 10485760" $VOLCLONE copy --quiet --io direct /tmp/small.img $W
row "EIO from the target disk itself (qemu blkdebug, write at byte 10485760)" "$(err1)" "the disk stays bad: the error, at its offset"

# ---- ZFS clones ---------------------------------------------------------------------------------
zpool create -f tmp-pool /dev/vda
dd if=/dev/urandom of=/root/k bs=32 count=1 2>/dev/null
zfs create -o encryption=aes-256-gcm -o keyformat=raw -o keylocation=file:///root/k tmp-pool/enc
P=tmp-pool/enc
zfs create -s -V 48M -o volmode=dev $P/src
dd if=/dev/urandom of="$(dev $P/src)" bs=1M count=32 conv=fsync 2>/dev/null
ZSUM=$(digest "$(dev $P/src)")
stray() { zfs list -H -t all -o name | grep -E "volclone|@" | tr '\n' ' '; }
clean_clone() { # NAME: the clone onto the pre-created $P/t is complete and nothing is left
  eq "$1: identical" "$(digest "$(dev $P/t)")" "$ZSUM"
  eq "$1: nothing stray" "$(stray)" ""
}

# A zfs that fails its Nth call, for every N a clone makes (a small source: 16 clones).
REAL_ZFS=$(command -v zfs); export REAL_ZFS
cp /host/zfs-failer.sh /tmp/zfs-failer && chmod +x /tmp/zfs-failer
zfs create -s -V 16M -o volmode=dev $P/small
dd if=/dev/urandom of="$(dev $P/small)" bs=1M count=4 conv=fsync 2>/dev/null
SMALL=$(digest "$(dev $P/small)")
zfs create -s -V 16M -o volmode=dev $P/ts
rm -f /tmp/zfs-failer.count /tmp/zfs-failer.log
FAIL_AT=0 VOLCLONE_ZFS=/tmp/zfs-failer $VOLCLONE clone --quiet $P/small $P/ts > /dev/null 2>&1
CALLS=$(cat /tmp/zfs-failer.count)
echo "a clone makes $CALLS zfs calls"
eq "counting run: identical" "$(digest "$(dev $P/ts)")" "$SMALL"
zfs destroy $P/ts
N=1
while [ $N -le "$CALLS" ]; do
  zfs create -s -V 16M -o volmode=dev $P/ts
  rm -f /tmp/zfs-failer.count /tmp/zfs-failer.log
  FAIL_AT=$N VOLCLONE_ZFS=/tmp/zfs-failer $VOLCLONE clone --quiet $P/small $P/ts > /tmp/out 2>&1; rc=$?
  what=$(sed -n "${N}p" /tmp/zfs-failer.log | cut -d' ' -f2-3)
  if [ $rc != 0 ]; then
    check "zfs fails call $N ($what): the error carries zfs's text" grep -q "injected fault number $N" /tmp/out
    cp /tmp/out /tmp/out.nth
  fi
  $VOLCLONE clone --quiet $P/small $P/ts > /tmp/rerun 2>&1
  check "zfs fails call $N ($what): the rerun succeeds" test $? = 0
  eq "zfs fails call $N: identical" "$(digest "$(dev $P/ts)")" "$SMALL"
  eq "zfs fails call $N: nothing stray" "$(stray)" ""
  zfs destroy $P/ts
  N=$((N + 1))
done
cp /tmp/out.nth /tmp/out 2>/dev/null
row "zfs fails its Nth call with an unknown error, every N of a clone (1..$CALLS)" "the command, its status and zfs's text (e.g. $(grep -o 'internal error[^;]*' /tmp/out | head -1))" "identical, nothing stray"

# A pool that fills up mid-stream.
zfs create -s -V 48M -o volmode=dev $P/t
# All but 16 MiB of the pool reserved by a filesystem: the 32 MiB stream runs out mid-way.
zfs create -o refreservation=$(( $(zfs get -Hp -o value available tmp-pool) - 16 * MIB )) tmp-pool/hog
copy_fails "pool fills up mid-stream" "out of space|space" $VOLCLONE clone --quiet $P/src $P/t
SEEN=$(err1)
eq "pool full: the pre-created target is kept, empty" "$(zfs get -Hp -o value logicalreferenced $P/t | awk '{print ($1 < 1048576) ? "empty" : "data"}')" empty
eq "pool full: nothing stray" "$(stray)" ""
zfs destroy tmp-pool/hog
$VOLCLONE clone --quiet $P/src $P/t > /tmp/rerun 2>&1
check "pool full: the rerun succeeds" test $? = 0
clean_clone "pool full"
row "the receiving pool fills up mid-stream" "$SEEN" "identical, nothing stray"
zfs destroy $P/t

# The target's key unloaded mid-stream (the target under its own encryption root).
dd if=/dev/urandom of=/root/k2 bs=32 count=1 2>/dev/null
zfs create -o encryption=aes-256-gcm -o keyformat=raw -o keylocation=file:///root/k2 tmp-pool/enc2
zfs create -s -V 48M -o volmode=dev tmp-pool/enc2/t
$VOLCLONE clone --quiet --rate 4M $P/src tmp-pool/enc2/t > /tmp/out 2>&1 &
cpid=$!; sleep 3
zfs unload-key tmp-pool/enc2 > /tmp/unload 2>&1; urc=$?
echo "unload-key mid-stream: rc $urc: $(cat /tmp/unload)"
wait $cpid; rc=$?
[ $urc = 0 ] && zfs load-key tmp-pool/enc2
if [ $rc = 0 ]; then
  SEEN="nothing: zfs refuses the unload ($(head -1 /tmp/unload | cut -c1-60)), the clone completes"
else
  check "key unloaded mid-stream: the error names the command and zfs's text" grep -qE "command .zfs .* failed" /tmp/out
  SEEN=$(err1)
  eq "key unloaded mid-stream: the pre-created target is kept" "$(zfs list -H -o name tmp-pool/enc2/t)" tmp-pool/enc2/t
  $VOLCLONE clone --quiet $P/src tmp-pool/enc2/t > /tmp/rerun 2>&1
  check "key unloaded mid-stream: the rerun succeeds" test $? = 0
fi
eq "key unloaded mid-stream: identical" "$(digest "$(dev tmp-pool/enc2/t)")" "$ZSUM"
eq "key unloaded mid-stream: encrypted under its own root" "$(prop encryptionroot tmp-pool/enc2/t)" tmp-pool/enc2
eq "key unloaded mid-stream: nothing stray" "$(stray)" ""
row "the target's key unloaded mid-stream (\`zfs unload-key\` of its encryption root)" "$SEEN" "identical, nothing stray"
zfs destroy -r tmp-pool/enc2

# A pool of its own on a dm device (/dev/vdb from 256 MiB), for an export and a suspension mid-stream.
mk zdisk "0 524288 linear $D 524288"
zpool create -f -o failmode=wait -O compression=off sus /dev/mapper/zdisk
zfs create -o encryption=aes-256-gcm -o keyformat=raw -o keylocation=file:///root/k sus/enc
health() { timeout 20 zpool list -H -o health sus 2>&1; }
# (a finished clone, its fault gone: identical, encrypted under sus/enc, nothing stray)
sus_ok() {
  eq "$1: identical" "$(digest "$(dev sus/enc/t)")" "$ZSUM"
  eq "$1: encrypted under the target pool's root" "$(prop encryptionroot sus/enc/t)" sus/enc
  eq "$1: nothing stray" "$(stray)" ""
}
# sus_rerun NAME: the clone again after its fault is gone.
sus_rerun() {
  $VOLCLONE clone --quiet $P/src sus/enc/t > /tmp/rerun 2>&1
  check "$1: the rerun succeeds" test $? = 0
}

# The receiving pool exported mid-stream.
zfs create -s -V 48M -o volmode=dev sus/enc/t
$VOLCLONE clone --quiet --rate 4M $P/src sus/enc/t > /tmp/out 2>&1 &
cpid=$!; sleep 3
timeout 60 zpool export sus > /tmp/export 2>&1; erc=$?
wait $cpid; rc=$?
echo "zpool export mid-stream: rc $erc: $(cat /tmp/export); the clone: rc $rc"
if [ $erc = 0 ]; then
  check "pool exported mid-stream: the clone fails" test $rc != 0
  SEEN=$(err1)
  zpool import -d /dev/mapper sus && zfs load-key sus/enc
  sus_rerun "pool exported mid-stream"
else
  check "pool exported mid-stream: refused by zfs, the clone completes" test $rc = 0
  SEEN="nothing: zfs refuses the export ($(head -1 /tmp/export | cut -c1-60)), the clone completes"
fi
sus_ok "pool exported mid-stream"
row "the receiving pool exported mid-stream (\`zpool export\`)" "$SEEN" "identical, nothing stray"
zfs destroy sus/enc/t

# The receiving pool suspended mid-stream (its only disk turns to dm-error; failmode=wait), then
# brought back (the disk restored, \`zpool clear\`).
zfs create -s -V 48M -o volmode=dev sus/enc/t
$VOLCLONE clone --quiet --rate 4M $P/src sus/enc/t > /tmp/out 2>&1 &
cpid=$!; sleep 3
mk zdisk "0 524288 error"
i=0; while [ $i -lt 30 ] && [ "$(health)" != SUSPENDED ]; do sleep 1; i=$((i + 1)); done
eq "pool suspended mid-stream: the pool is suspended" "$(health)" SUSPENDED
check "pool suspended mid-stream: the clone waits for it" kill -0 $cpid
mk zdisk "0 524288 linear $D 524288"
timeout 60 zpool clear sus
i=0; while [ $i -lt 30 ] && [ "$(health)" != ONLINE ]; do sleep 1; i=$((i + 1)); done
eq "pool suspended mid-stream: zpool clear brings it back" "$(health)" ONLINE
wait $cpid; rc=$?
if [ $rc = 0 ]; then
  SEEN="nothing but the wait: the clone goes on with the pool and completes"
else
  SEEN=$(err1)
  sus_rerun "pool suspended mid-stream"
fi
sus_ok "pool suspended mid-stream"
row "the receiving pool suspended mid-stream (its disk fails, failmode=wait), then cleared" "$SEEN" "identical, nothing stray"
zpool destroy sus
dmsetup remove zdisk

# A corrupted stream, through the zfs shim (LINSTOR's pipeline with bytes flipped in the middle).
[ -e /shim/zfs ] || $VOLCLONE linstor-shim install /shim > /dev/null
zfs snapshot $P/src@CF_bad
zfs create -s -V 48M -o volmode=dev $P/t
PATH=/shim:$PATH sh -c "zfs send --embed --large-block $P/src@CF_bad | (head -c 4194304; head -c 65536 | tr '\000-\377' '\377\000-\376'; cat) | zfs receive -F $P/t" > /tmp/out 2>&1
rc=$?
check "corrupted stream: fails (rc $rc)" test $rc != 0
check "corrupted stream: the real zfs's error text" grep -qiE "cannot receive|checksum|invalid" /tmp/out
SEEN=$(tail -1 /tmp/out | short)
eq "corrupted stream: no snapshot on the target" "$(zfs list -H -t snapshot -o name -r $P/t)" ""
eq "corrupted stream: nothing left" "$(zfs list -H -o name -t all | grep -c volclone)" 0
PATH=/shim:$PATH sh -c "zfs send --embed --large-block $P/src@CF_bad | zfs receive -F $P/t" > /tmp/rerun 2>&1
check "corrupted stream: the retry succeeds" test $? = 0
eq "corrupted stream: the retry is identical" "$(digest "$(dev $P/t)")" "$ZSUM"
row "a corrupted stream into the zfs shim (64 KiB flipped at 4 MiB)" "$SEEN" "identical"
zfs destroy -r $P/t; zfs destroy $P/src@CF_bad

# ---- the JVM holding an execute, killed with SIGKILL --------------------------------------------
export LD_LIBRARY_PATH=/host/jre/lib:/host/jre/lib/server:/host/jre/syslib
# (exec: the job's pid is the JVM's, so the SIGKILL below kills the JVM itself)
jvm() { exec /host/jre/bin/java -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dvolclone.library.path=/host/libvolclone_jni.so -cp /host/volclone.jar:/host/satellite ExecuteOnce "$@"; }
req() { # STRATEGY-forcing request: SRC TGT FORBID...
  cat <<J
{"version": 1,
 "source": {"provider": "ZFS_THIN", "storage_pool": "tmp-pool", "volume": "$P/src", "size_bytes": 50331648, "exists": true,
            "zfs": {"encryption": "aes-256-gcm", "encryption_root": "$P", "key_status": "available", "key_location": "file:///root/k"}},
 "target": {"provider": "ZFS_THIN", "storage_pool": "tmp-pool", "volume": "$P/t", "size_bytes": 50331648, "exists": true,
            "zfs": {"encryption": "aes-256-gcm", "encryption_root": "$P", "key_status": "available"}},
 "options": {"forbid": [$1]}}
J
}
for mode in "mid-copy:\"ZFS_COPY\", \"ZFS_RAW_COPY\"" "mid-stream:\"DD\""; do
  name=${mode%%:*}; forbid=${mode#*:}
  zfs create -s -V 48M -o volmode=dev $P/t
  req "$forbid" > /tmp/req.json
  jvm /tmp/req.json 2097152 > /tmp/out 2>&1 &
  jpid=$!
  # Killed only once the work is under way: a durable checkpoint (block copy), a partial
  # receive (stream); a JVM starts slowly under emulation.
  i=0
  while [ $i -lt 180 ]; do
    case $name in
      mid-copy) $VOLCLONE checkpoints 2>/dev/null | grep -q '\.json' && break ;;
      *) zfs list -H -o name $P/t.volclone-tmp > /dev/null 2>&1 && break ;;
    esac
    sleep 1; i=$((i + 1))
  done
  sleep 3; kill -9 $jpid; wait $jpid 2>/dev/null
  check "JVM SIGKILL $name: it was killed mid-way" sh -c "grep -q '^chosen' /tmp/out && ! grep -q '^done' /tmp/out"
  (jvm /tmp/req.json 0) > /tmp/rerun 2>&1
  check "JVM SIGKILL $name: a new JVM's rerun succeeds" grep -q '^done' /tmp/rerun
  grep -q '^done' /tmp/rerun || cat /tmp/out /tmp/rerun
  clean_clone "JVM SIGKILL $name"
  case $name in
    mid-copy) check "JVM SIGKILL mid-copy: the rerun resumed the copy" grep -q 'resumed=[1-9]' /tmp/rerun ;;
    *) check "JVM SIGKILL mid-stream: the rerun resumed the receive" grep -q 'saved=[1-9]' /tmp/rerun ;;
  esac
  row "SIGKILL of the JVM holding an execute, $name" "the JVM is gone; $(head -1 /tmp/out)" "$(grep '^done' /tmp/rerun | cut -c1-80); identical, nothing stray"
  zfs destroy $P/t
done
finish
