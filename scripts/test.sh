#!/usr/bin/env bash
# test.sh: every test of the project. Installs what the tests need first (apt-get), then runs
# the Rust tests, the C ABI tests (with the ABI check), the Java (JNI) tests, the Maven build of
# the Java artifact, the Debian package (installed and used), and the real-OpenZFS VM scenarios. Exits non-zero on the first failing part.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/deps.sh
echo "== cargo test --workspace"
cargo test --workspace 2>&1
echo "== C ABI"
scripts/c-tests.sh
echo "== Java bindings"
scripts/java-tests.sh
echo "== Java artifact (Maven, native library in the jar; Java 17 and the newer JDK)"
scripts/maven-tests.sh
echo "== Debian package: build, install, C and Java programs against the installed files"
scripts/package-tests.sh
echo "== fuzz the JSON entry point (60 s)"
scripts/fuzz.sh 60
echo "== real OpenZFS in a VM"
scripts/zfs-vm-tests.sh
echo "== all parts passed"
