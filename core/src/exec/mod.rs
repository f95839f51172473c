//! The executor: runs the chosen candidate of a plan for real, and finishes the job when it is
//! run again after a crash.
//!
//! Safety: the source is only ever snapshotted; a pre-created target is destroyed only after the
//! new copy exists beside it, and only if it holds no data, snapshots or dependents. A failure
//! (or a cancel) before that swap undoes what this run created (the landing dataset, the clone
//! snapshots), so the source and the pre-created target are as they were. A failure after the
//! swap leaves the complete clone in place and says which finishing step failed.
//!
//! Reruns: every object a run makes is recognisable as this clone's (the landing dataset is
//! received with the user property `volclone:clone` = the clone's tag, `<snapshot read>><target>`;
//! the source snapshot carries `linstor:clone_for` = the target; a partial receive carries a
//! resume token naming the snapshot). Before each step the executor looks at what is there: a
//! step an earlier run finished is skipped, an interrupted receive is resumed from its token
//! (`zfs send -t`), and only objects with this clone's marks are ever destroyed. A target that
//! is already the finished clone (`volclone:phase=done`) is reported complete at once. One lock
//! per target keeps two runs apart.

mod devlink;
mod lock;

pub use lock::{TargetLock, lock_target};
mod lvm;
mod snapdev;

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::copy::{self, CancelToken, CopyOptions, Progress};
use crate::error::{Error, Result};
use crate::plan::{Plan, StepOp};
use crate::request::{CloneRequest, ProviderKind};
use crate::strategy::Strategy;
use crate::zfs::facts::property as prop_of;
use crate::zfs::{Cached, SendReceive, ZfsOps};

/// A pre-created zvol counts as empty up to this many logically referenced bytes (a fresh
/// zvol references a few KiB of metadata).
pub const EMPTY_MAX_BYTES: u64 = 1 << 20;

/// Execution options (JSON: `{"copy": {...}, "rate_limit": N, "no_resume": false}`, every
/// field optional).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExecOptions {
    /// Options of a `BLOCK_COPY` (its sparse mode comes from the plan).
    pub copy: CopyOptions,
    /// Bytes per second at most for whatever the strategy moves: a send stream, or a block copy
    /// whose own `copy.rate_limit` is unset (`None`, or 0 in JSON: unlimited).
    #[serde(deserialize_with = "crate::copy::rate_or_unlimited")]
    pub rate_limit: Option<u64>,
    /// Receive without `-s`: a stream cut short (a crash, a kill) is then sent again from its
    /// start instead of resumed from its token. `zfs receive -s` measured 10% slower than a
    /// plain receive in the OpenZFS VM (`benches/zfs.sh`); this trades the resume for that.
    pub no_resume: bool,
}

impl ExecOptions {
    /// Parses execution options from JSON (what `volclone_execute` and JNI receive): an object,
    /// `copy` an object too, no unknown field anywhere; values checked.
    pub fn from_json(text: &str) -> Result<Self> {
        let o: ExecOptions = crate::options_json::parse_object_with(text, "execute options", &["copy"])?;
        o.block_copy_options().validate()?;
        Ok(o)
    }

    /// The options a `BLOCK_COPY` step runs with: `copy`, with the top-level `rate_limit` where
    /// `copy` sets none (so one rate limit bounds every strategy).
    pub fn block_copy_options(&self) -> CopyOptions {
        let mut c = self.copy.clone();
        c.rate_limit = c.rate_limit.or(self.rate_limit);
        c
    }
}

/// What an execution did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecReport {
    /// The strategy run.
    pub strategy: Strategy,
    /// The commands run, in order (shell-quoted, as in the plan).
    pub steps: Vec<String>,
    /// Steps an earlier, interrupted run of the same clone had finished (not run again).
    #[serde(default)]
    pub skipped: Vec<String>,
    /// Bytes streamed or copied.
    pub bytes: u64,
    /// Bytes not sent again because an interrupted receive was resumed, or was complete.
    #[serde(default)]
    pub bytes_saved: u64,
    /// The target was already the finished clone: nothing was run.
    #[serde(default)]
    pub already_complete: bool,
    /// Bytes of a block copy that an interrupted earlier run had made durable on these very
    /// objects (its checkpoint): re-checked in part, not copied again.
    #[serde(default)]
    pub bytes_resumed: u64,
    /// A block copy's checkpoint was found and set aside (the target or source is not the
    /// object it was written for, or a re-checked sample differed): why. The copy started over.
    #[serde(default)]
    pub resume_refused: Option<String>,
    /// Wall time, seconds.
    pub seconds: f64,
}

