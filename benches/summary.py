#!/usr/bin/env python3
"""summary.py FILES_MD [ZFS_LOG...]: the ratio tables of one benchmark run.

FILES_MD is the report of benches/compare.sh (the anchors harness's raw TSV section); each
ZFS_LOG is the output of benches/zfs.sh. Every figure is a ratio against an anchor measured in
the same run: volclone's MiB/s over qemu-img's and over LINSTOR's dd, and volclone's CPU
seconds per GiB over qemu-img's (below 1: less CPU)."""
import re
import sys


def files_table(path):
    rows = {}
    in_raw = False
    for line in open(path):
        if line.startswith("## Raw results"):
            in_raw = True
            continue
        if not in_raw or "\t" not in line:
            continue
        f = line.rstrip("\n").split("\t")
        if len(f) < 11 or f[5] == "FAIL":
            continue
        fs, img, dst, tool, mib = f[0], f[1], f[2], f[3], float(f[4])
        rows[(fs, img, dst, tool)] = {"mibps": float(f[5]), "cpu_per_gib": float(f[9]) / (mib / 1024), "du": f[10], "verify": f[11]}
    out = ["| image | target | volclone MiB/s | ÷ qemu-img | ÷ LINSTOR dd | CPU s/GiB volclone | CPU s/GiB qemu-img | CPU ratio | du MiB | verified |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    cells = sorted({k[:3] for k in rows})
    for fs, img, dst in cells:
        v = rows.get((fs, img, dst, "x:volclone"))
        q = rows.get((fs, img, dst, "qemu-img-S4k-m8W"))
        d = rows.get((fs, img, dst, "dd-linstor"))
        if not v:
            continue
        ratio = lambda a, b: f"{a / b:.2f}" if b else "-"
        out.append(
            f"| {img} | {fs} → {dst} | {v['mibps']:.0f} | {ratio(v['mibps'], q['mibps']) if q else '-'} | "
            f"{ratio(v['mibps'], d['mibps']) if d else '-'} | {v['cpu_per_gib']:.2f} | {q['cpu_per_gib']:.2f} | "
            f"{ratio(v['cpu_per_gib'], q['cpu_per_gib']) if q else '-'} | {v['du']} | {v['verify']} |"
            if q else f"| {img} | {fs} → {dst} | {v['mibps']:.0f} | - | {ratio(v['mibps'], d['mibps']) if d else '-'} | {v['cpu_per_gib']:.2f} | - | - | {v['du']} | {v['verify']} |"
        )
    return "\n".join(out)


def zfs_lines(path):
    keep = []
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        if line.startswith("RESULT ") or line.startswith("| ") or line.startswith("|---") or re.match(r"^\d+ passed, \d+ failed", line) or line.startswith("zfsvm:"):
            keep.append(line[len("RESULT "):] if line.startswith("RESULT ") else line)
    return "\n".join(keep)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print("### Files and loop devices (benches/compare.sh)\n")
    print(files_table(sys.argv[1]))
    for z in sys.argv[2:]:
        print(f"\n### ZFS in the OpenZFS VM ({z})\n")
        print(zfs_lines(z))


if __name__ == "__main__":
    main()
