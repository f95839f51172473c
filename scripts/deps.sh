#!/usr/bin/env bash
# deps.sh: installs the Debian packages the tests need, where missing (root; apt-get).
set -euo pipefail
need=()
for p in gcc g++ pkg-config valgrind util-linux junit5 abigail-tools binutils python3 dpkg-dev; do
  dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "== deps: apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 "${need[@]}" >/dev/null
fi
