#!/bin/sh
# Crash-safety: `volclone clone` killed with SIGKILL after each of its changing zfs commands and
# in the middle of the stream, then run again: the rerun finishes the clone (identical,
# encrypted as planned, the pre-created target's properties kept) and leaves nothing stray.
# Also: two runs racing for one target, four clones of one source at once, SIGTERM mid-stream.
. /host/lib.sh
zpool create -f tmp-pool /dev/vda
dd if=/dev/urandom of=/root/incus.key bs=32 count=1 2>/dev/null
zfs create -o encryption=aes-256-gcm -o keyformat=raw -o keylocation=file:///root/incus.key tmp-pool/incus
P=tmp-pool/incus
S=$P/vm-base_00000
T=$P/vm-clone_00000
zfs create -s -V 64M -o volmode=dev $S
dd if=/dev/urandom of="$(dev $S)" bs=1M count=40 seek=8 conv=fsync 2>/dev/null
SUM=$(digest "$(dev $S)")
REAL_ZFS=$(command -v zfs)
export REAL_ZFS
cp /host/zfs-killer.sh /tmp/zfs-killer && chmod +x /tmp/zfs-killer
precreate() { zfs create -s -V 64M -o volmode=dev -o linstor:rsc=vm-clone "$1"; }
stray() { zfs list -H -t all -o name | grep -E "volclone-tmp|@" | tr '\n' ' '; }
finished() { # DESC: the target is the finished clone and nothing is left
  eq "$1: identical" "$(digest "$(dev $T)")" "$SUM"
  eq "$1: encrypted under the pool's root" "$(prop encryptionroot $T)" $P
  eq "$1: thin" "$(prop refreservation $T)" none
  eq "$1: the pre-created target's property kept" "$(prop linstor:rsc $T)" vm-clone
  eq "$1: nothing stray" "$(stray)" ""
}
# Kill after each changing command of a clone with a pre-created target (8 of them: snapshot,
# receive, the property copied to the copy, destroy target, rename, two snapshot destroys, done).
# The kill points: every one by default; the runner may name fewer (/host/crash-points).
POINTS="1 2 3 4 5 6 7 8 stream"
[ -s /host/crash-points ] && POINTS=$(cat /host/crash-points)
echo "kill points: $POINTS"
for k in $POINTS; do
  precreate $T
  rm -f /tmp/zfs-killer.count /tmp/zfs-killer.log
  if [ $k = stream ]; then mode=stream; at=2; else mode=after; at=$k; fi
  KILL_MODE=$mode KILL_AT=$at STREAM_DELAY=3 VOLCLONE_ZFS=/tmp/zfs-killer $VOLCLONE clone --quiet --rate 8M $S $T > /tmp/killed.out 2>&1
  rc=$?
  what=$(sed -n "${at}p" /tmp/zfs-killer.log | cut -d' ' -f2-3)
  eq "kill $k ($mode: $what): the first run was killed" "$rc" 137
  $VOLCLONE clone --quiet --json $S $T > /tmp/rerun.out 2>&1
  rc=$?
  eq "kill $k: the rerun succeeds" "$rc" 0
  [ $rc = 0 ] || tail -3 /tmp/rerun.out
  finished "kill $k"
  if [ $k = stream ]; then
    report=$(tail -1 /tmp/rerun.out)
    bytes=$(echo "$report" | sed -n 's/.*"bytes":\([0-9]*\).*/\1/p')
    saved=$(echo "$report" | sed -n 's/.*"bytes_saved":\([0-9]*\).*/\1/p')
    echo "mid-stream kill: the rerun sent $bytes bytes, resumed past $saved bytes"
    check "kill mid-stream: the receive was resumed (bytes saved)" test "${saved:-0}" -gt 4194304
    check "kill mid-stream: less than 10% resent" test $((bytes + saved)) -le $((42 * 1048576 * 110 / 100))
  fi
  # Once more: the finished clone is reported done without a second send.
  $VOLCLONE clone --quiet --json $S $T > /tmp/again.out 2>&1
  eq "kill $k: a third run succeeds" "$?" 0
  check "kill $k: ... and reports the clone already complete" grep -q '"already_complete":true' /tmp/again.out
  zfs destroy $T
done

# Two runs racing for one target: one fails at once with a clear message, one clones.
precreate $T
$VOLCLONE clone --quiet --rate 16M $S $T > /tmp/race1.out 2>&1 &
r1=$!
sleep 1
$VOLCLONE clone --quiet $S $T > /tmp/race2.out 2>&1
rc2=$?
wait $r1
rc1=$?
eq "race: the first run clones" "$rc1" 0
eq "race: the second fails" "$rc2" 1
check "race: ... saying another run holds the target" grep -q "another volclone run is cloning onto it" /tmp/race2.out
finished "race"
zfs destroy $T

# Four clones of one source at once.
for i in 1 2 3 4; do precreate $P/four_$i; done
for i in 1 2 3 4; do $VOLCLONE clone --quiet $S $P/four_$i > /tmp/four_$i.out 2>&1 & done
wait
for i in 1 2 3 4; do
  got=$(digest "$(dev $P/four_$i)")
  eq "four at once: clone $i identical" "$got" "$SUM"
  # (what to look at when not: the run's output, the dataset, udev's links)
  [ "$got" = "$SUM" ] || { cat /tmp/four_$i.out; zfs list -H -o name,guid -r $P | grep four; ls -l /dev/zvol/$P/ | grep four; }
done
eq "four at once: nothing stray" "$(stray)" ""

# SIGTERM in the middle of the stream: a clean cancel, everything undone.
precreate $T
$VOLCLONE clone --quiet --rate 4M $S $T > /tmp/term.out 2>&1 &
pid=$!
sleep 4
kill -TERM $pid
wait $pid
eq "SIGTERM: exit 1" "$?" 1
check "SIGTERM: says it was cancelled" grep -q "cancelled" /tmp/term.out
eq "SIGTERM: nothing stray" "$(stray)" ""
check "SIGTERM: the pre-created target is still there" zfs list $T
eq "SIGTERM: the source is untouched" "$(digest "$(dev $S)")" "$SUM"
finish
