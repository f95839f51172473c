#!/bin/sh
# A stand-in for `zfs` (VOLCLONE_ZFS) that kills the volclone calling it with SIGKILL, as a
# crash would: KILL_MODE=after kills it right after its KILL_AT-th changing zfs command;
# KILL_MODE=stream kills it STREAM_DELAY seconds into that command (a receive: mid-stream).
# Everything else is passed to the real zfs ($REAL_ZFS).
verb=$1
case $verb in
  snapshot|receive|recv|destroy|rename|set|clone|inherit|load-key) ;;
  *) exec "$REAL_ZFS" "$@" ;;
esac
n=$(( $(cat /tmp/zfs-killer.count 2>/dev/null || echo 0) + 1 ))
echo $n > /tmp/zfs-killer.count
echo "$n $*" >> /tmp/zfs-killer.log
if [ "$n" = "$KILL_AT" ] && [ "$KILL_MODE" = stream ]; then
  # The stream stays its stdin through fd 3: a background job of a script reads /dev/null
  # otherwise (and a <&0 inside it would dup that /dev/null).
  exec 3<&0
  "$REAL_ZFS" "$@" <&3 &
  child=$!
  sleep "${STREAM_DELAY:-2}"
  kill -9 "$PPID"
  wait $child
  exit $?
fi
"$REAL_ZFS" "$@"
rc=$?
[ "$n" = "$KILL_AT" ] && [ "$KILL_MODE" = after ] && kill -9 "$PPID"
exit $rc
