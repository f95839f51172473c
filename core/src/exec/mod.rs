//! The executor: runs the chosen candidate of a plan for real.
//!
//! Safety: the source is only ever snapshotted; a pre-created target is destroyed only after the
//! new copy exists beside it, and only if it holds no data, snapshots or dependents. A failure
//! before that swap undoes what this run created (the landing dataset, the clone snapshots), so
//! the source and the pre-created target are as they were. A failure after the swap leaves the
//! complete clone in place and says which finishing step failed.

mod lvm;
mod snapdev;

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::copy::{self, CancelToken, CopyOptions, Progress};
use crate::error::{Error, Result};
use crate::plan::{Plan, StepOp};
use crate::request::{CloneRequest, ProviderKind};
use crate::strategy::Strategy;
use crate::zfs::{SendReceive, ZfsOps};

/// A pre-created zvol counts as empty up to this many logically referenced bytes (a fresh
/// zvol references a few KiB of metadata).
pub const EMPTY_MAX_BYTES: u64 = 1 << 20;

/// Execution options (JSON: `{"copy": {...}, "rate_limit": N}`, every field optional).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExecOptions {
    /// Options of a `BLOCK_COPY` (its sparse mode comes from the plan).
    pub copy: CopyOptions,
    /// Bytes per second at most for send/receive streams.
    pub rate_limit: Option<u64>,
}

/// What an execution did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecReport {
    /// The strategy run.
    pub strategy: Strategy,
    /// The commands run, in order (shell-quoted, as in the plan).
    pub steps: Vec<String>,
    /// Bytes streamed or copied.
    pub bytes: u64,
    /// Wall time, seconds.
    pub seconds: f64,
}

/// Plans `req` and runs the chosen strategy with the `zfs` command backend: what the C and Java
/// bindings call. `Err(NoStrategy)` names why each strategy was rejected.
pub fn plan_and_execute(req: &CloneRequest, opts: &ExecOptions, progress: &dyn Progress, cancel: &CancelToken) -> Result<ExecReport> {
    req.validate()?;
    let plan = crate::planner::plan(req);
    execute(&plan, req, &crate::zfs::ZfsCli::default(), opts, progress, cancel)
}

/// Runs the plan's chosen candidate. `Err(NoStrategy)` when the plan has none.
pub fn execute(
    plan: &Plan,
    req: &CloneRequest,
    zfs: &dyn ZfsOps,
    opts: &ExecOptions,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<ExecReport> {
    let cand = plan.chosen_candidate().ok_or_else(|| Error::NoStrategy(plan.rejection_summary()))?;
    let started = std::time::Instant::now();
    let report = ExecReport { strategy: cand.strategy, steps: Vec::new(), bytes: 0, seconds: 0.0 };
    let mut run = Run { zfs, req, undo: Vec::new(), swapped: false, report };
    for step in &cand.steps {
        tracing::info!(command = %step.command, "step");
        if let Err(e) = run.step(&step.op, opts, progress, cancel) {
            return Err(run.fail(&step.command, e));
        }
        run.report.steps.push(step.command.clone());
    }
    run.report.seconds = started.elapsed().as_secs_f64();
    Ok(run.report)
}

enum Undo {
    /// `zfs destroy` a dataset or snapshot this run made.
    Destroy(String),
    /// `lvremove` an LV this run made.
    RemoveLv(String),
}

struct Run<'a> {
    zfs: &'a dyn ZfsOps,
    req: &'a CloneRequest,
    undo: Vec<Undo>,
    swapped: bool,
    report: ExecReport,
}

