#!/bin/sh
# Benchmark (not a test; benches/zfs.sh runs it): the paths LINSTOR uses, each against its anchor
# in the same boot, rounds alternating.
#  1. ZFS_COPY: `volclone clone SRC@s TGT` (everything it does: facts, plan, size estimate,
#     receive, tags) against the bare `zfs send --large-block --compressed SRC@s | zfs receive
#     NEW` (the same send), and with `receive -s` (resumable, as volclone receives by default);
#     the seed's layout: encrypted parent, a thin zvol of ZVOL_MIB with half of it data in 12 MiB
#     extents.
#  2. zvol block copy: `volclone copy` against LINSTOR's `dd bs=64k conv=nocreat,sparse
#     oflag=direct`, dense / sparse (25% data) / zero-filled sources of COPY_MIB, onto fresh thin
#     and thick zvols. The sources are cold (primarycache=metadata: every read goes to the disk
#     and is decrypted, as for a volume that is not in the ARC; ARC=all to read from the ARC).
#     Each copy's own CPU seconds (user+sys, from `times`) next to the guest's busy
#     CPU seconds say how much of the time is volclone's and how much ZFS's (its threads).
#     The limit, in the same rounds: fio (/host/fio, when benches/zfs.sh found one) doing at
#     once the device work a copy must do: read all of the source (a block device has no map of
#     its data), write the data extents of a fresh target of the same kind (dense: all of it;
#     sparse and zero-filled: 1 MiB in 4), and discard the rest (a copy does not know that a
#     target reads zeros: volclone discards its zero runs; LINSTOR's dd skips them, which leaves
#     old data on a used target); O_DIRECT, libaio, 1 MiB requests, the write fsync'ed at its
#     end, at the queue depths and job counts of LIMIT_CFGS (QD:jobs, default "4:1 32:1 4:4
#     16:2"). The limit is the best configuration's median over the rounds (the best of several
#     noisy runs in each round would be biased upwards). Its time is fio's own run time (the
#     slowest job, the final fsync included) plus the `sync` after it: fio's start-up (60-odd
#     libraries, 0.7 s in the emulated guest) is no part of the limit, while the copies' times
#     include their own start-up (volclone's share is reported: its wall time less the copy
#     loop's own `seconds` from its JSON report). Every tool runs from the guest's RAM (copied
#     from /host first), as from a local disk. volclone and dd are reported as fractions of the
#     limit. ZVOL_IMAGES and ZVOL_KINDS narrow the sources and targets. VC_ARGS (e.g. "--io streaming", "--workers 16") adds `volclone copy $VC_ARGS` as a
#     third tool, in the same rounds, reported the same way; VC_BIN_X (benches/zfs.sh) makes
#     that third tool another volclone build (e.g. the one before a change), with VC_ARGS if given. A LIMIT_CFGS entry QD:jobs:engine
#     runs fio with that engine (e.g. 1:16:psync: 16 threads each blocking on one request, as
#     volclone's workers do).
# Every result is compared with its source. Figures are seconds and MiB/s; ratios > 1 favour volclone.
. /host/lib.sh
[ -f /host/bench.env ] && . /host/bench.env
ZVOL_MIB=${ZVOL_MIB:-384}
COPY_MIB=${COPY_MIB:-128}
ROUNDS=${ROUNDS:-3}
PARTS=${PARTS:-"zfs-copy zvol-copy"}
VC_ARGS=${VC_ARGS:-}
ZVOL_IMAGES=${ZVOL_IMAGES:-dense sparse zeroed}
ZVOL_KINDS=${ZVOL_KINDS:-thin thick}
zpool create -f -o ashift=12 tmp-pool /dev/vda
dd if=/dev/urandom of=/root/incus.key bs=32 count=1 2>/dev/null
zfs create -o encryption=aes-256-gcm -o keyformat=raw -o keylocation=file:///root/incus.key tmp-pool/incus
P=tmp-pool/incus
now() { cut -d' ' -f1 /proc/uptime; }
# Busy CPU seconds of the whole guest (user+nice+system+irq+softirq), from /proc/stat.
busy() { awk '/^cpu /{printf "%.2f", ($2+$3+$4+$7+$8)/100}' /proc/stat; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", b-a}'; }
# CPU seconds (user+sys) of this shell's finished children, from the `times` builtin (run in
# this shell: in a $(...) subshell it would count the subshell's children only).
children_cpu() { times > /tmp/times.out; tail -1 /tmp/times.out | awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] } printf "%.2f", t }'; }
# time_cmd CMD...: runs CMD; sets T (wall s), BUSY (guest busy CPU s), SELF (CMD's own user+sys s).
time_cmd() {
  children_cpu > /tmp/c0; b0=$(busy); t0=$(now)
  "$@" > /tmp/cmd.out 2>&1 || { echo "FAILED: $*"; cat /tmp/cmd.out; }
  sync; t1=$(now); b1=$(busy); children_cpu > /tmp/c1; c0=$(cat /tmp/c0); c1=$(cat /tmp/c1)
  T=$(secs "$t0" "$t1"); BUSY=$(secs "$b0" "$b1"); SELF=$(secs "$c0" "$c1")
}
# Waits until the pool has written everything and freed what destroys left to free (ZFS frees
# in the background: a destroy just before a timed run would bill its work to that run).
settle() {
  zpool sync tmp-pool
  i=0; while [ "$(zpool get -Hp -o value freeing tmp-pool)" != 0 ] && [ $i -lt 600 ]; do sleep 0.5; zpool sync tmp-pool; i=$((i + 1)); done
  sleep 1
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# ---- 1. ZFS_COPY against the bare pipe (volclone with each ZFS backend)
if echo "$PARTS" | grep -q zfs-copy; then
zfs create -s -V ${ZVOL_MIB}M -o volmode=dev $P/src
S=$(dev $P/src)
i=0; while [ $i -lt $ZVOL_MIB ]; do dd if=/dev/urandom of="$S" bs=1M count=12 seek=$i conv=notrunc 2>/dev/null; i=$((i + 24)); done
sync
zfs snapshot $P/src@s
SUM=$(digest "$S")
# Tools: the bare pipe, the bare pipe with a resumable receive (-s, as volclone receives by
# default), volclone with the zfs command and with libzfs_core, and with --no-resume.
TOOLS=${TOOLS:-"pipe pipe_s cli cli_no_resume lzc"}
for t in $TOOLS; do eval "${t}_t=''"; done
r=1
while [ $r -le "$ROUNDS" ]; do
  # The order alternates, so no tool always runs right after the same other one.
  order=$TOOLS; [ $((r % 2)) = 0 ] && order=$(echo "$TOOLS" | awk '{for (i = NF; i > 0; i--) printf "%s ", $i}')
  for tool in $order; do
    zfs destroy -r $P/new 2>/dev/null
    settle
    case $tool in
      pipe) time_cmd sh -c "zfs send --large-block --compressed $P/src@s | zfs receive $P/new" ;;
      pipe_s) time_cmd sh -c "zfs send --large-block --compressed $P/src@s | zfs receive -s $P/new" ;;
      cli) time_cmd env VOLCLONE_ZFS_BACKEND=cli $VOLCLONE clone --quiet $P/src@s $P/new ;;
      cli_no_resume) time_cmd env VOLCLONE_ZFS_BACKEND=cli $VOLCLONE clone --quiet --no-resume $P/src@s $P/new ;;
      lzc) time_cmd env VOLCLONE_ZFS_BACKEND=lzc $VOLCLONE clone --quiet $P/src@s $P/new ;;
    esac
    eval "${tool}_t=\"\$${tool}_t $T\""
    eq "round $r $tool: clone equals the snapshot" "$(digest "$(dev $P/new)")" "$SUM"
    echo "round $r $tool: $T s (guest busy CPU $BUSY s)"
  done
  r=$((r + 1))
