#!/usr/bin/env bash
# readme-quickstart.sh: runs the README's quick-start "main job" line exactly as written (the first
# command of its Quick start block) and checks that it did the job: a plan, and a verified thin
# copy. The README is the contract; this keeps its first command working (it once broke when a
# second binary made a bare `cargo run` ambiguous).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# The first line of the fenced block after "## Quick start", without its comment.
cmd=$(awk '/^## Quick start/ { q = 1 } q && /^```sh/ { getline; sub(/ *#.*/, ""); print; exit }' README.md)
[ -n "$cmd" ] || { echo "readme-quickstart: no command found under '## Quick start' in README.md"; exit 1; }
echo "\$ $cmd"
out=$(mktemp); trap 'rm -f "$out"' EXIT
if ! bash -c "$cmd" > "$out" 2>&1; then
  cat "$out"; echo "readme-quickstart: FAILED: the README's command exited non-zero"; exit 1
fi
fail=0
for want in "ZFS_CLONE" "verify: identical" "thin stays thin"; do
  grep -qF "$want" "$out" || { echo "readme-quickstart: FAILED: its output lacks \"$want\""; fail=1; }
done
[ $fail = 0 ] || { cat "$out"; exit 1; }
echo "readme-quickstart: the README's first command ran and its output has the plan and a verified thin copy"
