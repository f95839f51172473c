#!/bin/sh
# Benchmark (not a test; benches/zvol.sh runs it): LINSTOR's dd against volclone copy between
# real zvols, dense and 25%-data images, fresh thin targets. Under qemu's emulation the absolute
# figures are low; compare the ratios, measured in the same boot.
. /host/lib.sh
MIB=${MIB:-256}
zpool create -f tank /dev/vda
now() { cut -d' ' -f1 /proc/uptime; }
zfs create -s -V ${MIB}M -o volmode=dev tank/dense
dd if=/dev/urandom of="$(dev tank/dense)" bs=1M count=$MIB conv=fsync 2>/dev/null
zfs create -s -V ${MIB}M -o volmode=dev tank/sparse
i=0; while [ $i -lt $MIB ]; do dd if=/dev/urandom of="$(dev tank/sparse)" bs=1M count=1 seek=$i conv=notrunc 2>/dev/null; i=$((i + 4)); done; sync
echo "| image | tool | MiB/s (runs) | target referenced MiB |"
echo "|---|---|---|---|"
for img in dense sparse; do
  for tool in linstor-dd volclone volclone-buffered; do
    rates=""
    for run in 1 2; do
      zfs destroy tank/t 2>/dev/null; zfs create -s -V ${MIB}M -o volmode=dev tank/t; T=$(dev tank/t); S=$(dev tank/$img)
      t0=$(now)
      case $tool in
        linstor-dd) /host/gnu-dd if="$S" of="$T" bs=64k conv=nocreat,sparse oflag=direct status=none ;;
        volclone) $VOLCLONE copy --quiet "$S" "$T" > /dev/null ;; # default: O_DIRECT onto a block device
        volclone-buffered) $VOLCLONE copy --quiet --io buffered "$S" "$T" > /dev/null ;;
      esac
      sync; t1=$(now)
      rates="$rates $(awk -v m=$MIB -v a=$t0 -v b=$t1 'BEGIN{printf "%.1f", m/(b-a)}')"
      [ "$(digest "$T")" = "$(digest "$S")" ] || echo "MISMATCH $img $tool"
    done
    echo "| $img $MIB MiB | $tool | $rates | $(( $(zfs get -Hp -o value referenced tank/t) / 1048576 )) |"
  done
done
finish
