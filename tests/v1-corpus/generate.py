#!/usr/bin/env python3
"""Generates the request-format v1 compatibility corpus.

Writes candidate v1 requests (the shipped examples, variants over every provider, layer stack and
option, every spelling of "unset" ZFS and LINSTOR print, and names of every kind) and keeps those
that a given volclone accepts (`volclone plan` exits 0 or 3). Run once with the first 0.1.0 build:

    tests/v1-corpus/generate.py /path/to/volclone-0.1.0-first/volclone tests/v1-corpus/requests

Every request kept there must be accepted by every later 0.1.x (scripts/v1-corpus.sh replays
them in CI). Candidates the first release refused are not kept: they carry no promise.
"""
import copy
import json
import os
import subprocess
import sys

SEED = {
    "version": 1,
    "source": {
        "provider": "ZFS_THIN", "storage_pool": "incus", "layers": ["DRBD", "STORAGE"], "drbd_metadata": "internal",
        "volume": "tmp-pool/incus/vm-base_00000", "size_bytes": 10737418240, "exists": True,
        "zfs": {"encryption": "aes-256-gcm", "encryption_root": "tmp-pool/incus", "key_status": "available",
                "key_location": "file:///etc/zfs/keys/incus.key"},
    },
    "target": {
        "provider": "ZFS_THIN", "storage_pool": "incus", "layers": ["DRBD", "STORAGE"], "drbd_metadata": "internal",
        "volume": "tmp-pool/incus/vm-clone_00000", "size_bytes": 10737418240, "exists": True,
        "zfs": {"encryption": "aes-256-gcm", "encryption_root": "tmp-pool/incus", "key_status": "available"},
    },
    "options": {"use_zfs_clone": False, "allow_decrypt": False, "zfs_version": "2.1.11"},
}

PLAIN = {"encryption": "off", "key_status": "none"}


def side(provider, volume, pool="p", layers=None, zfs=None, **kw):
    s = {"provider": provider, "storage_pool": pool, "volume": volume, "size_bytes": 1 << 30, "exists": True}
    if layers is not None:
        s["layers"] = layers
    if zfs is not None:
        s["zfs"] = zfs
    s.update(kw)
    return s


def bases():
    yield "seed", SEED
    plain = copy.deepcopy(SEED)
    for k in ("source", "target"):
        plain[k]["zfs"] = dict(PLAIN)
    yield "plain-zfs", plain
    yield "lvm-thin", {"version": 1, "source": side("LVM_THIN", "vg/src_00000"), "target": side("LVM_THIN", "vg/tgt_00000", exists=False)}
    yield "lvm-thin-pools", {"version": 1, "source": side("LVM_THIN", "vg/src_00000", pool="a"), "target": side("LVM_THIN", "vg2/tgt_00000", pool="b")}
    yield "lvm-thick", {"version": 1, "source": side("LVM", "vg/src_00000"), "target": side("LVM", "vg/tgt_00000")}
    yield "file", {"version": 1, "source": side("FILE", "/var/lib/linstor/src.img"), "target": side("FILE_THIN", "/var/lib/linstor/tgt.img")}
    yield "zfs-thick-drbd-external", {"version": 1,
        "source": side("ZFS", "tank/src_00000", layers=["DRBD", "STORAGE"], zfs=dict(PLAIN), drbd_metadata="external"),
        "target": side("ZFS", "tank/tgt_00000", layers=["DRBD", "STORAGE"], zfs=dict(PLAIN), drbd_metadata="external")}
    yield "luks-zfs", {"version": 1,
        "source": side("ZFS_THIN", "tank/src_00000", layers=["LUKS", "STORAGE"], zfs=dict(PLAIN)),
        "target": side("ZFS_THIN", "tank/tgt_00000", layers=["LUKS", "STORAGE"], zfs=dict(PLAIN))}
    yield "luks-lvm-drbd", {"version": 1,
        "source": side("LVM_THIN", "vg/src_00000", layers=["DRBD", "LUKS", "STORAGE"]),
        "target": side("LVM_THIN", "vg/tgt_00000", layers=["DRBD", "LUKS", "STORAGE"])}
    yield "zfs-to-lvm", {"version": 1, "source": side("ZFS_THIN", "tank/src_00000", zfs=dict(PLAIN)), "target": side("LVM_THIN", "vg/tgt_00000")}
    yield "enc-to-plain", {"version": 1,
        "source": side("ZFS_THIN", "enc/src_00000", zfs={"encryption": "aes-256-gcm", "encryption_root": "enc", "key_status": "available"}),
        "target": side("ZFS_THIN", "plain/tgt_00000", zfs=dict(PLAIN), exists=False)}
    yield "key-unavailable", {"version": 1,
        "source": side("ZFS_THIN", "enc/src_00000", zfs={"encryption": "aes-256-gcm", "encryption_root": "enc", "key_status": "unavailable", "key_location": "prompt"}),
        "target": side("ZFS_THIN", "enc/tgt_00000", zfs={"encryption": "aes-256-gcm", "encryption_root": "enc", "key_status": "unavailable"}, exists=False)}


