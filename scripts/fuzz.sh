#!/usr/bin/env bash
# fuzz.sh [SECONDS | --runs N]: runs every cargo-fuzz target (fuzz/fuzz_targets: the plan JSON
# (volclone_plan_json), the execute request and options (volclone_execute, JNI execute), the copy
# options (volclone_copy_json, BlockCopier), `zfs get` output, the zfs shim's argv and stream
# header, the checkpoint file, the C options struct of any size) for SECONDS each (default 60),
# or to N executions each (`--runs 10000000` is the documented long run), seeded from
# fuzz/seeds/<target> with the JSON keys' dictionary. Installs cargo-fuzz if missing; cargo-fuzz
# needs nightly flags, which RUSTC_BOOTSTRAP=1 lets the stable toolchain take. Prints one line
# per target: executions, seconds, coverage, corpus; exits non-zero on a crash (its input is
# left under fuzz/artifacts/<target>/: make it a regression test).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT/fuzz"
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --quiet
limit=(-max_total_time="${1:-60}")
[ "${1:-}" = --runs ] && limit=(-runs="${2:?--runs N}")
TARGETS=${FUZZ_TARGETS:-plan_json exec_options copy_options zfs_get shim_input checkpoint_file c_structs}
cargo fuzz build -O $TARGETS >/dev/null 2>&1 || cargo fuzz build -O
summary=()
for t in $TARGETS; do
  mkdir -p "corpus/$t"
  cp -n seeds/"$t"/* "corpus/$t/" 2>/dev/null || true
  dict=(); case $t in plan_json|exec_options|copy_options|checkpoint_file) dict=(-dict=dict/json.dict) ;; esac
  start=$(date +%s)
  set +e
  cargo fuzz run -O "$t" "corpus/$t" -- "${limit[@]}" -max_len=4096 "${dict[@]}" -print_final_stats=1 > "/tmp/fuzz-$t.log" 2>&1
  rc=$?
  set -e
  secs=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "/tmp/fuzz-$t.log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "/tmp/fuzz-$t.log" | tail -1 | tr -dc 0-9)
  corpus=$(ls "corpus/$t" | wc -l)
  line="$t: ${execs:-?} executions in $secs s, coverage ${cov:-?} edges, corpus $corpus"
  if [ "$rc" != 0 ]; then
    tail -40 "/tmp/fuzz-$t.log"
    echo "fuzz: $line: CRASH (rc $rc; the input is under fuzz/artifacts/$t/)"
    exit 1
  fi
  summary+=("$line")
  echo "fuzz: $line, no crash"
done
echo "fuzz: every target ran without a crash:"
printf '  %s\n' "${summary[@]}"
