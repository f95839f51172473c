//! The planner's answer: the chosen strategy, the usable ones in order with their steps, and a
//! reason for every strategy that was rejected.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::copy::SparseMode;
use crate::strategy::Strategy;

/// The plan format version.
pub const PLAN_VERSION: u32 = 1;

/// Which rules produced the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanMode {
    /// volclone's rules.
    Volclone,
    /// LINSTOR 1.34's stock choice, reproduced for comparison.
    LinstorStock,
}

/// An ordered clone plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Format version ([`PLAN_VERSION`]).
    pub version: u32,
    /// Which rules produced it.
    pub mode: PlanMode,
    /// The strategy to run: the first candidate, or `None` when nothing can be used.
    pub chosen: Option<Strategy>,
    /// Usable strategies, best first (lowest priority number first).
    pub candidates: Vec<Candidate>,
    /// Strategies that cannot or must not be used, each with the reason.
    pub rejected: Vec<Rejection>,
}

impl Plan {
    /// The chosen candidate, if any.
    pub fn chosen_candidate(&self) -> Option<&Candidate> {
        self.candidates.first()
    }

    /// The candidate for `strategy`, if it is usable.
    pub fn candidate(&self, strategy: Strategy) -> Option<&Candidate> {
        self.candidates.iter().find(|c| c.strategy == strategy)
    }

    /// The rejection reason for `strategy`, if it was rejected.
    pub fn rejection(&self, strategy: Strategy) -> Option<&str> {
        self.rejected.iter().find(|r| r.strategy == strategy).map(|r| r.reason.as_str())
    }

    /// All rejection reasons in one line, for "no strategy" errors.
    pub fn rejection_summary(&self) -> String {
        self.rejected.iter().map(|r| format!("{}: {}", r.strategy, r.reason)).collect::<Vec<_>>().join("; ")
    }

    /// The plan as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// A usable strategy with what it will do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The strategy.
    pub strategy: Strategy,
    /// LINSTOR's name for its slot (`BLOCK_COPY` → `DD`).
    pub linstor_name: String,
    /// LINSTOR priority number.
    pub priority: u32,
    /// Whether both devices must be open before it runs.
    pub needs_open_devices: bool,
    /// Why it can be used (and what to know about its result).
    pub reason: String,
    /// What it runs, in order.
    pub steps: Vec<Step>,
    /// In `linstor_stock` mode: why volclone's rules would not run this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// A strategy that is not used, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejection {
    /// The strategy.
    pub strategy: Strategy,
    /// Why not.
    pub reason: String,
}

/// One operation of a plan, with the equivalent command line for people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// What to do.
    #[serde(flatten)]
    pub op: StepOp,
    /// The equivalent shell command.
    pub command: String,
}

impl From<StepOp> for Step {
    fn from(op: StepOp) -> Self {
        let command = op.command_line();
        Step { op, command }
    }
}

