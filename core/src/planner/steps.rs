//! The steps each strategy runs. Never a `receive -F`: a pre-created target is replaced only
//! after the new copy exists, so a failure loses nothing.

use std::collections::BTreeMap;

use super::rules::{raw_key_location, same_zpool, sparse_mode};
use crate::plan::{Step, StepOp};
use crate::request::{CloneRequest, ProviderKind};
use crate::strategy::Strategy;

/// Suffix of the dataset or LV a clone is first made under when the target is pre-created. A
/// '.' is in no LINSTOR resource name (nor its volumes' `<rsc>_<nr>`), so LINSTOR can never take
/// this name for a volume of its own.
pub const TEMP_SUFFIX: &str = ".volclone-tmp";

/// LINSTOR's clone snapshot name, `CF_<hex>`, derived from the target so planning stays pure.
pub fn clone_snapshot_name(target_volume: &str) -> String {
    format!("CF_{:08x}", xxhash_rust::xxh3::xxh3_64(target_volume.as_bytes()) as u32)
}

/// The user properties LINSTOR puts on its clone snapshots.
pub fn clone_snapshot_properties(target_volume: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("linstor:clone_for".to_owned(), target_volume.to_owned()),
        ("linstor:marked_for_deletion".to_owned(), "true".to_owned()),
    ])
}

pub(super) fn steps(strategy: Strategy, req: &CloneRequest) -> Vec<Step> {
    let ops = match strategy {
        Strategy::ZfsCopy => zfs_send(req, false),
        Strategy::ZfsRawCopy => zfs_send(req, true),
        Strategy::ZfsClone => zfs_clone(req),
        Strategy::LvmThinClone => lvm_thin(req),
        Strategy::BlockCopy => vec![StepOp::BlockCopy {
            source: req.source.read_device(),
            target: req.target.device(),
            sparse: sparse_mode(req),
            // The caller who gives the snapshot's device path has opened it (LINSTOR's
            // openForClone); else volclone shows the snapshot's device for the copy.
            show_snapshot: if req.source.device_path.is_none() { snapshot_object(req) } else { None },
        }],
    };
    ops.into_iter().map(Step::from).collect()
}

/// Where the new copy is made: the target itself, or a temporary name beside a pre-created one.
fn landing(req: &CloneRequest) -> String {
    if req.target.exists { format!("{}{TEMP_SUFFIX}", req.target.volume) } else { req.target.volume.clone() }
}

/// The caller's snapshot as the executor names it: `vol@snap` for ZFS, `vg/lv` for LVM.
fn snapshot_object(req: &CloneRequest) -> Option<String> {
    let s = &req.source;
    let name = s.snapshot_name()?;
    Some(if s.provider.is_zfs() { format!("{}@{name}", s.volume) } else { format!("{}/{name}", s.container()) })
}

/// The snapshot the clone reads, and the step that takes it (none when the caller gave one).
fn source_snapshot(req: &CloneRequest) -> (String, Option<StepOp>) {
    if let Some(given) = req.source.zfs_snapshot() {
        return (given, None);
    }
    let name = format!("{}@{}", req.source.volume, clone_snapshot_name(&req.target.volume));
    let op = StepOp::ZfsSnapshot { snapshot: name.clone(), properties: clone_snapshot_properties(&req.target.volume) };
    (name, Some(op))
}

