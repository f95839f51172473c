#!/usr/bin/env bash
# test.sh: every test of the project. Installs what the tests need first (apt-get), then runs
# the Rust tests, the C ABI tests (with the ABI check), the Java (JNI) tests and the Java API
# check, the Maven build of the Java artifact, the Debian package (installed and used), the fuzz
# targets, and the real-OpenZFS VM scenarios that carry the promises (2.1 and 2.3 at the same
# time; VM_FULL=1 scripts/zfs-vm-tests.sh is the full run). Prints each part's time at the end;
# exits non-zero on the first failing part.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
T0=$(date +%s)
TIMES=()
report() {
  echo "== times (total $(( $(date +%s) - T0 )) s)"
  for t in "${TIMES[@]}"; do echo "   $t"; done
}
trap report EXIT
# part NAME CMD...: runs CMD, keeps its time.
part() {
  local name=$1 s
  shift
  s=$(date +%s)
  echo "== $name"
  "$@"
  TIMES+=("$(printf '%-58s %5d s' "$name" $(( $(date +%s) - s )))")
}
part "deps (apt-get)" scripts/deps.sh
# The OpenZFS VM images build in the background meanwhile (mostly a one-time DKMS build; the
# tests before the VMs spend much of their time waiting on rate limits and sleeps).
IMAGES_LOG=$(mktemp /tmp/volclone-images.XXXXXX)
IMAGES_START=$(date +%s)
scripts/zfs-vm-images.sh > "$IMAGES_LOG" 2>&1 &
IMAGES_PID=$!
part "cargo test --workspace" cargo test --workspace
part "C ABI (header, symbols, ABI check, C tests plain/valgrind/ASan)" scripts/c-tests.sh
part "Java bindings (JUnit, default locale and tr-TR)" scripts/java-tests.sh
part "Java API against its baseline (0.1.0 + additions)" scripts/java-api-check.sh
part "Java artifact (Maven; Java 17 and the newer JDK)" scripts/maven-tests.sh
part "Debian package: build, install, C and Java against it" scripts/package-tests.sh
part "README quick start (its first command, as written)" scripts/readme-quickstart.sh
part "fuzz every entry point (short runs)" scripts/fuzz.sh "${FUZZ_SECONDS:-10}"
images() {
  wait "$IMAGES_PID" || { cat "$IMAGES_LOG"; return 1; }
  cat "$IMAGES_LOG"
  echo "(the images took $(( $(date +%s) - IMAGES_START )) s in the background)"
}
part "OpenZFS VM images (waiting for the background build)" images
part "real OpenZFS in VMs (2.1 and 2.3 at once: the promises)" scripts/zfs-vm-tests.sh
echo "== all parts passed"