/// The operations an executor knows how to run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum StepOp {
    /// `zfs snapshot -o k=v ... DATASET@NAME`.
    ZfsSnapshot {
        /// `dataset@name`.
        snapshot: String,
        /// User properties to set on it.
        properties: BTreeMap<String, String>,
    },
    /// `zfs send [flags] SNAP | zfs receive [-F] [-o k=v] TARGET`.
    ZfsSendReceive {
        /// `dataset@name` to send.
        snapshot: String,
        /// Dataset to receive into.
        target: String,
        /// `-w`: raw (ciphertext) send.
        raw: bool,
        /// `--embed`.
        embed: bool,
        /// `--large-block`.
        large_block: bool,
        /// `receive -F` (only LINSTOR's stock plan does this).
        force: bool,
        /// `receive -o k=v` properties.
        receive_properties: BTreeMap<String, String>,
    },
    /// `zfs clone SNAP TARGET`.
    ZfsClone {
        /// Origin snapshot.
        snapshot: String,
        /// New dataset.
        target: String,
    },
    /// Destroy a pre-created target, but only if it holds no data, snapshots or dependents.
    ZfsDestroyEmpty {
        /// The dataset.
        dataset: String,
    },
    /// `zfs destroy DATASET@NAME`.
    ZfsDestroySnapshot {
        /// `dataset@name`.
        snapshot: String,
    },
    /// `zfs rename FROM TO`.
    ZfsRename {
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// `zfs set PROPERTY=VALUE DATASET`.
    ZfsSet {
        /// The dataset.
        dataset: String,
        /// Property name.
        property: String,
        /// Value.
        value: String,
    },
    /// `zfs load-key DATASET` (its `keylocation` names the key).
    ZfsLoadKey {
        /// The encryption root.
        dataset: String,
    },
    /// `lvcreate --snapshot -kn --name NEW VG/ORIGIN` then `lvchange -ay VG/NEW`.
    LvmThinSnapshot {
        /// Volume group.
        vg: String,
        /// Origin LV name.
        origin: String,
        /// New LV name.
        name: String,
    },
    /// Remove a pre-created LV, but only if it is not open and not the origin of a snapshot.
    LvmRemoveEmpty {
        /// `vg/lv`.
        lv: String,
    },
    /// `lvrename VG FROM TO`.
    LvmRename {
        /// Volume group.
        vg: String,
        /// Old LV name.
        from: String,
        /// New LV name.
        to: String,
    },
    /// `lvresize -L SIZEb VG/LV`.
    LvmResize {
        /// `vg/lv`.
        lv: String,
        /// New size.
        size_bytes: u64,
    },
    /// volclone's parallel block copy.
    BlockCopy {
        /// Device or file read.
        source: String,
        /// Device or file written.
        target: String,
        /// Zero handling on the target.
        sparse: SparseMode,
    },
    /// LINSTOR's stock `dd` (only in `linstor_stock` plans).
    Dd {
        /// `if=`.
        source: String,
        /// `of=`.
        target: String,
        /// `conv=sparse` (LINSTOR adds it for thin targets).
        sparse: bool,
    },
}

impl StepOp {
    /// The equivalent shell command line.
    pub fn command_line(&self) -> String {
        match self {
            StepOp::ZfsSnapshot { snapshot, properties } => {
                let props: String = properties.iter().map(|(k, v)| format!("-o {k}={v} ")).collect();
                format!("zfs snapshot {props}{snapshot}")
            }
            StepOp::ZfsSendReceive { snapshot, target, raw, embed, large_block, force, receive_properties } => {
                let mut send = String::from("zfs send");
                if *raw {
                    send.push_str(" -w");
                }
                if *embed {
                    send.push_str(" --embed");
                }
                if *large_block {
                    send.push_str(" --large-block");
                }
                let mut recv = String::from("zfs receive");
                if *force {
                    recv.push_str(" -F");
                }
                for (k, v) in receive_properties {
                    recv.push_str(&format!(" -o {k}={v}"));
                }
                format!("{send} {snapshot} | {recv} {target}")
            }
            StepOp::ZfsClone { snapshot, target } => format!("zfs clone {snapshot} {target}"),
            StepOp::ZfsDestroyEmpty { dataset } => format!("zfs destroy {dataset}  # only if it holds no data, snapshots or dependents"),
            StepOp::ZfsDestroySnapshot { snapshot } => format!("zfs destroy {snapshot}"),
            StepOp::ZfsRename { from, to } => format!("zfs rename {from} {to}"),
            StepOp::ZfsSet { dataset, property, value } => format!("zfs set {property}={value} {dataset}"),
            StepOp::ZfsLoadKey { dataset } => format!("zfs load-key {dataset}"),
            StepOp::LvmThinSnapshot { vg, origin, name } => {
                format!("lvcreate --snapshot -kn --name {name} {vg}/{origin} && lvchange -ay {vg}/{name}")
            }
            StepOp::LvmRemoveEmpty { lv } => format!("lvremove -y {lv}  # only if unused"),
            StepOp::LvmRename { vg, from, to } => format!("lvrename {vg} {from} {to}"),
            StepOp::LvmResize { lv, size_bytes } => format!("lvresize -L {size_bytes}b {lv}"),
            StepOp::BlockCopy { source, target, sparse } => {
                format!("volclone copy --sparse {} {source} {target}", sparse.name())
            }
            StepOp::Dd { source, target, sparse } => {
                let conv = if *sparse { "nocreat,sparse" } else { "nocreat" };
                format!("dd if={source} of={target} bs=64k conv={conv} oflag=direct")
            }
        }
    }
}