fn zfs_send(req: &CloneRequest, raw: bool) -> Vec<StepOp> {
    let (snap, snap_op) = source_snapshot(req);
    let into = landing(req);
    let key_location = if raw { raw_key_location(req) } else { None };
    let receive_properties = key_location
        .map(|l| BTreeMap::from([("keylocation".to_owned(), l.to_owned())]))
        .unwrap_or_default();
    let mut ops: Vec<StepOp> = snap_op.into_iter().collect();
    ops.extend([
        StepOp::ZfsSendReceive {
            snapshot: snap.clone(),
            target: into.clone(),
            raw,
            // OpenZFS refuses embedded-data streams into a dataset it has to encrypt.
            embed: !raw && !req.target.zfs_encrypted(),
            large_block: true,
            // Compressed blocks keep their algorithm on the target: safe within one pool, whose
            // features the received blocks need (a raw send sends them as stored anyway).
            compressed: !raw && same_zpool(req),
            force: false,
            receive_properties,
            from_stdin: false,
        },
    ]);
    if key_location.is_some() {
        ops.push(StepOp::ZfsLoadKey { dataset: into.clone() });
    }
    // Size and reservation go on the copy before it is swapped in: a kill after the rename
    // then leaves a finished clone.
    ops.extend(zfs_fixups(req, &into));
    ops.extend(swap_in(req, &into));
    // The received copy of the snapshot is ours; the source's is ours only if this plan took it.
    let received = format!("{}@{}", req.target.volume, snap.rsplit('@').next().unwrap_or_default());
    ops.push(StepOp::ZfsDestroySnapshot { snapshot: received });
    if req.source.snapshot.is_none() {
        ops.push(StepOp::ZfsDestroySnapshot { snapshot: snap });
    }
    ops
}

fn zfs_clone(req: &CloneRequest) -> Vec<StepOp> {
    let (snap, snap_op) = source_snapshot(req);
    let into = landing(req);
    let mut ops: Vec<StepOp> = snap_op.into_iter().collect();
    ops.push(StepOp::ZfsClone { snapshot: snap, target: into.clone() });
    ops.extend(zfs_fixups(req, &into));
    ops.extend(swap_in(req, &into));
    ops
}

fn swap_in(req: &CloneRequest, landed: &str) -> Vec<StepOp> {
    if !req.target.exists {
        return Vec::new();
    }
    let target = req.target.volume.clone();
    vec![
        StepOp::ZfsDestroyEmpty { dataset: target.clone(), successor: Some(landed.to_owned()) },
        StepOp::ZfsRename { from: landed.to_owned(), to: target },
    ]
}

/// A received or cloned zvol has the source's size and no reservation: give `dataset` (the
/// copy, before it takes the target's place) the target's.
fn zfs_fixups(req: &CloneRequest, dataset: &str) -> Vec<StepOp> {
    let t = &req.target;
    let mut ops = Vec::new();
    if t.size_bytes > req.source.size_bytes {
        ops.push(StepOp::ZfsSet { dataset: dataset.to_owned(), property: "volsize".into(), value: t.size_bytes.to_string() });
    }
    if t.provider == ProviderKind::Zfs {
        ops.push(StepOp::ZfsSet { dataset: dataset.to_owned(), property: "refreservation".into(), value: "auto".into() });
    }
    ops
}

fn lv_name(volume: &str) -> &str {
    volume.rsplit('/').next().unwrap_or(volume)
}

fn lvm_thin(req: &CloneRequest) -> Vec<StepOp> {
    let (s, t) = (&req.source, &req.target);
    let vg = s.container().to_owned();
    let name = lv_name(&t.volume).to_owned();
    // A thin snapshot of the caller's snapshot LV is the same point in time.
    let origin = s.snapshot_name().unwrap_or_else(|| lv_name(&s.volume)).to_owned();
    let mut ops = Vec::new();
    if t.exists {
        let tmp = format!("{name}{TEMP_SUFFIX}");
        ops.push(StepOp::LvmThinSnapshot { vg: vg.clone(), origin: origin.clone(), name: tmp.clone() });
        ops.push(StepOp::LvmRemoveEmpty { lv: t.volume.clone() });
        ops.push(StepOp::LvmRename { vg, from: tmp, to: name });
    } else {
        ops.push(StepOp::LvmThinSnapshot { vg, origin, name });
    }
    if t.size_bytes > s.size_bytes {
        ops.push(StepOp::LvmResize { lv: t.volume.clone(), size_bytes: t.size_bytes });
    }
    ops
}
