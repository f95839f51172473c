#!/usr/bin/env bash
# sizes.sh: volclone copy against qemu-img (`qemu-img convert -f raw -O raw -n -S 4k -m 8 -W`,
# the fastest qemu-img anchor) on files of several sizes, dense and sparse (25% data in scattered
# 1 MiB extents, the rest holes: the anchors harness's images, made by its benchtool), onto a
# fresh thin file on the disk. At small sizes a copy takes
# a fraction of a second, so volclone's fixed costs (start-up, lock, checkpoint, threads, fsync)
# weigh: this is where they show.
# volclone's default streams a pair of files (the page cache, left as found; since 0.2.0); also
# `--io direct` (O_DIRECT, the default of 0.1.x) and `--io buffered` (the page cache, as qemu-img
# writes). The tools are **interleaved**: each round runs every tool once, in a rotated order, so
# the host's drift over minutes (this machine's disk moves by 20% and more) lands on all of them
# alike; the shared anchors harness runs each tool's runs back to back. Per run, untimed: a fresh
# thin target (truncate), `sync`, source and target dropped from the page cache (fadvise, as the
# harness does); timed: `<tool> && sync`. Every copy is compared with its source after the timing.
# Usage: benches/sizes.sh [--out FILE]   (root; SIZES "64 256 1024" MiB, RUNS 9)
# Prints a table: size, image, median MiB/s (min-max), and each volclone / qemu-img.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=""; [ "${1:-}" = --out ] && OUT=${2:?--out FILE}
scratch=${SCRATCH:-/var/tmp}/volclone-sizes.$$; mkdir -p "$scratch"
trap 'rm -rf "$scratch"' EXIT
(cd "$ROOT" && cargo build --release --quiet --bin volclone)
command -v qemu-img > /dev/null || apt-get install -y -q --no-install-recommends qemu-utils > /dev/null
V=$ROOT/target/release/volclone
BT=$scratch/benchtool
gcc -O2 -pthread -o "$BT" "${BENCHTOOL_C:-$ROOT/../shared/bench/benchtool.c}"
uncache() { local f; for f in "$@"; do dd if="$f" iflag=nocache count=0 status=none; done; }
# Fixed costs: a 1 MiB copy onto a fresh file (made untimed), `&& sync` timed, 21 times each,
# interleaved; the medians are what each tool costs before its first byte matters.
head -c 1048576 /dev/urandom > "$scratch/src"
ms() { local t0 t1; rm -f "$scratch/dst"; truncate -s 1M "$scratch/dst"; sync; t0=$(date +%s%N); "$@" > /dev/null 2>&1 && sync; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000 )); }
vt=(); qt=()
for i in $(seq 21); do
  vt+=("$(ms "$V" copy --quiet "$scratch/src" "$scratch/dst")")
  qt+=("$(ms qemu-img convert -f raw -O raw -n -S 4k -m 8 -W "$scratch/src" "$scratch/dst")")
done
# median / range VALUES...: the median; "median (min-max)".
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
range() { printf '%s (%s-%s)' "$(median "$@")" "$(printf '%s\n' "$@" | sort -n | head -1)" "$(printf '%s\n' "$@" | sort -n | tail -1)"; }
ms_of() { awk -v us="$(median "$@")" 'BEGIN{printf "%.1f", us / 1000}'; }
fixed="Fixed costs (a 1 MiB copy onto a fresh file, then sync; median of 21): volclone $(ms_of "${vt[@]}") ms, qemu-img $(ms_of "${qt[@]}") ms."
echo "$fixed"
# image FILE MIB KIND: dense (random data) or sparse (25% data in scattered 1 MiB extents).
image() {
  if [ "$3" = dense ]; then "$BT" fill "$1" "$2" 1; else "$BT" sparse "$1" "$2" 25 1; fi > /dev/null
  sync
}
tools=(qemu-img default direct buffered)
cmd_of() {
  case $1 in
    qemu-img) echo "qemu-img convert -f raw -O raw -n -S 4k -m 8 -W" ;;
    default) echo "$V copy --quiet" ;;
    *) echo "$V copy --quiet --io $1" ;;
  esac
}
rows=()
for mib in ${SIZES:-64 256 1024}; do
  for img in dense sparse; do
    src=$scratch/src.img dst=$scratch/dst.img
    image "$src" "$mib" $img
    declare -A rate=()
    for r in $(seq "${RUNS:-9}"); do
      n=${#tools[@]}
      for k in $(seq 0 $((n - 1))); do
        t=${tools[$(( (k + r) % n ))]}
        rm -f "$dst"; truncate -s "${mib}M" "$dst"; sync; uncache "$src" "$dst"
        t0=$(date +%s%N)
        $(cmd_of "$t") "$src" "$dst" > /dev/null 2> "$scratch/err" && sync || { echo "$t failed on $mib MiB $img:"; cat "$scratch/err"; exit 1; }
        t1=$(date +%s%N)
        cmp -s "$src" "$dst" || { echo "$t: the $mib MiB $img copy differs from its source"; exit 1; }
        rate[$t]+="$(awk -v m="$mib" -v ns=$((t1 - t0)) 'BEGIN{printf "%d", m / (ns / 1e9)}') "
      done
    done
    q=$(median ${rate[qemu-img]})
    row="| $mib MiB | $img | $(range ${rate[qemu-img]})"
    for t in default direct buffered; do
      row+=" | $(range ${rate[$t]}) | $(awk -v a="$(median ${rate[$t]})" -v b="$q" 'BEGIN{printf "%.2f", a / b}')"
    done
    rows+=("$row |")
    echo "${rows[-1]}"
    unset rate
  done
done
{
  echo "| size | image | qemu-img MiB/s | volclone (default) MiB/s | ÷ qemu-img | volclone --io direct | ÷ qemu-img | volclone --io buffered | ÷ qemu-img |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Interleaved rounds: ${RUNS:-9}; MiB/s medians (min-max over the runs). $fixed"
} | tee ${OUT:+"$OUT"}
