#!/bin/sh
# A stand-in for `zfs` (VOLCLONE_ZFS) whose FAIL_AT-th call of any kind fails with an error text
# volclone has never seen (exit 1); every other call goes to the real zfs ($REAL_ZFS). Counts in
# /tmp/zfs-failer.count, logs in /tmp/zfs-failer.log.
n=$(( $(cat /tmp/zfs-failer.count 2>/dev/null || echo 0) + 1 ))
echo $n > /tmp/zfs-failer.count
echo "$n $*" >> /tmp/zfs-failer.log
if [ "$n" = "${FAIL_AT:-0}" ]; then
  echo "internal error: injected fault number $n (unknown to volclone)" >&2
  exit 1
fi
exec "$REAL_ZFS" "$@"
