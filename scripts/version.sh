#!/usr/bin/env bash
# version.sh: prints volclone's version, the workspace's in Cargo.toml (what the crates, the
# header's macros, the pom and the packages carry; ffi/tests/versions.rs keeps them equal).
set -euo pipefail
sed -n 's/^version = "\(.*\)"/\1/p' "$(cd "$(dirname "$0")/.." && pwd)/Cargo.toml" | head -1
