#!/usr/bin/env bash
# maven-tests.sh: the Java artifact as integrators get it: `mvn verify` in java-bindings/ builds
# the jar with libvolclone_jni for linux-x86_64 inside (plus the sources and javadoc jars) and runs
# the JUnit 5 suite under -Xcheck:jni with the library loaded from the jar's classes alone, on
# Java 17 and again on the newer JDK of the machine (LINSTOR runs on 21). Prints
# "maven: N passed, M failed".
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
cargo build --release -p volclone-jni -p volclone-jni-test --quiet
total=0; bad=0
newer=$(ls -d /usr/lib/jvm/temurin-*-jdk-amd64 2>/dev/null | sort -V | tail -1 || true)
for jdk in /usr/lib/jvm/java-17-openjdk-amd64 $newer; do
  [ -x "$jdk/bin/java" ] || continue
  echo "== maven verify on $("$jdk/bin/java" -version 2>&1 | head -1)"
  (cd java-bindings && JAVA_HOME=$jdk RUST_BACKTRACE=0 mvn -q -B verify > target-mvn.log 2>&1) || { tail -40 java-bindings/target-mvn.log; exit 1; }
  rm -f java-bindings/target-mvn.log
  read -r t f < <(cat java-bindings/target/surefire-reports/TEST-*.xml | sed -n 's/.*<testsuite [^>]*tests="\([0-9]*\)"[^>]*failures="\([0-9]*\)".*/\1 \2/p' | awk '{t+=$1; f+=$2} END {print t+0, f+0}')
  total=$((total + t)); bad=$((bad + f))
done
ls java-bindings/target/volclone-*.jar
version=$(scripts/version.sh)
grep -q 'io/volclone/native/linux-x86_64/libvolclone_jni.so' <<<"$(jar tf "java-bindings/target/volclone-$version.jar")" || { echo "the jar lacks the native library"; exit 1; }
echo "maven: $total passed, $bad failed"
[ "$bad" = 0 ]
