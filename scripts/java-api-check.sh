#!/usr/bin/env bash
# java-api-check.sh: the public Java API (io.volclone, io.volclone.linstor) against its baseline
# java-bindings/api/volclone-java.api, the API of 0.1.0 plus what was added since. Released
# interfaces change only by addition: every line of the baseline (a public class, a public or
# protected member with its signature, from `javap -public`) must still be there; new lines are
# additions, and are blessed into the baseline with
#   VOLCLONE_BLESS=1 scripts/java-api-check.sh
# which refuses to bless a removal. First checks that a removed method and a changed signature
# are seen. Needs java-bindings/build/classes (scripts/java-build.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BASE=java-bindings/api/volclone-java.api
CLASSES=${1:-java-bindings/build/classes}
W=$(mktemp -d /tmp/volclone-japi.XXXXXX)
trap 'rm -rf "$W"' EXIT

# One line per public type and member: "<type>: <member>", sorted.
dump() {
  local dir=$1
  (cd "$dir" && find io -name '*.class' | sed 's/\.class$//; s|/|.|g' | sort) > "$W/names"
  # javap prints a type's public members; non-public types print only their header, dropped here.
  javap -public -cp "$dir" $(cat "$W/names") 2>/dev/null | awk '
    /^Compiled from/ { next }
    /^(public|protected) .*(class|interface|enum|record) / {
      head=$0; sub(/ *\{$/, "", head)
      n=split(head, w, " "); for (i=1; i<=n; i++) if (w[i] ~ /^(class|interface|enum|record)$/) { cur=w[i+1]; break }
      print cur ": " head; next
    }
    /^[a-z].*(class|interface|enum|record) / { cur=""; next }
    /^}/ { cur=""; next }
    cur != "" && /;$/ { m=$0; sub(/^ +/, "", m); print cur ": " m }
  ' | sort -u
}
dump "$CLASSES" > "$W/now.api"
[ -s "$W/now.api" ] || { echo "java-api-check: no public API found in $CLASSES (build it: scripts/java-build.sh)"; exit 1; }

removed() { comm -23 "$1" "$2"; }

# The check must be able to fail: a method gone, a signature changed.
grep -v 'public static io.volclone.ClonePlan plan(' "$W/now.api" > "$W/nofn.api"
sed 's/public static io.volclone.CopyReport copy(java.nio.file.Path,/public static io.volclone.CopyReport copy(java.lang.String,/' "$W/now.api" > "$W/sig.api"
for broken in nofn sig; do
  [ -n "$(removed "$W/now.api" "$W/$broken.api")" ] || { echo "java-api-check: a break went unseen ($broken)"; exit 1; }
done

if [ "${VOLCLONE_BLESS:-}" = 1 ]; then
  if [ -f "$BASE" ] && [ -n "$(removed "$BASE" "$W/now.api")" ]; then
    removed "$BASE" "$W/now.api"
    echo "java-api-check: refusing to bless: the lines above were removed or changed (a breaking change needs a new major version and a deprecation first)"
    exit 1
  fi
  cp "$W/now.api" "$BASE"
  echo "java-api-check: baseline $BASE blessed ($(wc -l < "$BASE") lines)"
  exit 0
fi
[ -f "$BASE" ] || { echo "java-api-check: no baseline $BASE"; exit 1; }
gone=$(removed "$BASE" "$W/now.api")
if [ -n "$gone" ]; then
  echo "$gone"
  echo "java-api-check: INCOMPATIBLE: the public Java API above was removed or changed since the baseline"
  exit 1
fi
added=$(comm -13 "$BASE" "$W/now.api")
if [ -n "$added" ]; then
  echo "$added"
  echo "java-api-check: the API grew (above): VOLCLONE_BLESS=1 scripts/java-api-check.sh to accept it, and say so in CHANGELOG.md"
  exit 1
fi
echo "java-api-check: the public Java API matches $BASE ($(wc -l < "$BASE") lines)"
