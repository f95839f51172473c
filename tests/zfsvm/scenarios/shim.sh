#!/bin/sh
# Stock LINSTOR, no fork: its exact clone argvs, started as its satellite starts them (a Java
# ProcessBuilder, bare program names, PATH with volclone's zfs shim first), on the seed's layout
# (encrypted parent, CF_ snapshot with LINSTOR's properties, snapdev=visible, target pre-created
# with `zfs create -s -V <KiB>KB`), then LINSTOR's cleanup. Plus: thick target, target with data,
# unencrypted pool, four clones at once, SIGTERM (LINSTOR's cancel) and SIGKILL mid-stream with
# retries, a truncated stream, and a pass-through corpus of LINSTOR's other zfs argvs compared
# with the real zfs's output.
. /host/lib.sh
if [ ! -x /host/jre/bin/java ]; then echo "no Java runtime in /host/jre"; echo "0 passed, 1 failed"; exit 1; fi
# GNU timeout and bash, as on a satellite (busybox's `timeout 0` kills its command after 1 s).
mkdir -p /usr/local/bin && cp /host/gnu/timeout /host/gnu/bash /usr/local/bin/ && cp /host/gnu/lib/* /usr/lib/x86_64-linux-gnu/
$VOLCLONE linstor-shim install /shim > /dev/null
export PATH=/shim:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# (The guest shell's `timeout` is busybox's builtin; a ProcessBuilder finds the GNU one on PATH.)
check "GNU timeout first on PATH for a ProcessBuilder" sh -c '/usr/local/bin/timeout --version | grep -q GNU'
export LD_LIBRARY_PATH=/host/jre/lib:/host/jre/lib/server:/host/jre/syslib
ext() { /host/jre/bin/java -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp /host/satellite ExtCmd "$@"; }
REAL=/usr/sbin/zfs
eq "the shim is the zfs on PATH" "$(command -v zfs)" /shim/zfs

zpool create -f tmp-pool /dev/vda
dd if=/dev/urandom of=/root/incus.key bs=32 count=1 2>/dev/null
$REAL create -o encryption=aes-256-gcm -o keyformat=raw -o keylocation=file:///root/incus.key tmp-pool/incus
P=tmp-pool/incus
$REAL create -s -V 96M -o volmode=dev $P/vm-base_00000
dd if=/dev/urandom of="$(dev $P/vm-base_00000)" bs=1M count=64 seek=16 conv=fsync 2>/dev/null
SUM=$(digest "$(dev $P/vm-base_00000)")

# LINSTOR's steps for one clone onto TARGET from CF snapshot SNAP (names as LINSTOR makes them).
# The clone's pipeline and the target's creation are started from a JVM as the satellite starts
# them; LINSTOR's other zfs commands run through the shim from this shell (the same pass-through,
# without a JVM start each under emulation).
take_snapshot() { # SRC SNAP CLONE_RSC
  zfs snapshot "$1@$2"
  zfs set "linstor:clone_for=$3" "$1@$2"
  zfs set linstor:marked_for_deletion=true "$1@$2"
  zfs set snapdev=visible "$1"
}
precreate() { # TARGET [thick]
  if [ "${2:-}" = thick ]; then ext zfs create -V 98304KB "$1"; else ext zfs create -s -V 98304KB "$1"; fi > /tmp/create.out
  udevadm settle
}
clone_cmd() { # SRC@SNAP TARGET [destroy-after-ms]
  d=""; [ -n "${3:-}" ] && d="--destroy-after $3"
  ext $d timeout 0 bash -c "set -o pipefail; zfs send --embed --large-block $1 | zfs receive -F $2"
}
cleanup_linstor() { # TARGET SRC SNAP
  zfs destroy "$1@%" 2>&1 | grep -v "could not find any snapshots to destroy"
  zfs set snapdev=hidden "$2"
  zfs destroy "$2@$3"
}
stray() { $REAL list -H -t all -o name | grep -E "volclone|@" | tr '\n' ' '; }
rc_of() { sed -n 's/^rc=//p' "$1" | tail -1; }

# 1. The seed's layout: thin target under the encrypted parent.
S=$P/vm-base_00000; T=$P/vm-clone_00000; SNAP=CF_1a2b3c4d
take_snapshot $S $SNAP vm-clone
precreate $T
clone_cmd $S@$SNAP $T > /tmp/out 2>&1
cat /tmp/out
eq "seed: LINSTOR's unchanged command line succeeds" "$(rc_of /tmp/out)" 0
eq "seed: identical" "$(digest "$(dev $T)")" "$SUM"
eq "seed: encrypted under the parent's root" "$($REAL get -H -o value encryptionroot $T)" $P
eq "seed: thin kept" "$($REAL get -H -o value refreservation $T)" none
eq "seed: the stream's snapshot is on the target, as stock receive leaves it" "$($REAL list -H -t snapshot -o name -r $T)" "$T@$SNAP"
check "seed: /dev/zvol/$T is the new volume" test -e /dev/zvol/$T
cleanup_linstor $T $S $SNAP
eq "seed: nothing stray after LINSTOR's cleanup" "$(stray)" ""
eq "seed: the source's snapdev is as LINSTOR set it" "$($REAL get -H -o value snapdev $S)" hidden
zfs destroy $T   # (the pool is small: each case's target goes once checked)

# 2. Thick target.
T2=$P/vm-thick_00000; SNAP2=CF_00000002
take_snapshot $S $SNAP2 vm-thick
precreate $T2 thick
clone_cmd $S@$SNAP2 $T2 > /tmp/out 2>&1
eq "thick: succeeds" "$(rc_of /tmp/out)" 0
eq "thick: identical" "$(digest "$(dev $T2)")" "$SUM"
check "thick: a reservation is kept" sh -c "test \"\$($REAL get -H -o value refreservation $T2)\" != none"
cleanup_linstor $T2 $S $SNAP2
zfs destroy $T2

# 3. A target with data: stock behaviour (receive -F's own refusal), the target untouched.
T3=$P/vm-used_00000; SNAP3=CF_00000003
take_snapshot $S $SNAP3 vm-used
precreate $T3
dd if=/dev/urandom of="$(dev $T3)" bs=1M count=4 conv=fsync 2>/dev/null
USED=$(digest "$(dev $T3)")
clone_cmd $S@$SNAP3 $T3 > /tmp/out 2>&1
check "target with data: fails as stock zfs does" sh -c "test \"$(rc_of /tmp/out)\" != 0 && grep -q 'stderr: cannot receive' /tmp/out"
eq "target with data: untouched" "$(digest "$(dev $T3)")" "$USED"
cleanup_linstor $T3 $S $SNAP3
eq "target with data: nothing of volclone's" "$(stray)" ""
zfs destroy $T3

# 4. An unencrypted pool: passed through, the stock receive -F works.
zpool create -f plain /dev/vdb
$REAL create -s -V 32M -o volmode=dev plain/src_00000
dd if=/dev/urandom of="$(dev plain/src_00000)" bs=1M count=16 conv=fsync 2>/dev/null
PSUM=$(digest "$(dev plain/src_00000)")
take_snapshot plain/src_00000 CF_00000004 plain-clone
zfs create -s -V 32768KB plain/tgt_00000
clone_cmd plain/src_00000@CF_00000004 plain/tgt_00000 > /tmp/out 2>&1
eq "unencrypted: stock result (succeeds)" "$(rc_of /tmp/out)" 0
eq "unencrypted: identical" "$(digest "$(dev plain/tgt_00000)")" "$PSUM"
cleanup_linstor plain/tgt_00000 plain/src_00000 CF_00000004

# 5. Four clones of one snapshot at once.
SNAP5=CF_00000005
take_snapshot $S $SNAP5 vm-four
for i in 1 2 3 4; do precreate $P/vm-four${i}_00000; done
for i in 1 2 3 4; do VOLCLONE_LOG=info clone_cmd $S@$SNAP5 $P/vm-four${i}_00000 > /tmp/four$i.out 2>&1 & done
wait
for i in 1 2 3 4; do
  eq "four at once: clone $i succeeds" "$(rc_of /tmp/four$i.out)" 0
  [ "$(rc_of /tmp/four$i.out)" = 0 ] || sed 's/^/    | /' /tmp/four$i.out
  eq "four at once: clone $i identical" "$(digest "$(dev $P/vm-four${i}_00000)")" "$SUM"
  zfs destroy -r "$P/vm-four${i}_00000"
done
zfs destroy $S@$SNAP5

# 6. LINSTOR's cancel mid-stream (CloneDaemon.shutdown(): SIGTERM to timeout, which passes it
# to its process group), then its retry.
SNAP6=CF_00000006; T6=$P/vm-cancel_00000
take_snapshot $S $SNAP6 vm-cancel
precreate $T6
echo "SIGTERM test starts"
clone_cmd $S@$SNAP6 $T6 1500 > /tmp/out 2>&1
cat /tmp/out
check "SIGTERM: the clone fails" sh -c "test \"$(rc_of /tmp/out)\" != 0"
eq "SIGTERM: the staging dataset is gone" "$($REAL list -H -o name -t all | grep -c volclone)" 0
eq "SIGTERM: the target is as LINSTOR made it (no snapshots)" "$($REAL list -H -t snapshot -o name -r $T6)" ""
check "SIGTERM: the target is empty" sh -c "test \"\$($REAL get -Hp -o value referenced $T6)\" -lt 1048576"
clone_cmd $S@$SNAP6 $T6 > /tmp/out 2>&1
eq "SIGTERM: the retry succeeds" "$(rc_of /tmp/out)" 0
eq "SIGTERM: the retry is identical" "$(digest "$(dev $T6)")" "$SUM"
cleanup_linstor $T6 $S $SNAP6; zfs destroy $T6

# 7. SIGKILL of the shim mid-stream, then LINSTOR's retry onto the same pre-created target.
SNAP7=CF_00000007; T7=$P/vm-killed_00000
take_snapshot $S $SNAP7 vm-killed
precreate $T7
clone_cmd $S@$SNAP7 $T7 > /tmp/out 2>&1 &
bg=$!
# The shim's in-flight record names its pid once the stream runs: kill it then.
rec=/run/lock/volclone/inflight/$(echo $T7 | tr / %).json
i=0; while [ $i -lt 600 ] && ! grep -q '"bytes_done":[1-9]' "$rec" 2>/dev/null; do sleep 0.05; i=$((i + 1)); done
kpid=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$rec" 2>/dev/null)
check "SIGKILL: the shim was streaming (pid ${kpid:-none})" test -n "$kpid"
[ -n "$kpid" ] && kill -9 "$kpid"
wait $bg
eq "SIGKILL: the dead shim's record is listed stale" "$($VOLCLONE linstor-shim status | grep -c 'stale: pid')" 1
check "SIGKILL: the clone fails" sh -c "test \"$(rc_of /tmp/out)\" != 0"
clone_cmd $S@$SNAP7 $T7 > /tmp/out 2>&1
eq "SIGKILL: the retry succeeds" "$(rc_of /tmp/out)" 0
eq "SIGKILL: the retry is identical" "$(digest "$(dev $T7)")" "$SUM"
cleanup_linstor $T7 $S $SNAP7
eq "SIGKILL: nothing stray after the retry and LINSTOR's cleanup" "$(stray)" ""
$VOLCLONE linstor-shim cleanup > /dev/null
eq "SIGKILL: cleanup removed the stale record" "$($VOLCLONE linstor-shim status | grep -c 'stale: pid')" 0

# 8. A truncated stream: the real zfs's error, the target intact, nothing left.
SNAP8=CF_00000008; T8=$P/vm-trunc_00000
take_snapshot $S $SNAP8 vm-trunc
precreate $T8
ext timeout 0 bash -c "set -o pipefail; zfs send --embed --large-block $S@$SNAP8 | head -c 3000000 | zfs receive -F $T8" > /tmp/out 2>&1
cat /tmp/out
check "truncated: fails" sh -c "test \"$(rc_of /tmp/out)\" != 0"
check "truncated: the real zfs's error text" grep -q 'stderr: .*cannot receive' /tmp/out
eq "truncated: no snapshot on the target" "$($REAL list -H -t snapshot -o name -r $T8)" ""
eq "truncated: nothing left" "$($REAL list -H -o name -t all | grep -c volclone)" 0
cleanup_linstor $T8 $S $SNAP8; zfs destroy $T8

# 9. The pass-through corpus: LINSTOR's zfs argvs (ZfsCommands/ZfsUtils), usage errors and
# missing datasets, through the shim and straight to the real zfs, on the same pool state.
same() { # DESC ARGV...: stdout, stderr and exit status identical
  d=$1; shift
  zfs "$@" > /tmp/a.out 2> /tmp/a.err; a=$?
  $REAL "$@" > /tmp/b.out 2> /tmp/b.err; b=$?
  if [ $a = $b ] && cmp -s /tmp/a.out /tmp/b.out && cmp -s /tmp/a.err /tmp/b.err; then ok "pass-through: $d"; else not_ok "pass-through: $d (rc $a vs $b)"; diff /tmp/a.out /tmp/b.out | head -5; diff /tmp/a.err /tmp/b.err | head -5; fi
}
same "list as LINSTOR" list -r -H -p -o name,refer,volsize,type,volblocksize,origin,clones -t volume,snapshot tmp-pool
same "list thin pools" list -r -H -p -o name,available,type -t filesystem tmp-pool
same "get volblocksize" get volblocksize -o value -Hp $S
same "get quota" get quota -o name,value -Hp tmp-pool
same "get available" get available -o name,value -Hp tmp-pool
same "get local user props" get all -r -o name,value -H -p -s local tmp-pool
same "missing dataset" get volblocksize -o value -Hp $P/nope
same "destroy of a missing dataset" destroy $P/nope
same "destroy @% with no snapshots" destroy $T@%
same "usage error" frobnicate
same "no arguments"
same "receive -F into a missing dataset (stdin empty)" receive -F $P/nope
same "help" help
zpool_same() { zpool "$@" > /tmp/a.out 2>&1; zpool "$@" > /tmp/b.out 2>&1; cmp -s /tmp/a.out /tmp/b.out && ok "zpool untouched: $*" || not_ok "zpool: $*"; }
zpool_same list -o name -H
# Mutating ones: through the shim on one dataset, straight on its twin; results compared.
ext zfs create -s -V 65536KB $P/pt_a > /dev/null; $REAL create -s -V 65536KB $P/pt_b
eq "pass-through: create" "$($REAL get -H -o value volsize,refreservation $P/pt_a | tr '\n' ' ')" "$($REAL get -H -o value volsize,refreservation $P/pt_b | tr '\n' ' ')"
zfs set volsize=131072KB $P/pt_a; $REAL set volsize=131072KB $P/pt_b
eq "pass-through: resize" "$($REAL get -Hp -o value volsize $P/pt_a)" "$($REAL get -Hp -o value volsize $P/pt_b)"
zfs snapshot $P/pt_a@s1; zfs rename $P/pt_a $P/pt_a2; zfs clone $P/pt_a2@s1 $P/pt_c; zfs rollback $P/pt_a2@s1
check "pass-through: snapshot, rename, clone, rollback" sh -c "$REAL list $P/pt_a2@s1 && $REAL list $P/pt_c"
zfs destroy $P/pt_c; zfs destroy -r $P/pt_a2; zfs destroy $P/pt_b
eq "pass-through: destroyed" "$($REAL list -H -o name -r $P | grep -c pt_)" 0
finish
