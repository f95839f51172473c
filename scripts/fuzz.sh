#!/usr/bin/env bash
# fuzz.sh [SECONDS]: runs the cargo-fuzz target plan_json (the C entry point volclone_plan_json)
# for SECONDS (default 60), seeded with the request examples. Installs cargo-fuzz if missing.
# cargo-fuzz needs nightly flags; RUSTC_BOOTSTRAP=1 lets the stable toolchain take them.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT/fuzz"
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --quiet
mkdir -p corpus/plan_json
cp seeds/*.json corpus/plan_json/
cargo fuzz run plan_json corpus/plan_json -- -max_total_time="${1:-60}" -max_len=4096 2>&1 | tail -15
echo "fuzz: plan_json ran ${1:-60} s without a crash"
