#!/usr/bin/env bash
# zfs-vm-images.sh [VERSIONS]: builds the OpenZFS VM images (Debian 6.1 kernel + initramfs with the
# DKMS-built zfs module; tests/zfsvm/build.sh), one version after the other (each DKMS build uses
# every core), cached under /var/cache/zfsvm: a second call only checks. Default "2.1 2.3".
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
for ver in ${1:-${ZFS_VERSIONS:-2.1 2.3}}; do
  echo "== zfs-vm: the OpenZFS $ver image (cached after the first time)"
  ZFS_VERSION=$ver "$ROOT/tests/zfsvm/build.sh" 2>&1 | tail -2
done
