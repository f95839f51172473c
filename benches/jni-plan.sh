#!/usr/bin/env bash
# jni-plan.sh [SECONDS]: calls per second of the JNI planning call, from Java (after scripts/java-tests.sh built the jars).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=java-bindings/build
[ -f "$OUT/volclone.jar" ] && [ -d "$OUT/test-classes" ] || scripts/java-tests.sh >/dev/null
java -Djava.library.path="$ROOT/target/release" -cp "$OUT/volclone.jar:$OUT/test-classes" io.volclone.PlanBench "${1:-3}"
