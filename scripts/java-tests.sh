#!/usr/bin/env bash
# java-tests.sh: builds libvolclone_jni (release) and java-bindings/build/volclone.jar with javac + jar
# (no Maven), then runs the JUnit 5 tests (JUnit from Debian's junit5 package) with -Xcheck:jni,
# in the default locale and in tr-TR.
# Prints "java: N passed, M failed".
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
J=/usr/share/java
for jar in junit-platform-console-standalone junit-jupiter-api apiguardian-api opentest4j junit-platform-commons; do
  [ -f "$J/$jar.jar" ] || { echo "missing $J/$jar.jar: apt-get install junit5 (scripts/deps.sh does)"; exit 1; }
done
scripts/java-build.sh
OUT=java-bindings/build
rm -rf "$OUT/test-classes"; mkdir -p "$OUT/test-classes"
TEST_CP="$J/junit-jupiter-api.jar:$J/apiguardian-api.jar:$J/opentest4j.jar:$J/junit-platform-commons.jar"
javac --release 17 -Xlint:all,-processing -d "$OUT/test-classes" -cp "$OUT/volclone.jar:$TEST_CP" $(find java-bindings/src/test/java -name '*.java')
# Twice: in the default locale, and in a Turkish one (dotless i: every case conversion must be
# Locale.ROOT).
total_ok=0; total_bad=0; rc=0
for locale in default tr-TR; do
  props=()
  [ "$locale" = tr-TR ] && props=(-Duser.language=tr -Duser.country=TR)
  echo "== JUnit, locale $locale"
  set +e
  java -Xcheck:jni "${props[@]}" -Djava.library.path="$ROOT/target/release" -jar "$J/junit-platform-console-standalone.jar" \
    --class-path "$OUT/volclone.jar:$OUT/test-classes" --select-package io.volclone \
    --disable-banner --details=tree --disable-ansi-colors > "$OUT/junit-$locale.log" 2>&1
  r=$?
  set -e
  grep -vE '^\s+(at |[0-9]+: )' "$OUT/junit-$locale.log" | grep -E '✘|tests (successful|failed)|Exception' | head -40
  ok=$(sed -n 's/.*\[ *\([0-9]*\) tests successful *\].*/\1/p' "$OUT/junit-$locale.log" | tail -1)
  bad=$(sed -n 's/.*\[ *\([0-9]*\) tests failed *\].*/\1/p' "$OUT/junit-$locale.log" | tail -1)
  total_ok=$((total_ok + ${ok:-0})); total_bad=$((total_bad + ${bad:-0}))
  [ "$r" = 0 ] || rc=$r
done
echo "java: $total_ok passed, $total_bad failed"
exit "$rc"