done
# Each tool against an anchor: the median of each round's own ratio (anchor time / tool time).
ratio() { # ratio TOOL ANCHOR
  eval "tt=\$${1}_t; at=\$${2}_t"
  paired=$(echo "$at|$tt" | awk -F'|' '{n = split($1, p, " "); split($2, v, " "); for (i = 1; i <= n; i++) printf "%.3f ", p[i] / v[i]}' | median)
  echo "RESULT zfs-copy $1 vs $2: $(echo "$tt" | median) s ($tt) against $(echo "$at" | median) s ($at): ${paired}x the anchor's speed (median of the rounds' ratios)"
}
for t in $TOOLS; do [ "$t" = pipe ] || ratio "$t" pipe; done
echo "$TOOLS" | grep -q pipe_s && for t in cli lzc; do echo "$TOOLS" | grep -qw "$t" && ratio "$t" pipe_s; done
zfs destroy -r $P/new
fi

# ---- 2. zvol block copies against LINSTOR's dd
if echo "$PARTS" | grep -q zvol-copy; then
for img in $ZVOL_IMAGES; do zfs create -s -V ${COPY_MIB}M -o volmode=dev -o primarycache=${ARC:-metadata} $P/img-$img; done
fill() { # fill IMG DEV
  case $1 in
    dense) dd if=/dev/urandom of="$2" bs=1M count=$COPY_MIB conv=fsync 2>/dev/null ;;
    sparse|zeroed)
      [ "$1" = zeroed ] && dd if=/dev/zero of="$2" bs=1M count=$COPY_MIB conv=fsync 2>/dev/null
      i=0; while [ $i -lt $COPY_MIB ]; do dd if=/dev/urandom of="$2" bs=1M count=1 seek=$i conv=notrunc 2>/dev/null; i=$((i + 4)); done; sync ;;
  esac
}
# fresh_target thin|thick: $P/t made again, empty; T_DEV its device.
fresh_target() {
  # udev may still hold the last target open for a moment: retry the destroy.
  i=0; while zfs list $P/t > /dev/null 2>&1 && [ $i -lt 20 ]; do udevadm settle; zfs destroy $P/t 2>/dev/null || sleep 0.5; i=$((i + 1)); done
  if [ "$1" = thin ]; then zfs create -s -V ${COPY_MIB}M -o volmode=dev $P/t; else zfs create -V ${COPY_MIB}M -o volmode=dev $P/t; fi
  T_DEV=$(dev $P/t)
  settle
}
# zeroed: zeros really written, so compression off there (else ZFS would store holes).
for img in $ZVOL_IMAGES; do
  [ "$img" = zeroed ] && zfs set compression=off $P/img-$img
  fill $img "$(dev $P/img-$img)"
