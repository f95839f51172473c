//! Starts ZFS writing a zvol target while the copy is still reading its source.
//!
//! A write to a zvol returns once ZFS holds it as dirty data; ZFS writes it out when a
//! transaction group syncs: every `zfs_txg_timeout` seconds (5) or once the dirty data passes
//! `zfs_dirty_data_sync_percent` of `zfs_dirty_data_max` (20% of 10% of RAM). A copy smaller
//! than that threshold, or one slower than the timeout, leaves most of its target's write-out
//! to its end, where the final `fdatasync` (and the zvol's last close, which waits for the
//! transaction group) does all of it while nothing is read any more. Measured in the OpenZFS VM
//! (`benches/results/zvol-write-out-2026-12-04.md`), that tail was half of a 64 MiB copy.
//!
//! The pacer syncs the target's pool (`zpool sync POOL`) whenever the copy has gone [`STEP`]
//! further (bytes written or zeroed) since the last sync began, one sync at a time, so the
//! write-out overlaps the reads. Durability still comes from the copy's own `fdatasync`; a sync
//! that fails or cannot start only ends the pacing, and the report's notes say which and why.
//! The pool is found through the `/dev/zvol/POOL/...` links udev makes; without them there is
//! no pacing. `VOLCLONE_ZPOOL` names the `zpool` command, as for the executor's pool syncs.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use super::device::Endpoint;

/// Bytes of the copy (written or zeroed) between the starts of two pool syncs.
pub(super) const STEP: u64 = 8 << 20;

/// How often the pacer looks at how far the copy is.
const POLL: Duration = Duration::from_millis(50);

/// The pool of a zvol target, when the target is a zvol and its name is found (from its
/// `/dev/zvol` path or the links udev made, as a checkpoint's identity finds it).
pub(super) fn pool_of(tgt: &Endpoint) -> Option<String> {
    pool_of_dataset(tgt.zvol_name()?)
}

/// The pool of zvol `name` (`tank/a/b` → `tank`); `None` for a bare pool name, never a zvol.
fn pool_of_dataset(name: &str) -> Option<String> {
    let (pool, _) = name.split_once('/')?;
    (!pool.is_empty()).then(|| pool.to_string())
}

/// Whether to start a sync: none running and the copy [`STEP`] further than when the last began.
fn due(copied: u64, at_last_start: u64, running: bool) -> bool {
    !running && copied.saturating_sub(at_last_start) >= STEP
}

/// What the pacing did: the syncs it started, and why it stopped early, if it did.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Pacing {
    /// `zpool sync` processes started.
    pub(super) started: u32,
    /// Set when a sync failed or could not start: the pacing ended there.
    pub(super) stopped: Option<String>,
}

impl Pacing {
    /// The report's note for a copy onto a zvol of `pool`; `None` when nothing was started or tried.
    pub(super) fn note(&self, pool: &str) -> Option<String> {
        match (&self.stopped, self.started) {
            (None, 0) => None,
            (None, n) => Some(format!(
                "started {n} sync(s) of pool {pool} during the copy, so ZFS wrote the target out while the source was read"
            )),
            (Some(why), n) => Some(format!(
                "pool syncs during the copy stopped after {n} started: {why}; the copy's own fdatasync still made the target durable"
            )),
        }
    }
}

/// Runs until `done`: starts `PROGRAM sync POOL` each time it is [`due`]. A sync still running
/// at the end is left to finish and reaped on its own thread: a pool that hangs (suspended)
/// must not hold up the copy, which reports the pool's state itself.
pub(super) fn run(program: &str, pool: &str, copied: &AtomicU64, done: &AtomicBool) -> Pacing {
    let mut pacing = Pacing::default();
    let mut at_last = 0;
    let mut child: Option<Child> = None;
    while !done.load(Relaxed) {
        std::thread::sleep(POLL);
        if let Some(c) = &mut child {
            match poll(program, pool, c) {
                SyncState::Running => continue,
                SyncState::Done => {
                    tracing::debug!(pool, copied = copied.load(Relaxed), "pool sync finished");
                    child = None;
                }
                // A failed sync ends the pacing: the copy's own fdatasync decides durability.
                SyncState::Failed(why) => {
                    pacing.stopped = Some(why);
                    return pacing;
                }
            }
        }
        let w = copied.load(Relaxed);
        if due(w, at_last, child.is_some()) {
            match Command::new(program)
                .arg("sync")
                .arg(pool)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                // Read once it has exited, for the note (zpool says little: no pipe fills up).
                .stderr(Stdio::piped())
                .spawn()
            {
                Ok(c) => {
                    tracing::debug!(
                        pool,
                        copied = w,
                        "pool sync started to write the target out early"
                    );
                    child = Some(c);
                    at_last = w;
                    pacing.started += 1;
                }
                Err(e) => {
                    pacing.stopped = Some(format!("cannot run `{program} sync {pool}`: {e}"));
                    return pacing;
                }
            }
        }
    }
    if let Some(c) = child {
        finish(program, pool, c, &mut pacing);
    }
    pacing
}

/// The sync still there when the copy ended: a failure already seen (or a sync that cannot be
/// waited for) goes into `pacing`; one still running is reaped on its own thread, never waited for.
fn finish(program: &str, pool: &str, mut c: Child, pacing: &mut Pacing) {
    match poll(program, pool, &mut c) {
        SyncState::Running => {
            std::thread::spawn(move || c.wait());
        }
        SyncState::Done => {}
        SyncState::Failed(why) => pacing.stopped = Some(why),
    }
}

/// Where a started sync stands.
enum SyncState {
    Running,
    Done,
    /// It failed, or cannot be waited for: why, for the note.
    Failed(String),
}

