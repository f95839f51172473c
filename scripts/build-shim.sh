#!/usr/bin/env bash
# build-shim.sh: builds target/release/volclone-zfs, the zfs shim's pass-through, statically
# linked (glibc static, crt-static): every zfs command a satellite runs starts it, and a static
# binary skips the dynamic loader (loading libc and libgcc_s) on each call. Run it after any
# `cargo build --release` of the whole package, which would rebuild it dynamically linked.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo rustc --release --quiet --bin volclone-zfs -- -C target-feature=+crt-static
