#!/bin/sh
# Failures: a receive whose stream breaks, a receive killed mid-way, a pool out of space, a
# pre-created target that holds data, and a disk that returns EIO under a block copy. Each
# time the source is untouched, a pre-created target still exists, and nothing is left behind.
. /host/lib.sh
zpool create -f tank /dev/vda
dd if=/dev/urandom of=/root/enc.key bs=32 count=1 2>/dev/null
zfs create -o encryption=aes-256-gcm -o keyformat=raw -o keylocation=file:///root/enc.key tank/enc
zfs create -s -V 64M -o volmode=dev tank/enc/src
dd if=/dev/urandom of="$(dev tank/enc/src)" bs=1M count=16 conv=fsync 2>/dev/null
SRC=$(digest "$(dev tank/enc/src)")

untouched() { # CASE TARGET: source, target and pool as they were
  eq "$1: source unchanged" "$(digest "$(dev tank/enc/src)")" "$SRC"
  check "$1: pre-created target still exists" zfs list "$2"
  eq "$1: target still empty" "$(zfs get -Hp -o value logicalreferenced "$2")" "$EMPTY_REF"
  eq "$1: no snapshot left" "$(snapshots)" ""
  check_fails "$1: no temporary dataset left" zfs list "$2.volclone-tmp"
}

zfs create -s -V 64M -o volmode=dev tank/enc/tgt
EMPTY_REF=$(zfs get -Hp -o value logicalreferenced tank/enc/tgt)

# 1. The stream breaks after 2 MiB.
cat > /tmp/zfs-truncating <<'W'
#!/bin/sh
if [ "$1" = receive ]; then head -c 2097152 | /usr/sbin/zfs "$@"; exit $?; fi
exec /usr/sbin/zfs "$@"
W
chmod +x /tmp/zfs-truncating
VOLCLONE_ZFS=/tmp/zfs-truncating $VOLCLONE clone --quiet tank/enc/src tank/enc/tgt > /tmp/out 2>&1
rc=$?
tail -3 /tmp/out
eq "broken stream: volclone fails" "$rc" 1
check "broken stream: the error names the receive" grep -q "zfs receive" /tmp/out
untouched "broken stream" tank/enc/tgt

# 2. The receive is killed 1 s into a rate-limited stream.
cat > /tmp/zfs-killing <<'W'
#!/bin/sh
if [ "$1" = receive ]; then /usr/sbin/zfs "$@" & pid=$!; sleep 1; kill -9 $pid; wait $pid; exit $?; fi
exec /usr/sbin/zfs "$@"
W
chmod +x /tmp/zfs-killing
VOLCLONE_ZFS=/tmp/zfs-killing $VOLCLONE clone --quiet --rate 4M tank/enc/src tank/enc/tgt > /tmp/out 2>&1
rc=$?
tail -3 /tmp/out
eq "killed receive: volclone fails" "$rc" 1
untouched "killed receive" tank/enc/tgt

# 3. The target pool runs out of space (a new target, no pre-created one).
truncate -s 80M /root/small.img
zpool create -f small /root/small.img
zfs create -s -V 96M -o volmode=dev tank/enc/big
dd if=/dev/urandom of="$(dev tank/enc/big)" bs=1M count=90 conv=fsync 2>/dev/null
BIG=$(digest "$(dev tank/enc/big)")
$VOLCLONE clone --quiet --allow-decrypt tank/enc/big small/big > /tmp/out 2>&1
rc=$?
tail -3 /tmp/out
eq "out of space: volclone fails" "$rc" 1
check "out of space: the error says so" grep -qi "space\|quota" /tmp/out
check_fails "out of space: no partial dataset" zfs list small/big
eq "out of space: source unchanged" "$(digest "$(dev tank/enc/big)")" "$BIG"
eq "out of space: no snapshot left" "$(snapshots)" ""
zfs destroy tank/enc/big

# 4. A pre-created target that holds data is never destroyed.
zfs create -s -V 64M -o volmode=dev tank/enc/used
dd if=/dev/urandom of="$(dev tank/enc/used)" bs=1M count=4 conv=fsync 2>/dev/null
USED=$(digest "$(dev tank/enc/used)")
$VOLCLONE clone --quiet tank/enc/src tank/enc/used > /tmp/out 2>&1
rc=$?
tail -2 /tmp/out
eq "target with data: refused" "$rc" 1
check "target with data: the error says why" grep -q "holds data" /tmp/out
eq "target with data: its data is intact" "$(digest "$(dev tank/enc/used)")" "$USED"
eq "target with data: no snapshot left" "$(snapshots)" ""
check_fails "target with data: no temporary dataset left" zfs list tank/enc/used.volclone-tmp

# 5. A disk that fails reads with EIO at sector 40960 (qemu blkdebug): the copy stops and says where.
if [ -b /dev/vdb ]; then
  $VOLCLONE copy --quiet --create /dev/vdb /root/from-faulty.img > /tmp/out 2>&1
  rc=$?
  cat /tmp/out
  eq "EIO: volclone copy fails" "$rc" 1
  check "EIO: the error names the device, offset and errno" grep -q "read /dev/vdb at byte offset 20971520: Input/output error" /tmp/out
else
  not_ok "EIO: no faulty disk /dev/vdb (the runner adds it with blkdebug)"
fi

# And after all that, the clone still works.
$VOLCLONE clone --quiet tank/enc/src tank/enc/tgt > /tmp/out 2>&1
eq "after the failures the clone succeeds" "$?" 0
eq "and is identical" "$(digest "$(dev tank/enc/tgt)")" "$SRC"
finish