impl Run<'_> {
    fn step(&mut self, op: &StepOp, opts: &ExecOptions, progress: &dyn Progress, cancel: &CancelToken) -> Result<()> {
        let zfs = self.zfs;
        match op {
            StepOp::ZfsSnapshot { snapshot, properties } => {
                self.clear_stale_snapshot(snapshot)?;
                zfs.snapshot(snapshot, properties)?;
                self.undo.push(Undo::Destroy(snapshot.clone()));
            }
            StepOp::ZfsSendReceive { snapshot, target, raw, embed, large_block, force, receive_properties } => {
                if zfs.exists(target)? && !force {
                    return Err(Error::InvalidArgument(format!(
                        "{target} exists already: remove it (a leftover of an earlier attempt?) or pick another target"
                    )));
                }
                let mut sr = SendReceive {
                    snapshot: snapshot.clone(),
                    target: target.clone(),
                    raw: *raw,
                    embed: *embed,
                    large_block: *large_block,
                    force: *force,
                    receive_properties: receive_properties.clone(),
                    rate_limit: opts.rate_limit,
                    estimated_bytes: 0,
                };
                // A total for the progress; a send that cannot be estimated still runs.
                sr.estimated_bytes = zfs.send_size(&sr).unwrap_or_else(|e| {
                    tracing::warn!("no size estimate for the send ({e}): progress without a total");
                    0
                });
                let result = zfs.send_receive(&sr, progress, cancel);
                // A failed full receive normally leaves nothing; make sure.
                // Undo runs in reverse: the received snapshot goes before its dataset.
                let received = [Undo::Destroy(target.clone()), Undo::Destroy(format!("{target}@{}", snapshot.rsplit('@').next().unwrap_or_default()))];
                if result.is_ok() || (!force && zfs.exists(target).unwrap_or(false)) {
                    self.undo.extend(received);
                }
                self.report.bytes += result?;
            }
            StepOp::ZfsClone { snapshot, target } => {
                zfs.clone_snapshot(snapshot, target)?;
                // The clone depends on its origin snapshot: undo the clone before the snapshot.
                self.undo.push(Undo::Destroy(target.clone()));
            }
            StepOp::ZfsDestroyEmpty { dataset } => {
                self.check_empty(dataset)?;
                zfs.destroy(dataset)?;
                self.swapped = true;
                self.undo.clear(); // from here on the clone is what we keep
            }
            StepOp::ZfsDestroySnapshot { snapshot } => zfs.destroy(snapshot)?,
            StepOp::ZfsRename { from, to } => zfs.rename(from, to)?,
            StepOp::ZfsSet { dataset, property, value } => zfs.set(dataset, property, value)?,
            StepOp::ZfsLoadKey { dataset } => zfs.load_key(dataset)?,
            StepOp::BlockCopy { source, target, sparse, show_snapshot } => {
                // A file target the request says does not exist yet is the clone's to create.
                let create = !self.req.target.exists && matches!(self.req.target.provider, ProviderKind::File | ProviderKind::FileThin);
                let o = opts.copy.clone().sparse(*sparse).create_target(opts.copy.create_target || create);
                let shown = match show_snapshot {
                    Some(snap) => Some(snapdev::show(zfs, snap, Path::new(source))?),
                    None => None,
                };
                let r = copy::copy(Path::new(source), Path::new(target), &o, progress, cancel);
                let hidden = shown.map(|s| s.restore(zfs)).unwrap_or(Ok(()));
                self.report.bytes += r?.bytes_total;
                hidden?;
            }
            StepOp::LvmThinSnapshot { vg, name, .. } => {
                lvm::run(op)?;
                self.undo.push(Undo::RemoveLv(format!("{vg}/{name}")));
            }
            StepOp::LvmRemoveEmpty { .. } => {
                lvm::run(op)?;
                self.swapped = true;
                self.undo.clear();
            }
            StepOp::LvmRename { .. } | StepOp::LvmResize { .. } => lvm::run(op)?,
            StepOp::Dd { .. } => {
                return Err(Error::InvalidArgument(
                    "this is LINSTOR's stock plan (dd): volclone does not execute it; plan without linstor_stock".into(),
                ));
            }
        }
        Ok(())
    }

    /// A `CF_` snapshot for this very target left by an earlier, interrupted attempt.
    fn clear_stale_snapshot(&self, snapshot: &str) -> Result<()> {
        if !self.zfs.exists(snapshot)? {
            return Ok(());
        }
        let p = self.zfs.get(snapshot, &["linstor:clone_for"])?;
        if p.get("linstor:clone_for") == Some(&self.req.target.volume) {
            tracing::warn!(%snapshot, "removing a clone snapshot left by an earlier attempt");
            return self.zfs.destroy(snapshot);
        }
        Err(Error::InvalidArgument(format!("snapshot {snapshot} exists and is not volclone's: remove or rename it")))
    }

    fn check_empty(&self, dataset: &str) -> Result<()> {
        let deps = self.zfs.dependents(dataset)?;
        if !deps.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "the pre-created target {dataset} has snapshots or children ({}): volclone replaces only an empty target",
                deps.join(", ")
            )));
        }
        let p = self.zfs.get(dataset, &["logicalreferenced"])?;
        let used: u64 = p.get("logicalreferenced").and_then(|v| v.parse().ok()).unwrap_or(u64::MAX);
        if used > EMPTY_MAX_BYTES {
            return Err(Error::InvalidArgument(format!(
                "the pre-created target {dataset} holds data ({used} bytes logically referenced): volclone replaces only an empty target"
            )));
        }
        Ok(())
    }

    /// Undoes what this run created (before the swap), and describes the failure.
    fn fail(&mut self, command: &str, e: Error) -> Error {
        if self.swapped {
            tracing::error!(%command, "failed after the clone was swapped in; the clone is in place");
            return e;
        }
        let mut leftovers = Vec::new();
        for undo in self.undo.drain(..).rev() {
            let (name, result) = match undo {
                Undo::Destroy(name) => {
                    let r = match self.zfs.exists(&name) {
                        Ok(false) => Ok(()),
                        _ => self.zfs.destroy(&name),
                    };
                    (name, r)
                }
                Undo::RemoveLv(lv) => {
                    let r = lvm::remove(&lv);
                    (lv, r)
                }
            };
            if let Err(ue) = result {
                leftovers.push(format!("{name} ({ue})"));
            }
        }
        if leftovers.is_empty() {
            tracing::info!(%command, "failed; everything this run created was removed, source and target are untouched");
            e
        } else {
            Error::CommandFailed {
                command: command.into(),
                status: "failed, and cleanup failed too".into(),
                stderr: format!("{e}; could not remove: {}", leftovers.join("; ")),
            }
        }
    }
}

#[cfg(test)]
mod tests;