done
# The tools run from RAM: /host is 9p, whose first reads of a 30 MB binary would be billed to a
# copy. fio comes with its own loader and libraries (the host's Debian build).
mkdir -p /tmp/bin && cp /host/volclone /host/gnu-dd /tmp/bin/ && VOLCLONE=/tmp/bin/volclone
# The third tool: VC_ARGS on this build, or another build (/host/volclone-x, named VC_X_NAME).
XTOOL=${VC_ARGS:+volclone-x}; VOLCLONE_X=$VOLCLONE
if [ -f /host/volclone-x ]; then cp /host/volclone-x /tmp/bin/ && VOLCLONE_X=/tmp/bin/volclone-x && XTOOL=volclone-x; fi
XLABEL="volclone${VC_X_NAME:+ ($VC_X_NAME)}${VC_ARGS:+ $VC_ARGS}"
FIO=""; [ -x /host/fio/fio ] && cp -r /host/fio /tmp/bin/ && FIO="/tmp/bin/fio/lib/ld-linux-x86-64.so.2 --library-path /tmp/bin/fio/lib /tmp/bin/fio/fio"
# limit_run IMG DEV TGT QD JOBS [ENGINE]: fio doing at once what a copy of IMG from DEV onto TGT
# must (ENGINE: libaio unless given).
limit_run() {
  n=$4; per=$((COPY_MIB / $5)); wr="--rw=write"; z=""
  case $1 in sparse|zeroed)
    # 1 MiB written, 3 MiB skipped: the data extents (io_size, else fio wraps and fills the
    # holes); the 3 MiB after each discarded, by one more job.
    wr="--rw=write:3M --io_size=$((per / 4))M"
    z="--name=z --filename=$3 --rw=trim:1M --bs=3M --offset=1M --size=$((COPY_MIB - 1))M --io_size=$((COPY_MIB * 3 / 4))M --numjobs=1 --iodepth=1" ;;
  esac
  a0=$(now)
  $FIO --output=/tmp/fio.out --direct=1 --ioengine=${6:-libaio} --bs=1M --iodepth=$n --group_reporting \
    --name=r --filename=$2 --rw=read --size=${per}M --offset_increment=${per}M --numjobs=$5 \
    --name=w --filename=$3 $wr --size=${per}M --offset_increment=${per}M --numjobs=$5 --end_fsync=1 $z > /dev/null 2>&1
  s0=$(now); sync; s1=$(now)
  # fio's own run time (the slowest direction, the write's final fsync included) + the sync.
  ms=$(awk '/^ *(READ|WRITE|TRIM):/ { s = $0; sub(/.*run=[0-9]+-/, "", s); sub(/msec.*/, "", s); if (s + 0 > m) m = s + 0 } END { print m + 0 }' /tmp/fio.out)
  T=$(awk -v ms="$ms" -v a="$s0" -v b="$s1" 'BEGIN{printf "%.3f", ms / 1000 + b - a}')
  # Counted as the copies are: start to a durable target (fio's close of the zvol waits for its
  # transaction group, as a copier's does), less fio's fixed cost ($FIXED, fio_fixed).
  TD=$(awk -v a="$a0" -v b="$s1" -v f="$FIXED" 'BEGIN{printf "%.3f", b - a - f}')
}
# fio_fixed DEV: sets FIXED, the wall s of fio reading 1 MiB of DEV: its start-up, set-up and
# exit, which a limit run pays besides the device work (the copies' own start-up is counted).
fio_fixed() {
  f0=$(now)
  $FIO --output=/tmp/fio1.out --direct=1 --ioengine=libaio --bs=1M --name=f --filename=$1 --rw=read --size=1M > /dev/null 2>&1
  f1=$(now); FIXED=$(secs "$f0" "$f1")
}
CFGS=${LIMIT_CFGS:-4:1 32:1 4:4 16:2}
# frac A L: A as a fraction of L.
frac() { awk -v a="$1" -v l="$2" 'BEGIN{printf "%.2f", a/l}'; }
# best_limit VAR LABEL: prints each configuration's median of the runs in VAR_<n> (a table row
# labelled LABEL); sets BEST to the best median and BEST_R to its runs.
best_limit() {
  BEST=0; BEST_R=""; c=0
  for cfg in $CFGS; do
    c=$((c + 1)); eval "runs=\$${1}_$c"
    [ -n "$runs" ] || continue
    m=$(echo "$runs" | median)
    echo "| $img $COPY_MIB MiB | $kind | fio $cfg (QD:jobs)$2 | $m ($runs) | | | |"
    if awk -v m="$m" -v l="$BEST" 'BEGIN{exit !(m > l)}'; then BEST=$m; BEST_R=$runs; fi
  done
}
echo "| image | target | tool | MiB/s (runs) | copy's own CPU s | guest busy CPU s | target referenced MiB |"
echo "|---|---|---|---|---|---|---|"
for img in $ZVOL_IMAGES; do
  S=$(dev $P/img-$img); SUM=$(digest "$S")
  for kind in $ZVOL_KINDS; do
    dd_r=""; vc_r=""; vx_r=""; vfix=""
    c=0; for cfg in $CFGS; do c=$((c + 1)); eval "lim_$c=''; dlim_$c=''"; done; fixed=""
    r=1
    while [ $r -le "${ZVOL_ROUNDS:-$ROUNDS}" ]; do
      if [ -n "$FIO" ]; then
        c=0; fio_fixed "$S"; fixed="$fixed $FIXED"
        for cfg in $CFGS; do
          c=$((c + 1))
          fresh_target $kind
          q=${cfg%%:*}; rest=${cfg#*:}; j=${rest%%:*}; e=""; [ "$rest" = "$j" ] || e=${rest#*:}
          limit_run $img "$S" "$T_DEV" "$q" "$j" $e
          # (fio's buffers are random: compression gains it nothing.) A run that failed is
          # reported and left out.
          if grep -q "err= *[1-9]" /tmp/fio.out || [ "$ms" = 0 ]; then echo "fio $cfg failed (left out of the limit):"; head -20 /tmp/fio.out; continue; fi
          eval "lim_$c=\"\$lim_$c $(awk -v m=$COPY_MIB -v t="$T" 'BEGIN{printf "%.2f", m / t}')\""
          eval "dlim_$c=\"\$dlim_$c $(awk -v m=$COPY_MIB -v t="$TD" 'BEGIN{printf "%.2f", m / t}')\""
        done
      fi
      for tool in linstor-dd volclone $XTOOL; do
        fresh_target $kind
        case $tool in
          volclone-x) time_cmd $VOLCLONE_X copy --quiet --json --no-checkpoint $VC_ARGS "$S" "$T_DEV" ;;
          linstor-dd) time_cmd /tmp/bin/gnu-dd if="$S" of="$T_DEV" bs=64k conv=nocreat,sparse oflag=direct status=none ;;
          volclone)
            time_cmd $VOLCLONE copy --quiet --json --no-checkpoint "$S" "$T_DEV"
            vfix="$vfix $(awk -v t="$T" '/"seconds":/ { gsub(/[^0-9.]/, "", $2); printf "%.2f", t - $2 }' /tmp/cmd.out)" ;;
        esac
        rate=$(awk -v m=$COPY_MIB -v t="$T" 'BEGIN{printf "%.1f", m/t}')
        case $tool in
          volclone) vc_r="$vc_r $rate"; vself="$vself $SELF"; vbusy="$vbusy $BUSY" ;;
          volclone-x) vx_r="$vx_r $rate"; xself="$xself $SELF"; xbusy="$xbusy $BUSY" ;;
          *) dd_r="$dd_r $rate"; dself="$dself $SELF"; dbusy="$dbusy $BUSY" ;;
        esac
        if [ "$img" = dense ] || [ $tool != linstor-dd ]; then
          eq "$img -> $kind, $tool: target equals source" "$(digest "$T_DEV")" "$SUM"
        fi
        REF=$(( $(zfs get -Hp -o value referenced $P/t) / 1048576 ))
      done
      r=$((r + 1))
    done
    for tool in linstor-dd volclone $XTOOL; do
      case $tool in
        volclone) rr=$vc_r; sf=$vself; bz=$vbusy ;;
        volclone-x) rr=$vx_r; sf=$xself; bz=$xbusy ;;
        *) rr=$dd_r; sf=$dself; bz=$dbusy ;;
      esac
      echo "| $img $COPY_MIB MiB | $kind | $tool | $(echo "$rr" | median) ($rr) | $(echo "$sf" | median) | $(echo "$bz" | median) | $REF |"
    done
    echo "RESULT zvol-copy $img->$kind: volclone $(echo "$vc_r" | median) MiB/s, linstor dd $(echo "$dd_r" | median) MiB/s, ratio $(frac "$(echo "$vc_r" | median)" "$(echo "$dd_r" | median)")x"
    # The limit: the best configuration's median over the rounds, as fio's own run time counts
    # it (L), and counted to a durable target as the copies are, less fio's fixed cost (DL).
    best_limit lim ""; L=$BEST; lim_r=$BEST_R
    best_limit dlim ", to durable"; DL=$BEST; dlim_r=$BEST_R
    echo "volclone's start-up and checks (wall time less its copy loop's), s: $(echo "$vfix" | median) ($vfix)"
    [ -z "$fixed" ] || echo "fio's fixed cost (a 1 MiB read, start to exit), s: $(echo "$fixed" | median) ($fixed)"
    if [ -n "$lim_r" ]; then
      echo "| $img $COPY_MIB MiB | $kind | limit (fio) | $L ($lim_r) | | | |"
      echo "RESULT zvol-limit $img->$kind: fio $L MiB/s; volclone $(frac "$(echo "$vc_r" | median)" "$L") of it, linstor dd $(frac "$(echo "$dd_r" | median)" "$L") of it"
      [ -z "$XTOOL" ] || echo "RESULT zvol-limit $img->$kind: $XLABEL $(frac "$(echo "$vx_r" | median)" "$L") of it"
    fi
    if [ -n "$dlim_r" ]; then
      echo "| $img $COPY_MIB MiB | $kind | limit (fio, to durable) | $DL ($dlim_r) | | | |"
      echo "RESULT zvol-limit-durable $img->$kind: fio $DL MiB/s; volclone $(frac "$(echo "$vc_r" | median)" "$DL") of it, linstor dd $(frac "$(echo "$dd_r" | median)" "$DL") of it"
      [ -z "$XTOOL" ] || echo "RESULT zvol-limit-durable $img->$kind: $XLABEL $(frac "$(echo "$vx_r" | median)" "$DL") of it"
    fi
    vself=""; vbusy=""; xself=""; xbusy=""; dself=""; dbusy=""
  done
done
fi
finish
