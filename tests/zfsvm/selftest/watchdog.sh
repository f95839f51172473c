#!/bin/bash
# Checks run.sh's hang watchdog (ZFSVM_HUNG_SECS) on a guest that hangs on purpose: run.sh must
# stop it once the kernel reports a task blocked for 30 s and exit 123, well before the timeout,
# having printed the blocked tasks' stacks (the hung dd's among them).
# Usage: ZFSVM_OUT=/var/cache/zfsvm/out-2.1.11 tests/zfsvm/selftest/watchdog.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
t0=$(date +%s)
ZFSVM_HUNG_SECS=30 ZFSVM_TIMEOUT=300 ZFSVM_DISKS=1 "$here/../run.sh" "$here/hang.sh" > /tmp/zfsvm-watchdog.log 2>&1
rc=$?; secs=$(( $(date +%s) - t0 ))
grep -q 'blocked for more than 30 seconds' /tmp/zfsvm-watchdog.log || { echo "FAIL: no hung-task report reached the console (see /tmp/zfsvm-watchdog.log)"; exit 1; }
grep -q '^zfsvm: hung-task report and blocked tasks' /tmp/zfsvm-watchdog.log || { echo "FAIL: run.sh printed no blocked tasks (see /tmp/zfsvm-watchdog.log)"; exit 1; }
grep -qE 'task:dd +state:D' /tmp/zfsvm-watchdog.log && grep -q 'Call Trace' /tmp/zfsvm-watchdog.log || { echo "FAIL: the blocked dd's stack is not in the report (see /tmp/zfsvm-watchdog.log)"; exit 1; }
[ "$rc" = 123 ] || { echo "FAIL: run.sh exited $rc, expected 123 (see /tmp/zfsvm-watchdog.log)"; exit 1; }
[ "$secs" -lt 250 ] || { echo "FAIL: stopped after $secs s, the timeout was 300 s"; exit 1; }
echo "ok: run.sh stopped the hung guest after $secs s (exit 123), with the blocked dd's stack"
