#!/bin/sh
# Guest scenario for tests/zfsvm/selftest/watchdog.sh: hangs on purpose. A write to a suspended
# device-mapper device waits for write-back in uninterruptible sleep, which the kernel's
# hung-task detector reports (a read would wait killable and go unreported).
modprobe dm_mod
echo 10 > /proc/sys/kernel/hung_task_timeout_secs
dm() { DM_DISABLE_UDEV=1 /usr/sbin/dmsetup "$@" 2>/dev/null; }
echo "0 $(blockdev --getsz /dev/vda) linear /dev/vda 0" | dm create hang
dm mknodes hang
dm suspend hang
echo "writing to a suspended device"
dd if=/dev/zero of=/dev/mapper/hang bs=4096 count=1 conv=fsync &
sleep 600
echo "the guest was not stopped"
