#!/bin/sh
# A LINSTOR satellite's clone sequence run by a Java program that uses only volclone's public
# API (tests/zfsvm/java/SatelliteFlow.java), on a jlink'ed runtime shipped in /host/jre.
. /host/lib.sh
if [ ! -x /host/jre/bin/java ]; then echo "no Java runtime in /host/jre"; echo "0 passed, 1 failed"; exit 1; fi
zpool create -f tmp-pool /dev/vda
for k in incus locked; do dd if=/dev/urandom of=/root/$k.key bs=32 count=1 2>/dev/null; done
zfs create -o encryption=aes-256-gcm -o keyformat=raw -o keylocation=file:///root/incus.key tmp-pool/incus
zfs create -o encryption=aes-256-gcm -o keyformat=raw -o keylocation=file:///root/locked.key tmp-pool/locked
# A source whose key can only be typed in (keylocation=prompt): a raw copy of it would stay locked.
echo "volclone-test-passphrase" | zfs create -o encryption=aes-256-gcm -o keyformat=passphrase -o keylocation=prompt tmp-pool/prompted
for v in incus/vm_00000 incus/vm_00001 locked/vm_00000 prompted/vm_00000; do
  zfs create -s -V 64M -o volmode=dev tmp-pool/$v
  dd if=/dev/urandom of="$(dev tmp-pool/$v)" bs=1M count=24 seek=8 conv=fsync 2>/dev/null
done
zfs create -s -V 96M -o volmode=dev -o compression=off tmp-pool/incus/big_00000
dd if=/dev/urandom of="$(dev tmp-pool/incus/big_00000)" bs=1M count=80 conv=fsync 2>/dev/null
# A small second pool for the out-of-space case.
truncate -s 96M /root/tiny.img
zpool create -f -O compression=off tiny /root/tiny.img
zfs create -o encryption=aes-256-gcm -o keyformat=raw -o keylocation=file:///root/incus.key tiny/enc
# The locked source's CF_ snapshot, then its key unloaded as after a reboot (re-import, load the
# other key only).
zfs snapshot -o linstor:clone_for=locked-clone -o linstor:marked_for_deletion=true tmp-pool/locked/vm_00000@CF_10c0
zfs snapshot -o linstor:clone_for=prompted-clone -o linstor:marked_for_deletion=true tmp-pool/prompted/vm_00000@CF_9a55
udevadm settle
zpool export tmp-pool && zpool import -d /dev tmp-pool && zfs load-key tmp-pool/incus
udevadm settle
export LD_LIBRARY_PATH=/host/jre/lib:/host/jre/lib/server:/host/jre/syslib
/host/jre/bin/java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xcheck:jni \
  -Dvolclone.library.path=/host/libvolclone_jni.so -cp /host/volclone.jar:/host/satellite SatelliteFlow
