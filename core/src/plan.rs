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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PlanMode {
    /// volclone's rules.
    Volclone,
    /// LINSTOR 1.34's stock choice, reproduced for comparison.
    LinstorStock,
}

/// An ordered clone plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Candidate {
    /// The strategy.
    pub strategy: Strategy,
    /// LINSTOR's enum name, one-to-one (`BLOCK_COPY` → `DD`; `ZFS_RAW_COPY` is the value a fork adds).
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Rejection {
    /// The strategy.
    pub strategy: Strategy,
    /// Why not.
    pub reason: String,
}

/// One operation of a plan: what it does as data, the exact commands it amounts to, and the same
/// shell-quoted for people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Step {
    /// What to do.
    #[serde(flatten)]
    pub op: StepOp,
    /// The commands, each an argv (no shell involved): one for a plain step, several for a
    /// pipeline (`zfs send` → `zfs receive`, whose stdout feeds the next one's stdin).
    pub argv: Vec<Vec<String>>,
    /// `argv` shell-quoted, commands joined with ` | `: safe to paste into a shell.
    pub command: String,
    /// What volclone checks before it runs this step (e.g. that a target is empty); a runner
    /// that takes the argv instead must check the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guard: Option<String>,
}

impl From<StepOp> for Step {
    fn from(op: StepOp) -> Self {
        let argv = op.argv();
        let command = crate::names::shell_line(&argv);
        let guard = op.guard().map(str::to_owned);
        Step { op, argv, command, guard }
    }
}

/// The operations an executor knows how to run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
        /// `--compressed`: blocks travel as they are stored (not decompressed by the send and
        /// compressed again by the receive).
        #[serde(default)]
        compressed: bool,
        /// `receive -F` (only LINSTOR's stock plan does this).
        force: bool,
        /// `receive -o k=v` properties.
        receive_properties: BTreeMap<String, String>,
        /// The stream arrives on volclone's standard input (the `zfs` shim taking over
        /// LINSTOR's `zfs send ... | zfs receive -F`): no send is run, only the receive.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        from_stdin: bool,
    },
    /// `zfs clone SNAP TARGET`.
    ZfsClone {
        /// Origin snapshot.
        snapshot: String,
        /// New dataset.
        target: String,
    },
    /// Destroy a pre-created target, but only if it holds no data, snapshots or dependents;
    /// its user properties go to its successor first.
    ZfsDestroyEmpty {
        /// The dataset.
        dataset: String,
        /// The copy that takes its place (gets its user properties), if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        successor: Option<String>,
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
    /// `lvcreate --snapshot --setactivationskip n --activate y --name NEW VG/ORIGIN`.
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
        /// A snapshot whose device is the source and may be hidden (`pool/vol@snap`: ZFS
        /// `snapdev`; `vg/lv`: an LVM snapshot with the activation-skip flag): the executor
        /// shows it for the copy and puts it back as it was.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        show_snapshot: Option<String>,
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

fn words<const N: usize>(w: [&str; N]) -> Vec<String> {
    w.iter().map(|s| (*s).to_owned()).collect()
}

impl StepOp {
    /// The commands this step amounts to (see [`Step::argv`]). Names in them were validated
    /// with the request, so none reads as an option.
    pub fn argv(&self) -> Vec<Vec<String>> {
        match self {
            StepOp::ZfsSnapshot { snapshot, properties } => {
                let mut a = words(["zfs", "snapshot"]);
                for (k, v) in properties {
                    a.extend(["-o".to_owned(), format!("{k}={v}")]);
                }
                a.push(snapshot.clone());
                vec![a]
            }
            StepOp::ZfsSendReceive { snapshot, target, raw, embed, large_block, compressed, force, receive_properties, from_stdin } => {
                let mut send = words(["zfs", "send"]);
                send.extend(send_flags(*raw, *embed, *large_block, *compressed).into_iter().map(str::to_owned));
                send.push(snapshot.clone());
                let mut recv = words(["zfs", "receive"]);
                if *force {
                    recv.push("-F".into());
                }
                for (k, v) in receive_properties {
                    recv.extend(["-o".to_owned(), format!("{k}={v}")]);
                }
                recv.push(target.clone());
                if *from_stdin { vec![recv] } else { vec![send, recv] }
            }
            StepOp::ZfsClone { snapshot, target } => vec![words(["zfs", "clone", snapshot, target])],
            StepOp::ZfsDestroyEmpty { dataset, .. } => vec![words(["zfs", "destroy", dataset])],
            StepOp::ZfsDestroySnapshot { snapshot } => vec![words(["zfs", "destroy", snapshot])],
            StepOp::ZfsRename { from, to } => vec![words(["zfs", "rename", from, to])],
            StepOp::ZfsSet { dataset, property, value } => vec![words(["zfs", "set", &format!("{property}={value}"), dataset])],
            StepOp::ZfsLoadKey { dataset } => vec![words(["zfs", "load-key", dataset])],
            StepOp::LvmThinSnapshot { vg, origin, name } => vec![words([
                "lvcreate",
                "--snapshot",
                "--setactivationskip",
                "n",
                "--activate",
                "y",
                "--name",
                name,
                &format!("{vg}/{origin}"),
            ])],
            StepOp::LvmRemoveEmpty { lv } => vec![words(["lvremove", "-y", lv])],
            StepOp::LvmRename { vg, from, to } => vec![words(["lvrename", vg, from, to])],
            StepOp::LvmResize { lv, size_bytes } => vec![words(["lvresize", "-L", &format!("{size_bytes}b"), lv])],
            StepOp::BlockCopy { source, target, sparse, .. } => {
                vec![words(["volclone", "copy", "--sparse", sparse.name(), "--", source, target])]
            }
            StepOp::Dd { source, target, sparse } => {
                let conv = if *sparse { "conv=nocreat,sparse" } else { "conv=nocreat" };
                vec![words(["dd", &format!("if={source}"), &format!("of={target}"), "bs=64k", conv, "oflag=direct"])]
            }
        }
    }

    /// What volclone checks before running the step, when anything.
    pub fn guard(&self) -> Option<&'static str> {
        match self {
            StepOp::ZfsDestroyEmpty { .. } => {
                Some("only if it has no snapshots or children and holds no data; its user properties go to the copy first")
            }
            StepOp::LvmRemoveEmpty { .. } => Some("only if it is not open and 0% used"),
            StepOp::ZfsSnapshot { .. } => Some("a snapshot of that name already made for this clone (by an interrupted run) is used as it is; anyone else's is refused"),
            _ => None,
        }
    }

    /// The equivalent shell command line (the argv, quoted).
    pub fn command_line(&self) -> String {
        crate::names::shell_line(&self.argv())
    }
}

/// The `zfs send` options for a stream's flags (the plan's argv and the executor's command).
pub(crate) fn send_flags(raw: bool, embed: bool, large_block: bool, compressed: bool) -> Vec<&'static str> {
    [(raw, "-w"), (embed, "--embed"), (large_block, "--large-block"), (compressed, "--compressed")]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, f)| f)
        .collect()
}
