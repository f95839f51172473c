//! Pumping a `zfs send` stream into a `zfs receive` through volclone: progress, rate limit and
//! cancellation apply to the stream itself.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use crate::copy::{CancelToken, Progress, ProgressUpdate};
use crate::error::{Error, Result};

/// Copies `from` into `to` until EOF; returns bytes copied. `Cancelled` when the token fires.
/// `total` is the expected size for progress (0: unknown); the final update reports the bytes
/// that really went through as the total.
pub(super) fn pump(
    mut from: impl Read,
    mut to: impl Write,
    rate_limit: Option<u64>,
    total: u64,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<u64> {
    let mut buf = vec![0u8; 1 << 20];
    let started = Instant::now();
    let mut last_report = started;
    let mut done = 0u64;
    let report = |done: u64, total: u64| {
        let secs = started.elapsed().as_secs_f64().max(1e-9);
        progress.update(&ProgressUpdate { phase: "send", bytes_done: done, bytes_total: total.max(done), bytes_per_sec: done as f64 / secs });
    };
    loop {
        if cancel.is_cancelled() {
            return Err(Error::Cancelled { done, total });
        }
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io("read", "zfs send stream", Some(done), e)),
        };
        to.write_all(&buf[..n]).map_err(|e| Error::io("write", "zfs receive stream", Some(done), e))?;
        done += n as u64;
        if let Some(rate) = rate_limit {
            let ahead = Duration::from_secs_f64(done as f64 / rate as f64).saturating_sub(started.elapsed());
            std::thread::sleep(ahead);
        }
        if last_report.elapsed() >= Duration::from_millis(200) {
            report(done, total);
            last_report = Instant::now();
        }
    }
    report(done, done);
    Ok(done)
}
