#!/usr/bin/env bash
# test.sh: every test of the project. Installs what the tests need first (apt-get), then runs
# the Rust tests, the C ABI tests (with the ABI check), the Java (JNI) tests and the Java API
# check, the Maven build of the Java artifact, the Debian package (installed and used), the fuzz
# targets, and the real-OpenZFS VM scenarios (2.1: all; 2.3: those that carry the promises, at
# the same time). Prints each part's time at the end; exits non-zero on the first failing part.
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
part "cargo test --workspace" cargo test --workspace
part "C ABI (header, symbols, ABI check, C tests plain/valgrind/ASan)" scripts/c-tests.sh
part "Java bindings (JUnit, default locale and tr-TR)" scripts/java-tests.sh
part "Java API against its baseline (0.1.0 + additions)" scripts/java-api-check.sh
part "Java artifact (Maven; Java 17 and the newer JDK)" scripts/maven-tests.sh
part "Debian package: build, install, C and Java against it" scripts/package-tests.sh
part "fuzz every entry point (short runs)" scripts/fuzz.sh "${FUZZ_SECONDS:-20}"
part "real OpenZFS in VMs (2.1 all, 2.3 the promises, at once)" scripts/zfs-vm-tests.sh
echo "== all parts passed"
