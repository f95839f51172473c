#!/usr/bin/env bash
# java-build.sh: builds libvolclone_jni (release) and java-bindings/build/volclone.jar with javac + jar.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
cargo build --release -p volclone-jni -p volclone-jni-test --quiet
OUT=java-bindings/build
rm -rf "$OUT/classes"; mkdir -p "$OUT/classes"
javac --release 17 -Xlint:all -Werror -d "$OUT/classes" $(find java-bindings/src/main/java -name '*.java')
jar --create --file "$OUT/volclone.jar" -C "$OUT/classes" .
