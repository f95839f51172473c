//! When the shim takes a `zfs receive -F <target>` over, and the takeover itself.
//!
//! Taken over only when stock `receive -F` would fail for encryption's sake and the target is
//! what LINSTOR pre-created: the target exists, is a zvol, is encrypted (it inherited its
//! parent's encryption) with its key loaded, has no snapshots or children and holds no data (the
//! executor's emptiness rule); the stream on standard input is a full, plain (not raw, not
//! resumed, not `-R`) stream of a zvol snapshot that exists here with the stream's guid; and the
//! planner allows ZFS_COPY for the pair. Anything else goes to the real `zfs`: stock behaviour,
//! stock error. ZFS is read (through the real `zfs`) before standard input is touched, and the
//! stream's header is read without consuming it.
//!
//! The takeover is the executor's ZFS_COPY ([`crate::planner::receive_plan`]) with the stream
//! as its source: received beside the target under the same parent (so it is encrypted under
//! the target's encryption root and key), the target's local properties, size and reservation
//! carried over, swapped in, the stream's snapshot left on the target as a stock receive leaves
//! it, and `/dev/zvol/<target>` pointing at the new volume before it returns. The same marks and
//! per-target lock as every clone: a cancel (SIGTERM) undoes it, a rerun or `volclone
//! linstor-shim cleanup` removes what a SIGKILL left, by its mark only.

use std::path::Path;
use std::time::Duration;

use crate::copy::CancelToken;
use crate::exec::{self, EMPTY_MAX_BYTES, ExecOptions, ExecReport};
use crate::plan::Plan;
use crate::request::{CloneRequest, PlanOptions, ProviderKind, REQUEST_VERSION};
use crate::zfs::stream_header::{self, StreamHeader};
use crate::zfs::{ZfsCli, ZfsOps, facts};

/// What to do with a taken-over command line.
pub enum Route {
    /// Hand it to the real `zfs`; why (for the debug log).
    PassThrough(String),
    /// Take it over.
    TakeOver(Box<Job>),
}

/// A takeover, ready to run.
pub struct Job {
    /// The facts of both sides.
    pub req: CloneRequest,
    /// The receive plan.
    pub plan: Plan,
    /// The stream's begin record.
    pub header: StreamHeader,
    zfs: ZfsCli,
}

/// How long the stream's first record may take to arrive.
const HEADER_WAIT: Duration = Duration::from_secs(60);

/// The properties of the target looked at first.
const TARGET_PROPS: [&str; 5] = ["type", "encryption", "keystatus", "referenced", "logicalreferenced"];

fn pass(why: impl Into<String>) -> Route {
    Route::PassThrough(why.into())
}

/// Decides whether `receive -F target` is taken over, with `real` as the `zfs` to ask.
pub fn route(real: &Path, target: &str) -> Route {
    let zfs = ZfsCli::with_program(real.to_string_lossy());
    let described = match zfs.get_many(&[target], &TARGET_PROPS) {
        Ok(d) => d,
        Err(e) => return pass(format!("zfs get of {target}: {e}")),
    };
    let Some(Some(p)) = described.get(target) else { return pass(format!("{target} does not exist")) };
    let get = |k: &str| p.get(k).map(String::as_str).unwrap_or("-");
    if get("type") != "volume" {
        return pass(format!("{target} is a {}, not a zvol", get("type")));
    }
    if matches!(get("encryption"), "off" | "-") {
        return pass(format!("{target} is not encrypted: a stock receive -F works"));
    }
    if get("keystatus") != "available" {
        return pass(format!("{target}'s key is not loaded"));
    }
    let used = [get("referenced"), get("logicalreferenced")].iter().map(|v| v.parse::<u64>().unwrap_or(u64::MAX)).max().unwrap_or(u64::MAX);
    if used > EMPTY_MAX_BYTES {
        return pass(format!("{target} holds data ({used} bytes)"));
    }
    match zfs.dependents(target) {
        Ok(d) if d.is_empty() => {}
        Ok(d) => return pass(format!("{target} has snapshots or children ({})", d.join(", "))),
        Err(e) => return pass(format!("listing {target}'s snapshots: {e}")),
    }
    let Some(bytes) = super::peek::stdin(stream_header::HEADER_BYTES, HEADER_WAIT) else {
        return pass("standard input holds no stream header (not a pipe or file, or too short)");
    };
    let Some(header) = stream_header::parse(&bytes) else { return pass("standard input is not a zfs send stream") };
    if !header.is_plain_full_zvol() {
        return pass(format!("the stream of {} is not a plain full zvol stream", header.toname));
    }
    match facts::property(&zfs, &header.toname, "guid") {
        Ok(Some(g)) if g == header.toguid.to_string() => {}
        _ => return pass(format!("the stream's snapshot {} is not here with guid {}", header.toname, header.toguid)),
    }
    let (source, target_facts) = match facts::clone_volumes(&zfs, &header.toname, target, ProviderKind::ZfsThin, None) {
        Ok(v) => v,
        Err(e) => return pass(format!("facts: {e}")),
    };
    let options = PlanOptions { zfs_version: zfs.version().ok().filter(|v| crate::request::ZfsVersion::parse(v).is_ok()), ..PlanOptions::default() };
    let req = CloneRequest { version: REQUEST_VERSION, source, target: target_facts, options };
    if let Err(e) = req.validate() {
        return pass(format!("request: {e}"));
    }
    match crate::planner::receive_plan(&req) {
        Ok(plan) => Route::TakeOver(Box::new(Job { req, plan, header, zfs })),
        Err(why) => pass(format!("ZFS_COPY cannot be used: {why}")),
    }
}

impl Job {
    /// The target.
    pub fn target(&self) -> &str {
        &self.req.target.volume
    }

    /// Runs the takeover, its progress kept for `volclone linstor-shim status`.
    pub fn run(&self, cancel: &CancelToken) -> crate::error::Result<ExecReport> {
        let record = super::inflight::Record::start(&self.header.toname, self.target());
        // The stream cannot be sent again from a resume token (its sender is LINSTOR's): no -s.
        let opts = ExecOptions { no_resume: true, ..ExecOptions::default() };
        exec::execute(&self.plan, &self.req, &self.zfs, &opts, &record, cancel)
    }
}
