# lib.sh: assertions for the scenarios (busybox ash in the guest). Source it, call the checks,
# end with `finish`: prints "N passed, M failed" and exits with the number of failures.
PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
# check DESC CMD...: CMD succeeds.
check() {
  d=$1; shift
  if "$@" > /tmp/check.out 2>&1; then ok "$d"; else not_ok "$d"; sed 's/^/    | /' /tmp/check.out | tail -20; fi
}
# check_fails DESC CMD...: CMD fails.
check_fails() {
  d=$1; shift
  if "$@" > /tmp/check.out 2>&1; then not_ok "$d (it succeeded)"; sed 's/^/    | /' /tmp/check.out | tail -5; else ok "$d"; fi
}
# eq DESC GOT WANT
eq() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: got '$2', want '$3'"; fi; }
prop() { zfs get -H -o value "$1" "$2" 2>/dev/null; }
digest() { md5sum < "$1" | cut -d' ' -f1; }
snapshots() { zfs list -H -t snapshot -o name 2>/dev/null | tr '\n' ' '; }
dev() { udevadm settle; i=0; while [ ! -e "/dev/zvol/$1" ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done; echo "/dev/zvol/$1"; }
finish() {
  echo "$PASS passed, $FAIL failed"
  [ $FAIL -gt 95 ] && FAIL=95 # 96-99 mean guest setup failure
  exit $FAIL
}
VOLCLONE=/host/volclone
# The runner picks the ZFS backend for the whole boot (cli or lzc).
if [ -f /host/backend ]; then
  VOLCLONE_ZFS_BACKEND=$(cat /host/backend)
  export VOLCLONE_ZFS_BACKEND
  echo "backend: $VOLCLONE_ZFS_BACKEND"
fi
