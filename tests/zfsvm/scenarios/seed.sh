#!/bin/sh
# The seed case (incus#2075) end to end: LINSTOR's stock command fails on an encrypted pool with
# a pre-created target; volclone's plan succeeds and the clone is byte-identical.
. /host/lib.sh
zpool create -f tmp-pool /dev/vda
dd if=/dev/urandom of=/root/incus.key bs=32 count=1 2>/dev/null
zfs create -o encryption=aes-256-gcm -o keyformat=raw -o keylocation=file:///root/incus.key tmp-pool/incus
zfs create -s -V 64M -o volmode=dev tmp-pool/incus/vm-base_00000
dd if=/dev/urandom of="$(dev tmp-pool/incus/vm-base_00000)" bs=1M count=16 seek=8 conv=fsync 2>/dev/null
SRC_SUM=$(digest "$(dev tmp-pool/incus/vm-base_00000)")
# LINSTOR pre-creates the target; it inherits encryption from tmp-pool/incus.
zfs create -s -V 64M -o volmode=dev tmp-pool/incus/vm-clone_00000
eq "pre-created target is encrypted" "$(prop encryption tmp-pool/incus/vm-clone_00000)" aes-256-gcm

echo "== LINSTOR 1.34 stock: zfs send --embed --large-block SRC@CF | zfs receive -F TGT"
zfs snapshot tmp-pool/incus/vm-base_00000@CF_stock
set -o pipefail
zfs send --embed --large-block tmp-pool/incus/vm-base_00000@CF_stock | zfs receive -F tmp-pool/incus/vm-clone_00000 2> /tmp/stock.err
rc=$?
set +o pipefail
cat /tmp/stock.err
check_fails "LINSTOR's stock receive -F fails" test "$rc" -eq 0
check "with the seed's error message" grep -q "zfs receive -F cannot be used to destroy an encrypted filesystem or overwrite an unencrypted one with an encrypted one" /tmp/stock.err
zfs destroy tmp-pool/incus/vm-base_00000@CF_stock

echo "== volclone clone"
$VOLCLONE clone --quiet tmp-pool/incus/vm-base_00000 tmp-pool/incus/vm-clone_00000 > /tmp/clone.out 2>&1
rc=$?
cat /tmp/clone.out
eq "volclone clone succeeds" "$rc" 0
eq "it chose ZFS_COPY" "$(grep -c 'chosen: ZFS_COPY' /tmp/clone.out)" 1
eq "target reads back identical to the source" "$(digest "$(dev tmp-pool/incus/vm-clone_00000)")" "$SRC_SUM"
eq "source unchanged" "$(digest "$(dev tmp-pool/incus/vm-base_00000)")" "$SRC_SUM"
eq "target encryption" "$(prop encryption tmp-pool/incus/vm-clone_00000)" aes-256-gcm
eq "target encryptionroot is the pool's" "$(prop encryptionroot tmp-pool/incus/vm-clone_00000)" tmp-pool/incus
eq "target keystatus" "$(prop keystatus tmp-pool/incus/vm-clone_00000)" available
eq "target stays thin" "$(prop refreservation tmp-pool/incus/vm-clone_00000)" none
eq "no snapshot left" "$(snapshots)" ""
check_fails "no temporary dataset left" zfs list tmp-pool/incus/vm-clone_00000.volclone-tmp
zfs list -o name,encryption,encryptionroot,keystatus,refreservation,used -r tmp-pool
finish
