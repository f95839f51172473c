#!/usr/bin/env python3
"""Per-call overhead of the zfs shim's pass-through: LINSTOR's `zfs list -r -H -p -o ... -t
volume,snapshot POOL` run N times through the shim and N times straight at the same program,
interleaved, in one run; prints the medians and the added median per call.

    benches/shim-overhead.py [REAL_ZFS] [N]

REAL_ZFS defaults to the real zfs if there is one (/usr/sbin/zfs, /sbin/zfs), else /bin/true
(the host has no ZFS: then the figure is the shim's own cost, which is what it adds anyway).
"""
import os, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
real = sys.argv[1] if len(sys.argv) > 1 else next((p for p in ("/usr/sbin/zfs", "/sbin/zfs") if os.path.exists(p)), "/bin/true")
n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
# What the package ships: volclone and the static pass-through beside it; the shim directory's
# zfs is a link to the pass-through (as `volclone linstor-shim install` makes it).
subprocess.run(["cargo", "build", "--release", "-q", "--bin", "volclone"], cwd=ROOT, check=True)
subprocess.run([os.path.join(ROOT, "scripts/build-shim.sh")], cwd=ROOT, check=True)
d = tempfile.mkdtemp()
os.symlink(os.path.join(ROOT, "target/release/volclone-zfs"), os.path.join(d, "zfs"))
argv = ["list", "-r", "-H", "-p", "-o", "name,refer,volsize,type,volblocksize,origin,clones", "-t", "volume,snapshot", "tank"]
env = dict(os.environ, VOLCLONE_REAL_ZFS=real)
through, direct = [], []
for i in range(n):
    for prog, out in ((os.path.join(d, "zfs"), through), (real, direct)) if i % 2 == 0 else ((real, direct), (os.path.join(d, "zfs"), through)):
        t = time.perf_counter()
        subprocess.run([prog] + argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out.append(time.perf_counter() - t)
mt, md = statistics.median(through), statistics.median(direct)
print(f"real zfs: {real}; {n} calls each, interleaved")
print(f"median per call: direct {md*1e3:.3f} ms, through the shim {mt*1e3:.3f} ms, added {(mt-md)*1e3:.3f} ms ({mt/md:.2f}x)")
print(f"p90 added: {(sorted(through)[int(n*0.9)] - sorted(direct)[int(n*0.9)])*1e3:.3f} ms")