/// The user property that marks what belongs to one clone.
pub const TAG_PROPERTY: &str = "volclone:clone";
/// The user property set on a finished clone.
pub const PHASE_PROPERTY: &str = "volclone:phase";

/// Plans `req` and runs the chosen strategy with the `zfs` command backend: what the C and Java
/// bindings call. `Err(NoStrategy)` names why each strategy was rejected.
pub fn plan_and_execute(req: &CloneRequest, opts: &ExecOptions, progress: &dyn Progress, cancel: &CancelToken) -> Result<ExecReport> {
    req.validate()?;
    let plan = crate::planner::plan(req);
    execute(&plan, req, &crate::zfs::ZfsCli::default(), opts, progress, cancel)
}

/// Runs the plan's chosen candidate. `Err(NoStrategy)` when the plan has none. Run again after
/// an interruption, it finishes the same clone (see the module docs).
pub fn execute(
    plan: &Plan,
    req: &CloneRequest,
    zfs: &dyn ZfsOps,
    opts: &ExecOptions,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<ExecReport> {
    if let Some(e) = req.names_error() {
        return Err(e);
    }
    let cand = plan.chosen_candidate().ok_or_else(|| Error::NoStrategy(plan.rejection_summary()))?;
    let _lock = lock::lock_target(&req.target.volume)?;
    // One look at every name the steps touch, instead of one `zfs` process per question.
    let cached = Cached::new(zfs);
    let names = zfs_names(&cand.steps, &req.target.volume);
    if !names.is_empty() {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        cached.prefetch(&names, &LOOKED_AT)?;
    }
    let zfs: &dyn ZfsOps = &cached;
    let started = std::time::Instant::now();
    let report = ExecReport {
        strategy: cand.strategy,
        steps: Vec::new(),
        skipped: Vec::new(),
        bytes: 0,
        bytes_saved: 0,
        already_complete: false,
        bytes_resumed: 0,
        resume_refused: None,
        seconds: 0.0,
    };
    let tag = clone_tag(req, cand.strategy);
    let mut run = Run { zfs, req, tag, undo: Vec::new(), swapped: false, report };
    if run.finished_already()? {
        tracing::info!(target = %req.target.volume, "already the finished clone: nothing to do");
        run.report.already_complete = true;
        run.report.skipped = cand.steps.iter().map(|s| s.command.clone()).collect();
        return Ok(run.report);
    }
    // A pre-created target that holds data is refused before anything is sent.
    for step in &cand.steps {
        if let StepOp::ZfsDestroyEmpty { dataset, .. } = &step.op
            && zfs.exists(dataset)?
            && !run.is_tagged(dataset)?
        {
            run.check_empty(dataset)?;
        }
    }
    for step in &cand.steps {
        if cancel.is_cancelled() && !run.swapped {
            return Err(run.fail(&step.command, Error::Cancelled { done: run.report.bytes, total: 0 }));
        }
        let todo = match run.todo(&step.op) {
            Ok(t) => t,
            Err(e) => return Err(run.fail(&step.command, e)),
        };
        if todo == Todo::Skip {
            tracing::info!(command = %step.command, "step done by an earlier run");
            run.report.skipped.push(step.command.clone());
            continue;
        }
        tracing::info!(command = %step.command, "step");
        if let Err(e) = run.step(&step.op, todo, opts, progress, cancel) {
            return Err(run.fail(&step.command, e));
        }
        run.report.steps.push(step.command.clone());
    }
    if run.tag.is_some() {
        // The mark a rerun recognises; a failure here leaves a complete clone all the same.
        if let Err(e) = zfs.set(&req.target.volume, PHASE_PROPERTY, "done") {
            tracing::warn!("could not mark {} as done: {e}", req.target.volume);
        }
    }
    run.report.seconds = started.elapsed().as_secs_f64();
    Ok(run.report)
}

/// The properties the executor looks at on the names of its steps.
const LOOKED_AT: [&str; 3] = [TAG_PROPERTY, PHASE_PROPERTY, "receive_resume_token"];

/// Every ZFS name the steps read or change, with the snapshots a receive or a clone makes and the
/// target itself; none when the plan has no ZFS step.
fn zfs_names(steps: &[crate::plan::Step], target: &str) -> Vec<String> {
    let mut names = std::collections::BTreeSet::new();
    for step in steps {
        match &step.op {
            StepOp::ZfsSnapshot { snapshot, .. } | StepOp::ZfsDestroySnapshot { snapshot } => {
                names.insert(snapshot.clone());
            }
            StepOp::ZfsSendReceive { snapshot, target, .. } | StepOp::ZfsClone { snapshot, target } => {
                names.insert(snapshot.clone());
                names.insert(target.clone());
                if let Some((_, snap)) = snapshot.split_once('@') {
                    names.insert(format!("{target}@{snap}"));
                }
            }
            StepOp::ZfsDestroyEmpty { dataset, successor } => {
                names.insert(dataset.clone());
                names.extend(successor.clone());
            }
            StepOp::ZfsRename { from, to } => {
                names.insert(from.clone());
                names.insert(to.clone());
            }
            StepOp::ZfsSet { dataset, .. } | StepOp::ZfsLoadKey { dataset } => {
                names.insert(dataset.clone());
            }
            _ => {}
        }
    }
    if !names.is_empty() {
        names.insert(target.to_owned());
    }
    names.into_iter().collect()
}

/// Local properties of a pre-created target that are not carried over to the copy that takes
/// its place: fixed at creation (`volblocksize`), encryption's (inherited from the parent, as the
/// target's were), the size and reservation (planned steps set them, from the request), and
/// volclone's own marks.
const NOT_CARRIED: [&str; 9] =
    ["volsize", "refreservation", "volblocksize", "encryption", "keyformat", "keylocation", "pbkdf2iters", "pbkdf2salt", "encryptionroot"];

fn carried_over(property: &str) -> bool {
    !property.starts_with("volclone:") && !NOT_CARRIED.contains(&property)
}

/// The mark of one ZFS clone: the snapshot it reads and the target (`<vol@snap>><target>`).
fn clone_tag(req: &CloneRequest, strategy: Strategy) -> Option<String> {
    if !matches!(strategy, Strategy::ZfsCopy | Strategy::ZfsRawCopy | Strategy::ZfsClone) {
        return None;
    }
    let read = req
        .source
        .zfs_snapshot()
        .unwrap_or_else(|| format!("{}@{}", req.source.volume, crate::planner::clone_snapshot_name(&req.target.volume)));
    Some(format!("{read}>{}", req.target.volume))
}

/// What to do with a step, judged from what is there.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Todo {
    /// Run it.
    Run,
    /// An earlier run did it.
    Skip,
    /// Resume an interrupted receive from this token, `bytes` of it already there.
    Resume { token: String, bytes: u64 },
}