def mutations(name, req):
    yield name, req
    def mut(label, f):
        r = copy.deepcopy(req)
        try:
            f(r)
        except (KeyError, TypeError):
            return None
        return (f"{name}.{label}", r)
    unset = {"empty": "", "dash": "-"}
    for sidename in ("source", "target"):
        s = req[sidename]
        if "zfs" in s:
            for sp, v in list(unset.items()) + [("none", "none"), ("absent", None)]:
                for field in ("encryption_root", "key_location"):
                    def f(r, field=field, v=v, sidename=sidename):
                        if v is None:
                            r[sidename]["zfs"].pop(field, None)
                        else:
                            r[sidename]["zfs"][field] = v
                    yield mut(f"{sidename}.zfs.{field}={sp}", f)
            for sp, v in unset.items():
                for field in ("key_status", "encryption"):
                    yield mut(f"{sidename}.zfs.{field}={sp}", lambda r, field=field, v=v, sidename=sidename: r[sidename]["zfs"].__setitem__(field, v))
            yield mut(f"{sidename}.zfs.key_location=prompt", lambda r, sidename=sidename: r[sidename]["zfs"].__setitem__("key_location", "prompt"))
        for sp, v in unset.items():
            for field in ("device_path", "drbd_metadata"):
                yield mut(f"{sidename}.{field}={sp}", lambda r, field=field, v=v, sidename=sidename: r[sidename].__setitem__(field, v))
        yield mut(f"{sidename}.device_path=abs", lambda r, sidename=sidename: r[sidename].__setitem__("device_path", "/dev/mapper/x CF_1"))
        yield mut(f"{sidename}.exists=absent", lambda r, sidename=sidename: r[sidename].pop("exists"))
        yield mut(f"{sidename}.layers=absent", lambda r, sidename=sidename: r[sidename].pop("layers", None))
        yield mut(f"{sidename}.storage_pool=empty", lambda r, sidename=sidename: r[sidename].__setitem__("storage_pool", ""))
        yield mut(f"{sidename}.storage_pool=spaced", lambda r, sidename=sidename: r[sidename].__setitem__("storage_pool", "pool one"))
        vol = s["volume"]
        yield mut(f"{sidename}.volume=space", lambda r, sidename=sidename, vol=vol: r[sidename].__setitem__("volume", vol + " copy"))
        yield mut(f"{sidename}.size=odd", lambda r, sidename=sidename: r[sidename].__setitem__("size_bytes", 1073741825))
    for sp, v in unset.items():
        yield mut(f"options.zfs_version={sp}", lambda r, v=v: r.setdefault("options", {}).__setitem__("zfs_version", v))
    for v in ("zfs-2.1.11-1+deb12u1", "2.3.2-2~bpo12+2", "2.2"):
        yield mut(f"options.zfs_version={v}", lambda r, v=v: r.setdefault("options", {}).__setitem__("zfs_version", v))
    yield mut("options=absent", lambda r: r.pop("options", None))
    yield mut("options=empty", lambda r: r.__setitem__("options", {}))
    yield mut("options.forbid=DD", lambda r: r.setdefault("options", {}).__setitem__("forbid", ["DD"]))
    yield mut("options.forbid=all", lambda r: r.setdefault("options", {}).__setitem__("forbid", ["ZFS_COPY", "ZFS_CLONE", "BLOCK_COPY", "LVM_THIN_CLONE", "ZFS_RAW_COPY"]))
    yield mut("options.linstor_stock", lambda r: r.setdefault("options", {}).__setitem__("linstor_stock", True))
    yield mut("options.use_zfs_clone", lambda r: r.setdefault("options", {}).__setitem__("use_zfs_clone", True))
    yield mut("options.allow_decrypt", lambda r: r.setdefault("options", {}).__setitem__("allow_decrypt", True))


def accepted(binary, text):
    p = subprocess.run([binary, "plan", "--json", "-"], input=text.encode(), capture_output=True)
    return p.returncode in (0, 3), p.returncode, p.stderr.decode(errors="replace").strip()


def main():
    binary, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    kept = refused = 0
    for bname, base in bases():
        for m in mutations(bname, base):
            if m is None:
                continue
            name, req = m
            text = json.dumps(req, indent=2)
            ok, rc, err = accepted(binary, text)
            if ok:
                with open(os.path.join(out, name + ".json"), "w") as f:
                    f.write(text + "\n")
                kept += 1
            else:
                refused += 1
    print(f"kept {kept} requests the given volclone accepts; {refused} it refused were not kept")


if __name__ == "__main__":
    main()
