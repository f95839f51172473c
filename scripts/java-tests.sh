#!/usr/bin/env bash
# java-tests.sh: builds libvolclone (release) and java-bindings/build/volclone.jar with javac + jar
# (no Maven), then runs the JUnit 5 tests (JUnit from Debian's junit5 package) with -Xcheck:jni.
# Prints "java: N passed, M failed".
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
J=/usr/share/java
for jar in junit-platform-console-standalone junit-jupiter-api apiguardian-api opentest4j junit-platform-commons; do
  [ -f "$J/$jar.jar" ] || { echo "missing $J/$jar.jar: apt-get install junit5 (scripts/deps.sh does)"; exit 1; }
done
cargo build --release -p volclone-ffi --quiet
OUT=java-bindings/build
rm -rf "$OUT"; mkdir -p "$OUT/classes" "$OUT/test-classes"
javac --release 17 -Xlint:all -Werror -d "$OUT/classes" $(find java-bindings/src/main/java -name '*.java')
jar --create --file "$OUT/volclone.jar" -C "$OUT/classes" .
TEST_CP="$J/junit-jupiter-api.jar:$J/apiguardian-api.jar:$J/opentest4j.jar:$J/junit-platform-commons.jar"
javac --release 17 -Xlint:all,-processing -d "$OUT/test-classes" -cp "$OUT/volclone.jar:$TEST_CP" $(find java-bindings/src/test/java -name '*.java')
set +e
java -Xcheck:jni -Djava.library.path="$ROOT/target/release" -jar "$J/junit-platform-console-standalone.jar" \
  --class-path "$OUT/volclone.jar:$OUT/test-classes" --select-package io.volclone \
  --disable-banner --details=tree --disable-ansi-colors 2>&1 | tee "$OUT/junit.log"
rc=${PIPESTATUS[0]}
set -e
ok=$(sed -n 's/.*\[ *\([0-9]*\) tests successful *\].*/\1/p' "$OUT/junit.log" | tail -1)
bad=$(sed -n 's/.*\[ *\([0-9]*\) tests failed *\].*/\1/p' "$OUT/junit.log" | tail -1)
echo "java: ${ok:-0} passed, ${bad:-0} failed"
exit "$rc"
