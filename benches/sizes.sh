#!/usr/bin/env bash
# sizes.sh: volclone copy against qemu-img (`qemu-img convert -f raw -O raw -n -S 4k -m 8 -W`,
# the fastest qemu-img anchor) on files of several sizes, dense and sparse (25% data), onto a
# fresh thin file on the disk, through benches/compare.sh (the shared anchors harness: per run
# the destination made again and the caches dropped, untimed; timed `<tool> && sync`). At small
# sizes a copy takes a fraction of a second, so volclone's fixed costs (start-up, lock,
# checkpoint, threads, fsync) weigh: this is where they show.
# volclone's default streams a pair of files (the page cache, left as found; since 0.2.0); also,
# in the same runs, `--io direct` (O_DIRECT, the default of 0.1.x) and `--io buffered` (the page
# cache, as qemu-img writes).
# Usage: benches/sizes.sh [--out FILE]   (root; SIZES "64 256 1024" MiB, RUNS 9)
# Prints a table: size, image, medians in MiB/s, and each volclone / qemu-img.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=""; [ "${1:-}" = --out ] && OUT=${2:?--out FILE}
tmp=$(mktemp -d); scratch=${SCRATCH:-/var/tmp}/volclone-sizes.$$; mkdir -p "$scratch"
trap 'rm -rf "$tmp" "$scratch"' EXIT
(cd "$ROOT" && cargo build --release --quiet --bin volclone)
command -v qemu-img > /dev/null || apt-get install -y -q --no-install-recommends qemu-utils > /dev/null
V=$ROOT/target/release/volclone
# Fixed costs: a 1 MiB copy onto a fresh file (made untimed), `&& sync` timed, 21 times each,
# interleaved; the medians are what each tool costs before its first byte matters.
head -c 1048576 /dev/urandom > "$scratch/src"
ms() { local t0 t1; rm -f "$scratch/dst"; truncate -s 1M "$scratch/dst"; sync; t0=$(date +%s%N); "$@" > /dev/null 2>&1 && sync; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000 )); }
vt=(); qt=()
for i in $(seq 21); do
  vt+=("$(ms "$V" copy --quiet "$scratch/src" "$scratch/dst")")
  qt+=("$(ms qemu-img convert -f raw -O raw -n -S 4k -m 8 -W "$scratch/src" "$scratch/dst")")
done
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {printf "%.1f", a[int((NR + 1) / 2)] / 1000}'; }
fixed="Fixed costs (a 1 MiB copy onto a fresh file, then sync; median of 21): volclone $(med "${vt[@]}") ms, qemu-img $(med "${qt[@]}") ms."
echo "$fixed"
# median_of MIB IMG TOOL: the tool's median MiB/s, from the harness's raw TSV (fs img dst tool
# MiB med_MiBps ...; an extra tool's id is x:LABEL).
median_of() { awk -F'\t' -v i="$2" -v t="$3" '$2==i && $4==t {print $6}' "$tmp/$1.md"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a / b}'; }
rows=()
for mib in ${SIZES:-64 256 1024}; do
  FULL_MIB=$mib SPARSE_MIB=$mib IMAGES="full sparse" DSTS=file FSES=disk RUNS=${RUNS:-9} \
    ANCHOR_TOOLS=qemu-img-S4k-m8W "$ROOT/benches/compare.sh" --no-limits --out "$tmp/$mib.md" \
    --tool "direct::$V copy --quiet --io direct {src} {dst}" \
    --tool "buffered::$V copy --quiet --io buffered {src} {dst}" > "$tmp/$mib.log" 2>&1 \
    || { tail -20 "$tmp/$mib.log"; exit 1; }
  for img in full sparse; do
    q=$(median_of "$mib" $img qemu-img-S4k-m8W); v=$(median_of "$mib" $img x:volclone); dr=$(median_of "$mib" $img x:direct)
    b=$(median_of "$mib" $img x:buffered)
    rows+=("| $mib MiB | $img | $q | $v | $(ratio "$v" "$q") | $dr | $(ratio "$dr" "$q") | $b | $(ratio "$b" "$q") |")
  done
done
{
  echo "| size | image | qemu-img MiB/s | volclone (default) MiB/s | default / qemu-img | volclone --io direct MiB/s | direct / qemu-img | volclone --io buffered MiB/s | buffered / qemu-img |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "$fixed"
} | tee ${OUT:+"$OUT"}
