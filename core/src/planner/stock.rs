//! LINSTOR 1.34's stock choice, reproduced so plans can be compared side by side: each layer
//! offers a set (LUKS: `DD` only; ZFS: `ZFS_COPY`, LVM-thin: `LVM_THIN_CLONE`, always `DD`),
//! the two sides are intersected, `ZFS_CLONE` is added with `UseZFSClone` on the same pool,
//! `LVM_THIN_CLONE` dropped across pools, and the lowest priority number wins.

use std::collections::BTreeSet;

use super::steps::{clone_snapshot_name, clone_snapshot_properties};
use crate::plan::{Candidate, PLAN_VERSION, Plan, PlanMode, Rejection, Step, StepOp};
use crate::request::{CloneRequest, LayerKind, ProviderKind, VolumeFacts, layer_names};
use crate::strategy::Strategy;

fn offered(v: &VolumeFacts) -> BTreeSet<Strategy> {
    let mut set = BTreeSet::from([Strategy::BlockCopy]);
    if v.has_layer(LayerKind::Luks) {
        return set;
    }
    match v.provider {
        ProviderKind::LvmThin => {
            set.insert(Strategy::LvmThinClone);
        }
        ProviderKind::Zfs | ProviderKind::ZfsThin => {
            set.insert(Strategy::ZfsCopy);
        }
        _ => {}
    }
    set
}

pub(super) fn plan(req: &CloneRequest) -> Plan {
    let (s, t) = (&req.source, &req.target);
    let (mut src, mut tgt) = (offered(s), offered(t));
    let same_pool = s.storage_pool == t.storage_pool;
    if src.contains(&Strategy::ZfsCopy) && tgt.contains(&Strategy::ZfsCopy) && req.options.use_zfs_clone && same_pool {
        src.insert(Strategy::ZfsClone);
        tgt.insert(Strategy::ZfsClone);
    }
    let mut chosen: Vec<Strategy> = src.intersection(&tgt).copied().collect();
    if !same_pool {
        chosen.retain(|st| *st != Strategy::LvmThinClone);
    }
    chosen.sort_by_key(|st| st.priority());
    let candidates: Vec<Candidate> = chosen.iter().map(|&st| candidate(st, req)).collect();
    let rejected = Strategy::ALL
        .into_iter()
        .filter(|st| !chosen.contains(st))
        .map(|strategy| Rejection { strategy, reason: not_offered(strategy, req) })
        .collect();
    Plan { version: PLAN_VERSION, mode: PlanMode::LinstorStock, chosen: chosen.first().copied(), candidates, rejected }
}

fn not_offered(strategy: Strategy, req: &CloneRequest) -> String {
    match strategy {
        Strategy::ZfsRawCopy => "LINSTOR 1.34 has no raw send".into(),
        Strategy::ZfsClone if !req.options.use_zfs_clone => "LINSTOR offers it only with UseZFSClone".into(),
        _ => format!(
            "LINSTOR 1.34 does not offer it for {} [{}] -> {} [{}]",
            req.source.provider.name(),
            layer_names(&req.source.layers),
            req.target.provider.name(),
            layer_names(&req.target.layers)
        ),
    }
}

fn candidate(strategy: Strategy, req: &CloneRequest) -> Candidate {
    let (s, t) = (&req.source, &req.target);
    let snap = format!("{}@{}", s.volume, clone_snapshot_name(&t.volume));
    let ops = match strategy {
        Strategy::ZfsCopy => vec![
            StepOp::ZfsSnapshot { snapshot: snap.clone(), properties: clone_snapshot_properties(&t.volume) },
            StepOp::ZfsSendReceive {
                snapshot: snap,
                target: t.volume.clone(),
                raw: false,
                embed: true,
                large_block: true,
                compressed: false,
                force: true,
                receive_properties: Default::default(),
                from_stdin: false,
            },
        ],
        Strategy::ZfsClone => vec![
            StepOp::ZfsSnapshot { snapshot: snap.clone(), properties: clone_snapshot_properties(&t.volume) },
            StepOp::ZfsClone { snapshot: snap, target: t.volume.clone() },
        ],
        Strategy::LvmThinClone => vec![StepOp::LvmThinSnapshot {
            vg: s.container().into(),
            origin: s.volume.rsplit('/').next().unwrap_or_default().into(),
            name: t.volume.rsplit('/').next().unwrap_or_default().into(),
        }],
        Strategy::ZfsRawCopy | Strategy::BlockCopy => {
            vec![StepOp::Dd { source: s.device(), target: t.device(), sparse: t.provider.is_thin() }]
        }
    };
    Candidate {
        strategy,
        linstor_name: strategy.linstor_name().into(),
        priority: strategy.priority(),
        needs_open_devices: strategy.needs_open_devices(),
        reason: format!("LINSTOR 1.34 stock: offered by both sides, priority {}", strategy.priority()),
        steps: ops.into_iter().map(Step::from).collect(),
        warning: stock_warning(strategy, req),
    }
}

/// What volclone knows goes wrong with LINSTOR's version of this strategy.
fn stock_warning(strategy: Strategy, req: &CloneRequest) -> Option<String> {
    let t = &req.target;
    if strategy == Strategy::ZfsCopy && t.exists && (t.zfs_encrypted() || req.source.zfs_encrypted()) {
        return Some(
            "fails: `zfs receive -F` onto an existing dataset with encryption on either side is refused by OpenZFS \
             (\"zfs receive -F cannot be used to destroy an encrypted filesystem or overwrite an unencrypted one with an encrypted one\")"
                .into(),
        );
    }
    let mut warning = super::rule_rejection(strategy, req);
    if strategy == Strategy::BlockCopy {
        let note = "no progress, no verify, no fsync; single 64 KiB O_DIRECT stream";
        warning = Some(warning.map_or(note.to_owned(), |w| format!("{w}; {note}")));
    }
    warning
}