enum Undo {
    /// `zfs destroy` a dataset or snapshot of this clone (checked again before destroying).
    Destroy(String),
    /// `lvremove` an LV this run made.
    RemoveLv(String),
}

struct Run<'a> {
    zfs: &'a dyn ZfsOps,
    req: &'a CloneRequest,
    /// The clone's mark (ZFS strategies).
    tag: Option<String>,
    undo: Vec<Undo>,
    swapped: bool,
    report: ExecReport,
}

impl Run<'_> {
    /// Whether `name` carries this clone's mark.
    fn is_tagged(&self, name: &str) -> Result<bool> {
        let Some(tag) = &self.tag else { return Ok(false) };
        Ok(prop_of(self.zfs, name, TAG_PROPERTY)?.as_deref() == Some(tag.as_str()))
    }

    /// The target is this clone, finished by an earlier run.
    fn finished_already(&self) -> Result<bool> {
        let t = &self.req.target.volume;
        if self.tag.is_none() || !self.zfs.exists(t)? || !self.is_tagged(t)? {
            return Ok(false);
        }
        Ok(prop_of(self.zfs, t, PHASE_PROPERTY)?.as_deref() == Some("done"))
    }

    /// The swap happened in an earlier run: the target is this clone's copy.
    fn swapped_before(&self) -> Result<bool> {
        let t = &self.req.target.volume;
        Ok(self.req.target.exists && self.zfs.exists(t)? && self.is_tagged(t)?)
    }

    /// The resume token of a partial receive into `dataset` that resumes `snapshot`.
    fn resumable(&self, dataset: &str, snapshot: &str) -> Result<Option<(String, u64)>> {
        let Some(token) = prop_of(self.zfs, dataset, "receive_resume_token")? else { return Ok(None) };
        let (toname, bytes) = self.zfs.resume_info(&token)?;
        if toname != snapshot {
            return Err(Error::InvalidArgument(format!(
                "{dataset} holds a partial receive of {toname}, not of {snapshot}: it is not this clone's; remove it (zfs receive -A {dataset})"
            )));
        }
        Ok(Some((token, bytes)))
    }

    /// Decides, from what is there, whether `op` still has to run.
    fn todo(&mut self, op: &StepOp) -> Result<Todo> {
        let zfs = self.zfs;
        let swapped_before = |r: &Self| r.swapped_before();
        Ok(match op {
            StepOp::ZfsSnapshot { snapshot, .. } => {
                if !zfs.exists(snapshot)? {
                    if swapped_before(self)? {
                        Todo::Skip // the clone is in place; its snapshot was already removed
                    } else {
                        Todo::Run
                    }
                } else if prop_of(zfs, snapshot, "linstor:clone_for")?.as_deref() == Some(self.req.target.volume.as_str()) {
                    // Kept: it is the point in time an earlier run may have sent already.
                    self.undo.push(Undo::Destroy(snapshot.clone()));
                    Todo::Skip
                } else {
                    return Err(Error::InvalidArgument(format!("snapshot {snapshot} exists and is not volclone's: remove or rename it")));
                }
            }
            StepOp::ZfsSendReceive { snapshot, target, from_stdin, .. } => {
                let snap_name = snapshot.rsplit('@').next().unwrap_or_default();
                if *from_stdin && zfs.exists(target)? {
                    // A stream is on its way already: what an earlier run left under this name
                    // (perhaps of a snapshot since made again under the same name) is never
                    // kept; a name that is not this clone's is refused.
                    if !self.is_tagged(target)? && prop_of(zfs, target, "receive_resume_token")?.is_none() {
                        return Err(Error::InvalidArgument(format!(
                            "{target} exists and is not this clone's (no {TAG_PROPERTY} mark): remove it or pick another target"
                        )));
                    }
                    tracing::warn!(%target, "a copy an earlier run left: received again from the stream");
                    let received = format!("{target}@{snap_name}");
                    if zfs.exists(&received)? {
                        zfs.destroy(&received)?;
                    }
                    self.destroy_ours(target)?;
                    Todo::Run
                } else if zfs.exists(target)? {
                    if let Some((token, bytes)) = self.resumable(target, snapshot)? {
                        self.undo.push(Undo::Destroy(target.clone()));
                        Todo::Resume { token, bytes }
                    } else if self.is_tagged(target)? && zfs.exists(&format!("{target}@{snap_name}"))? {
                        self.undo.extend([Undo::Destroy(target.clone()), Undo::Destroy(format!("{target}@{snap_name}"))]);
                        Todo::Skip
                    } else if self.is_tagged(target)? {
                        tracing::warn!(%target, "an incomplete copy of this clone: received again");
                        self.destroy_ours(target)?;
                        Todo::Run
                    } else {
                        return Err(Error::InvalidArgument(format!(
                            "{target} exists and is not this clone's (no {TAG_PROPERTY} mark): remove it or pick another target"
                        )));
                    }
                } else if target != &self.req.target.volume && swapped_before(self)? {
                    Todo::Skip
                } else {
                    Todo::Run
                }
            }
            StepOp::ZfsClone { snapshot, target } => {
                if zfs.exists(target)? {
                    // A clone of this clone's snapshot is this clone's, tagged or not yet.
                    if prop_of(zfs, target, "origin")?.as_deref() == Some(snapshot.as_str()) || self.is_tagged(target)? {
                        self.undo.push(Undo::Destroy(target.clone()));
                        Todo::Skip
                    } else if target != &self.req.target.volume && swapped_before(self)? {
                        Todo::Skip
                    } else {
                        return Err(Error::InvalidArgument(format!("{target} exists and is not this clone's: remove it or pick another target")));
                    }
                } else if target != &self.req.target.volume && swapped_before(self)? {
                    Todo::Skip
                } else {
                    Todo::Run
                }
            }
            StepOp::ZfsLoadKey { dataset } => {
                if !zfs.exists(dataset)? || prop_of(zfs, dataset, "keystatus")?.as_deref() == Some("available") {
                    Todo::Skip
                } else {
                    Todo::Run
                }
            }
            // Applied to the copy before the swap: gone means renamed, so applied.
            StepOp::ZfsSet { dataset, .. } if !zfs.exists(dataset)? => Todo::Skip,
            StepOp::ZfsDestroyEmpty { dataset, .. } => {
                if !zfs.exists(dataset)? || self.is_tagged(dataset)? {
                    self.swapped = true;
                    self.undo.clear();
                    Todo::Skip
                } else {
                    Todo::Run
                }
            }
            StepOp::ZfsRename { from, to } if !zfs.exists(from)? && zfs.exists(to)? => Todo::Skip,
            StepOp::ZfsDestroySnapshot { snapshot } if !zfs.exists(snapshot)? => Todo::Skip,
            // The clone already took the pre-created LV's name (an earlier run got past the rename).
            StepOp::LvmThinSnapshot { vg, name, .. }
                if self.req.target.exists
                    && format!("{vg}/{name}") != self.req.target.volume
                    && self.lv_is_the_clone(&self.req.target.volume)? =>
            {
                self.swapped = true;
                Todo::Skip
            }
            StepOp::LvmThinSnapshot { vg, origin, name } => match lvm::origin_of(&format!("{vg}/{name}"))? {
                Some(o) if &o == origin => {
                    self.undo.push(Undo::RemoveLv(format!("{vg}/{name}")));
                    Todo::Skip
                }
                Some(o) => {
                    return Err(Error::InvalidArgument(format!("{vg}/{name} exists and is a snapshot of {o}, not of {origin}: remove it")));
                }
                None if lvm::exists(&format!("{vg}/{name}"))? => {
                    return Err(Error::InvalidArgument(format!("{vg}/{name} exists and is not volclone's: remove it")));
                }
                None => Todo::Run,
            },
            StepOp::LvmRemoveEmpty { lv } if !lvm::exists(lv)? || self.lv_is_the_clone(lv)? => {
                self.swapped = true;
                self.undo.clear();
                Todo::Skip
            }
            StepOp::LvmRename { vg, from, to } if !lvm::exists(&format!("{vg}/{from}"))? && lvm::exists(&format!("{vg}/{to}"))? => Todo::Skip,
            _ => Todo::Run,
        })
    }

    /// LV `lv` is already the clone: a thin snapshot of the source's read point, with no
    /// temporary LV left beside it (an earlier run renamed it into place).
    fn lv_is_the_clone(&self, lv: &str) -> Result<bool> {
        let s = &self.req.source;
        let want = s.snapshot_name().unwrap_or_else(|| s.volume.rsplit('/').next().unwrap_or_default());
        Ok(lvm::origin_of(lv)?.as_deref() == Some(want) && !lvm::exists(&format!("{lv}{}", crate::planner::TEMP_SUFFIX))?)
    }

    /// Destroys `name`, which carries this clone's mark (a partial receive is aborted).
    fn destroy_ours(&self, name: &str) -> Result<()> {
        if !name.contains('@') && prop_of(self.zfs, name, "receive_resume_token")?.is_some() {
            return self.zfs.abort_receive(name);
        }
        self.zfs.destroy(name)
    }

    fn step(&mut self, op: &StepOp, todo: Todo, opts: &ExecOptions, progress: &dyn Progress, cancel: &CancelToken) -> Result<()> {
        let zfs = self.zfs;
        match op {
            StepOp::ZfsSnapshot { snapshot, properties } => {
                zfs.snapshot(snapshot, properties)?;
                self.undo.push(Undo::Destroy(snapshot.clone()));
            }
            StepOp::ZfsSendReceive { snapshot, target, raw, embed, large_block, compressed, force, receive_properties, from_stdin } => {
                let (resume_token, resumed_bytes) = match todo {
                    Todo::Resume { token, bytes } => (Some(token), bytes),
                    _ => (None, 0),
                };
                let mut receive_properties = receive_properties.clone();
                if let Some(tag) = &self.tag {
                    receive_properties.insert(TAG_PROPERTY.to_owned(), tag.clone());
                }
                let mut sr = SendReceive {
                    snapshot: snapshot.clone(),
                    target: target.clone(),
                    raw: *raw,
                    embed: *embed,
                    large_block: *large_block,
                    compressed: *compressed,
                    force: *force,
                    receive_properties,
                    rate_limit: opts.rate_limit,
                    estimated_bytes: Default::default(),
                    // A resumed stream keeps the receive's properties from its first part.
                    resume_token,
                    // A stream from stdin cannot be sent again from a token: its sender is gone.
                    resumable: !force && !opts.no_resume && !from_stdin,
                    from_stdin: *from_stdin,
                };
                if sr.resume_token.is_some() {
                    sr.receive_properties.clear();
                    tracing::info!(%target, resumed_bytes, "resuming an interrupted receive");
                    self.report.bytes_saved += resumed_bytes;
                }
                // A total for the progress, estimated while the stream already runs (the estimate
                // is a `zfs` process of its own); a send that cannot be estimated still runs.
                let result = std::thread::scope(|s| {
                    s.spawn(|| match zfs.send_size(&sr) {
                        Ok(n) => sr.estimated_bytes.store(n, std::sync::atomic::Ordering::Relaxed),
                        Err(e) => tracing::warn!("no size estimate for the send ({e}): progress without a total"),
                    });
                    zfs.send_receive(&sr, progress, cancel)
                });
                // Undo runs in reverse: the received snapshot goes before its dataset. A failed
                // receive may have left a partial one (-s): that is undone too (a killed run's
                // partial stays, for the rerun to resume).
                let snap_name = snapshot.rsplit('@').next().unwrap_or_default();
                if !self.undo.iter().any(|u| matches!(u, Undo::Destroy(n) if n == target)) {
                    self.undo.push(Undo::Destroy(target.clone()));
                }
                self.undo.push(Undo::Destroy(format!("{target}@{snap_name}")));
                let bytes = result?;
                if sr.resume_token.is_some()
                    && let Some(tag) = &self.tag
                {
                    zfs.set(target, TAG_PROPERTY, tag)?;
                }
                self.report.bytes += bytes;
            }
            StepOp::ZfsClone { snapshot, target } => {
                zfs.clone_snapshot(snapshot, target)?;
                // The clone depends on its origin snapshot: undo the clone before the snapshot.
                self.undo.push(Undo::Destroy(target.clone()));
                if let Some(tag) = &self.tag {
                    zfs.set(target, TAG_PROPERTY, tag)?;
                }
            }
            StepOp::ZfsDestroyEmpty { dataset, successor } => {
                self.check_empty(dataset)?;
                if let Some(next) = successor {
                    // What the pre-created target was given locally lives on: user properties
                    // (LINSTOR's and others'), and native ones such as LINSTOR's
                    // `ZfscreateOptions` (compression, sync, logbias, ...).
                    for (k, v) in zfs.local_properties(dataset)? {
                        if carried_over(&k) {
                            zfs.set(next, &k, &v)?;
                        }
                    }
                }
                zfs.destroy(dataset)?;
                self.swapped = true;
                self.undo.clear(); // from here on the clone is what we keep
            }
            StepOp::ZfsDestroySnapshot { snapshot } => zfs.destroy(snapshot)?,
            StepOp::ZfsRename { from, to } => {
                let device = devlink::device_of(from);
                let target = to == &self.req.target.volume && self.req.target.provider.is_zfs();
                if target {
                    devlink::wait_gone(to);
                }
                zfs.rename(from, to)?;
                if target {
                    devlink::wait_for(to, device.as_deref());
                }
            }
            StepOp::ZfsSet { dataset, property, value } => zfs.set(dataset, property, value)?,
            StepOp::ZfsLoadKey { dataset } => zfs.load_key(dataset)?,
            StepOp::BlockCopy { source, target, sparse, show_snapshot } => {
                // A file target the request says does not exist yet is the clone's to create.
                let create = !self.req.target.exists && matches!(self.req.target.provider, ProviderKind::File | ProviderKind::FileThin);
                let o = opts.block_copy_options().sparse(*sparse).create_target(opts.copy.create_target || create);
                let shown = match show_snapshot {
                    Some(snap) => Some(snapdev::show(zfs, snap, Path::new(source))?),
                    None => None,
                };
                let r = copy::copy(Path::new(source), Path::new(target), &o, progress, cancel);
                let hidden = shown.map(|s| s.restore(zfs)).unwrap_or(Ok(()));
                let r = r?;
                self.report.bytes += r.bytes_total;
                self.report.bytes_resumed += r.bytes_resumed;
                self.report.resume_refused = r.resume_refused.or(self.report.resume_refused.take());
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

    /// A pre-created target may be replaced only when it holds nothing: no snapshots or
    /// children, and (after the pool is synced, so the figures are current) at most
    /// [`EMPTY_MAX_BYTES`] referenced, logically or not.
    fn check_empty(&self, dataset: &str) -> Result<()> {
        let pool = crate::zfs::facts::pool_of(dataset);
        if let Err(e) = self.zfs.sync_pool(pool) {
            tracing::warn!("zpool sync {pool}: {e}; space figures may lag");
        }
        let deps = self.zfs.dependents(dataset)?;
        if !deps.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "the pre-created target {dataset} has snapshots or children ({}): volclone replaces only an empty target",
                deps.join(", ")
            )));
        }
        let p = self.zfs.get(dataset, &["logicalreferenced", "referenced"])?;
        let figure = |k: &str| p.get(k).and_then(|v| v.parse::<u64>().ok()).unwrap_or(u64::MAX);
        let used = figure("logicalreferenced").max(figure("referenced"));
        if used > EMPTY_MAX_BYTES {
            return Err(Error::InvalidArgument(format!(
                "the pre-created target {dataset} holds data ({used} bytes logically referenced): volclone replaces only an empty target"
            )));
        }
        Ok(())
    }

    /// Whether `name` carries this clone's marks: the source snapshot its `linstor:clone_for`,
    /// the copy (and its snapshot) the clone's tag, a partial receive a token for its snapshot.
    fn is_ours(&self, name: &str) -> Result<bool> {
        let target = &self.req.target.volume;
        if let Some((ds, _)) = name.split_once('@') {
            if ds == self.req.source.volume {
                return Ok(prop_of(self.zfs, name, "linstor:clone_for")?.as_deref() == Some(target.as_str())
                    && self.req.source.snapshot.is_none());
            }
            return self.is_ours(ds);
        }
        if self.tag.is_none() {
            return Ok(true); // no ZFS clone: nothing here has tags to check
        }
        if self.is_tagged(name)? {
            return Ok(true);
        }
        // A partial receive: ours if its token resumes this clone's snapshot.
        match prop_of(self.zfs, name, "receive_resume_token")? {
            Some(t) => {
                let read = self.tag.as_deref().and_then(|t| t.split_once('>')).map(|(r, _)| r.to_owned()).unwrap_or_default();
                Ok(self.zfs.resume_info(&t).map(|(toname, _)| toname == read).unwrap_or(false))
            }
            None => Ok(false),
        }
    }

    /// Undoes what this run created (before the swap), and describes the failure.
    fn fail(&mut self, command: &str, e: Error) -> Error {
        if self.swapped {
            tracing::error!(%command, "failed after the clone was swapped in; the clone is in place");
            return e;
        }
        let mut leftovers = Vec::new();
        let undo: Vec<Undo> = self.undo.drain(..).rev().collect();
        for u in undo {
            let (name, result) = match u {
                Undo::Destroy(name) => {
                    let r = match self.zfs.exists(&name) {
                        Ok(false) => Ok(()),
                        _ => match self.is_ours(&name) {
                            Ok(true) => self.destroy_ours(&name),
                            Ok(false) => {
                                tracing::warn!(%name, "not destroyed: it does not carry this clone's mark");
                                Ok(())
                            }
                            Err(e) => Err(e),
                        },
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
            Error::Leftovers { error: Box::new(e), leftovers: format!("{} (after `{command}` failed)", leftovers.join("; ")) }
        }
    }
}

#[cfg(test)]
mod tests;
