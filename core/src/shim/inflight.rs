//! Clones the shim is running, for `volclone linstor-shim status` (LINSTOR shows no progress:
//! this is the operator's view). Each takeover keeps a small JSON file in volclone's lock
//! directory (`inflight/`), rewritten at most once a second from the stream's progress and
//! removed when it ends; a file whose process is gone (a SIGKILL) is listed as stale and
//! removed by `volclone linstor-shim cleanup`.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::copy::{Progress, ProgressUpdate};
use crate::error::Result;

/// One clone in flight, as its file holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The shim's process.
    pub pid: u32,
    /// The snapshot the stream carries.
    pub source: String,
    /// The target.
    pub target: String,
    /// When it started (seconds since the epoch).
    pub started: u64,
    /// Bytes received so far.
    pub bytes_done: u64,
    /// The stream's size as `zfs send -nP` estimates it, 0 while unknown.
    pub bytes_total: u64,
    /// When the figures were written (seconds since the epoch).
    pub updated: u64,
}

impl Entry {
    /// Whether its process is still running.
    pub fn alive(&self) -> bool {
        // SAFETY: signal 0 only checks that the process exists.
        unsafe { libc::kill(self.pid as i32, 0) == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM) }
    }

    /// Bytes per second so far.
    pub fn rate(&self) -> f64 {
        self.bytes_done as f64 / (self.updated.saturating_sub(self.started)).max(1) as f64
    }

    /// Percent done and seconds left, when the total is known.
    pub fn eta(&self) -> Option<(f64, u64)> {
        (self.bytes_total > 0).then(|| {
            let pct = (self.bytes_done as f64 * 100.0 / self.bytes_total as f64).min(100.0);
            let left = self.bytes_total.saturating_sub(self.bytes_done) as f64 / self.rate().max(1.0);
            (pct, left as u64)
        })
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
}

fn dir() -> Result<PathBuf> {
    let d = crate::state::dir(crate::state::Purpose::Locks)?.join("inflight");
    crate::state::private(&d)?;
    Ok(d)
}

/// Every clone in flight (and stale ones: [`Entry::alive`] tells), sorted by target.
pub fn list() -> Result<Vec<(PathBuf, Entry)>> {
    let d = dir()?;
    let mut out = Vec::new();
    for e in std::fs::read_dir(&d).map_err(|e| crate::Error::io("list", &d, None, e))?.flatten() {
        let p = e.path();
        if let Some(entry) = crate::state::open_no_follow(&p).ok().and_then(|f| serde_json::from_reader::<_, Entry>(f).ok()) {
            out.push((p, entry));
        }
    }
    out.sort_by(|a, b| a.1.target.cmp(&b.1.target));
    Ok(out)
}

/// The file of one takeover: written as progress comes, removed on drop.
pub struct Record {
    path: Option<PathBuf>,
    entry: Mutex<(Entry, Instant)>,
}

impl Record {
    /// Starts the record of a takeover of `source` onto `target` (no file where the lock
    /// directory cannot be used: the clone runs all the same).
    pub fn start(source: &str, target: &str) -> Record {
        let entry = Entry { pid: std::process::id(), source: source.into(), target: target.into(), started: now(), bytes_done: 0, bytes_total: 0, updated: now() };
        let path = dir().ok().map(|d| d.join(crate::state::file_name_for(target, "json")));
        let r = Record { path, entry: Mutex::new((entry, Instant::now() - Duration::from_secs(2))) };
        r.write();
        r
    }

    fn write(&self) {
        let Some(p) = &self.path else { return };
        let text = serde_json::to_string(&self.entry.lock().unwrap_or_else(|e| e.into_inner()).0).unwrap_or_default();
        let tmp = p.with_extension("json.tmp");
        let ok = crate::state::create_private_file(&tmp).and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes())).and_then(|()| std::fs::rename(&tmp, p));
        if let Err(e) = ok {
            tracing::debug!("in-flight record {}: {e}", p.display());
        }
    }
}

impl Progress for Record {
    fn update(&self, u: &ProgressUpdate) {
        let due = {
            let mut g = self.entry.lock().unwrap_or_else(|e| e.into_inner());
            g.0.bytes_done = u.bytes_done;
            g.0.bytes_total = u.bytes_total;
            g.0.updated = now();
            let due = g.1.elapsed() >= Duration::from_secs(1) || (u.bytes_total > 0 && u.bytes_done >= u.bytes_total);
            if due {
                g.1 = Instant::now();
            }
            due
        };
        if due {
            self.write();
        }
    }
}

impl Drop for Record {
    fn drop(&mut self) {
        if let Some(p) = &self.path {
            let _ = std::fs::remove_file(p);
        }
    }
}