/// Looks at the sync `c` without waiting.
fn poll(program: &str, pool: &str, c: &mut Child) -> SyncState {
    match c.try_wait() {
        Ok(None) => SyncState::Running,
        Ok(Some(st)) if st.success() => SyncState::Done,
        Ok(Some(st)) => SyncState::Failed(failed(program, pool, st, c)),
        Err(e) => SyncState::Failed(format!("cannot wait for `{program} sync {pool}`: {e}")),
    }
}

/// Why a sync that exited with `st` failed: its status and the first line it wrote to stderr.
fn failed(program: &str, pool: &str, st: std::process::ExitStatus, c: &mut Child) -> String {
    let mut err = String::new();
    if let Some(mut e) = c.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut err);
    }
    match err.lines().find(|l| !l.trim().is_empty()) {
        Some(line) => format!("`{program} sync {pool}` failed ({st}): {}", line.trim()),
        None => format!("`{program} sync {pool}` failed ({st})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_from_zvol_names() {
        assert_eq!(pool_of_dataset("tank/vol"), Some("tank".into()));
        assert_eq!(pool_of_dataset("my pool/a b/-c"), Some("my pool".into()));
        assert_eq!(pool_of_dataset("tank/linstor/pvc_00000"), Some("tank".into()));
        // A pool's root is a file system, never a zvol; an empty name names nothing.
        assert_eq!(pool_of_dataset("tank"), None);
        assert_eq!(pool_of_dataset(""), None);
        assert_eq!(pool_of_dataset("/vol"), None);
    }

    #[test]
    fn a_sync_is_due_each_step_and_never_two_at_once() {
        assert!(!due(0, 0, false));
        assert!(!due(STEP - 1, 0, false));
        assert!(due(STEP, 0, false));
        assert!(!due(STEP, 0, true), "one sync at a time");
        assert!(!due(STEP + 4096, STEP, false));
        assert!(due(3 * STEP, STEP, false));
    }

    /// Runs the pacer with `program` over a copy that is one step along, then ends the copy
    /// after `copy_for`; returns what it did and how long it ran.
    fn pace_with(program: &str, copy_for: Duration) -> (Pacing, Duration) {
        let copied = AtomicU64::new(STEP);
        let done = AtomicBool::new(false);
        let t0 = std::time::Instant::now();
        std::thread::scope(|s| {
            let h = s.spawn(|| run(program, "volclone-test-pool", &copied, &done));
            std::thread::sleep(copy_for);
            done.store(true, Relaxed);
            (h.join().unwrap(), t0.elapsed())
        })
    }

    /// A script standing for `zpool`: `body` is its shell text.
    fn fake_zpool(dir: &std::path::Path, body: &str) -> String {
        use std::os::unix::fs::PermissionsExt;
        let p = dir.join("zpool");
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p.to_str().unwrap().to_string()
    }

    #[test]
    fn pacing_stops_when_the_copy_is_done_and_starts_nothing_below_a_step() {
        let copied = AtomicU64::new(STEP - 1);
        let done = AtomicBool::new(false);
        std::thread::scope(|s| {
            let h = s.spawn(|| run("volclone-no-such-zpool", "tank", &copied, &done));
            std::thread::sleep(POLL * 4);
            done.store(true, Relaxed);
            assert_eq!(h.join().unwrap(), Pacing::default());
        });
    }

    #[test]
    fn a_failing_sync_ends_the_pacing_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let zpool = fake_zpool(dir.path(), "echo 'cannot sync: no such pool' >&2; exit 3");
        let (p, _) = pace_with(&zpool, POLL * 20);
        assert_eq!(p.started, 1, "one sync started, none after it failed: {p:?}");
        let why = p.stopped.as_deref().expect("the failure is kept");
        assert!(why.contains("sync volclone-test-pool") && why.contains('3'), "{why}");
        assert!(why.ends_with(": cannot sync: no such pool"), "stderr's line is kept: {why}");
        let note = p.note("volclone-test-pool").unwrap();
        assert!(note.contains("stopped after 1 started") && note.contains("fdatasync"), "{note}");
    }

    #[test]
    fn a_sync_that_failed_by_the_end_of_the_copy_is_still_reported() {
        let dir = tempfile::tempdir().unwrap();
        let zpool = fake_zpool(dir.path(), "echo 'pool is suspended' >&2; exit 2");
        let mut c = Command::new(&zpool).arg("sync").arg("tank").stderr(Stdio::piped()).spawn().unwrap();
        c.wait().unwrap(); // exited before the copy ended (try_wait then returns its status)
        let mut p = Pacing { started: 1, stopped: None };
        finish(&zpool, "tank", c, &mut p);
        let why = p.stopped.expect("the failure is reported");
        assert!(why.starts_with(&format!("`{zpool} sync tank` failed (")), "{why}");
        assert!(why.ends_with("): pool is suspended"), "{why}");
    }

    #[test]
    fn a_missing_zpool_ends_the_pacing_and_says_so() {
        let (p, _) = pace_with("/nonexistent/volclone-zpool", POLL * 4);
        assert_eq!(p.started, 0);
        assert!(p.stopped.as_deref().unwrap().starts_with("cannot run `/nonexistent/volclone-zpool sync"));
    }

    #[test]
    fn a_hanging_sync_does_not_hold_up_the_end_of_the_copy() {
        let dir = tempfile::tempdir().unwrap();
        let zpool = fake_zpool(dir.path(), "sleep 30");
        let (p, took) = pace_with(&zpool, POLL * 4);
        assert_eq!(p, Pacing { started: 1, stopped: None });
        assert!(took < Duration::from_secs(5), "the pacer waited for the hung sync: {took:?}");
        assert!(p.note("tank").unwrap().starts_with("started 1 sync(s) of pool tank"));
    }
}
