#!/bin/sh
# The matrix: source {plain, encrypted with key loaded, encrypted with key unloaded}
# x target parent {plain, encrypted} x {ZFS_THIN, ZFS} x {pre-created target, none}.
# Each case succeeds with identical data and the promised encryption, or is refused by the
# planner with nothing changed.
. /host/lib.sh
zpool create -f tank /dev/vda
for k in enc srcenc locked; do dd if=/dev/urandom of=/root/$k.key bs=32 count=1 2>/dev/null; done
zfs create tank/plain
zfs create -o encryption=aes-256-gcm -o keyformat=raw -o keylocation=file:///root/enc.key tank/enc
zfs create -o encryption=aes-256-gcm -o keyformat=raw -o keylocation=file:///root/srcenc.key tank/srcenc
zfs create -o encryption=aes-256-gcm -o keyformat=raw -o keylocation=file:///root/locked.key tank/locked
for s in plain srcenc locked; do
  zfs create -s -V 32M -o volmode=dev tank/$s/src
  dd if=/dev/urandom of="$(dev tank/$s/src)" bs=1M count=6 seek=4 conv=fsync 2>/dev/null
  eval "SUM_$s=$(digest "$(dev tank/$s/src)")"
done
# Lock tank/locked as after a reboot: re-import the pool without keys, load all others.
udevadm settle
zpool export tank && zpool import tank && zfs load-key tank/enc && zfs load-key tank/srcenc
udevadm settle
eq "locked source's key is unloaded" "$(prop keystatus tank/locked/src)" unavailable

n=0
for s in plain srcenc locked; do
  for p in plain enc; do
    for kind in thin thick; do
      for pre in yes no; do
        n=$((n + 1))
        t=tank/$p/t$n
        case="[$n: src=$s parent=$p $kind pre-created=$pre]"
        create=""; [ $kind = thin ] && create="-s"
        [ $pre = yes ] && zfs create $create -V 32M -o volmode=dev "$t"
        thick=""; [ $kind = thick ] && thick="--thick"
        $VOLCLONE clone --quiet $thick "tank/$s/src" "$t" > /tmp/out 2>&1
        rc=$?
        chosen=$(sed -n 's/^  chosen: \([A-Z_]*\).*/\1/p' /tmp/out)
        # What must happen: never plaintext from an encrypted source; a locked source only raw.
        case "$s/$p" in
          plain/*) want=ZFS_COPY ;;
          srcenc/enc) want=ZFS_COPY ;;
          srcenc/plain) want=ZFS_RAW_COPY ;;
          locked/*) want=ZFS_RAW_COPY ;;
        esac
        eq "$case chose $want" "$chosen" "$want"
        eq "$case clone succeeded" "$rc" 0
        [ $rc = 0 ] || { sed 's/^/    | /' /tmp/out | tail -15; continue; }
        case "$s/$p" in
          plain/plain)
            eq "$case plain" "$(prop encryption "$t")" off ;;
          plain/enc | srcenc/enc)
            eq "$case encrypted under the pool's root" "$(prop encryptionroot "$t")" tank/enc
            eq "$case key available" "$(prop keystatus "$t")" available ;;
          srcenc/plain)
            eq "$case its own encryption root" "$(prop encryptionroot "$t")" "$t"
            eq "$case key loaded from the source's location" "$(prop keystatus "$t")" available ;;
          locked/*)
            # The clone's key is loaded from the source's key location (a file here), so the
            # clone is usable at once; the source's own key stays unloaded.
            eq "$case its own encryption root" "$(prop encryptionroot "$t")" "$t"
            eq "$case key loaded from the source's location" "$(prop keystatus "$t")" available
            eq "$case the source stays locked" "$(prop keystatus tank/locked/src)" unavailable ;;
        esac
        eval "want_sum=\$SUM_$s"
        eq "$case identical data" "$(digest "$(dev "$t")")" "$want_sum"
        if [ $kind = thick ]; then
          check "$case thick: refreservation set" test "$(zfs get -Hp -o value refreservation "$t")" -gt 0
        else
          eq "$case thin: no refreservation" "$(prop refreservation "$t")" none
        fi
        eq "$case no snapshot left" "$(snapshots)" ""
        check_fails "$case no temporary dataset left" zfs list "$t.volclone-tmp"
      done
    done
  done
done
eq "source data untouched (plain)" "$(digest "$(dev tank/plain/src)")" "$SUM_plain"
eq "source data untouched (encrypted)" "$(digest "$(dev tank/srcenc/src)")" "$SUM_srcenc"
zfs list -o name,encryption,encryptionroot,keystatus,refreservation -r tank | head -40
finish
