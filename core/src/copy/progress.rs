//! The progress sink seam (CLI bar, C callback, Java listener) and the cancel token.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A snapshot of a running copy or verify.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProgressUpdate {
    /// `"copy"` or `"verify"`.
    pub phase: &'static str,
    /// Bytes of the source handled so far (read, or skipped as holes).
    pub bytes_done: u64,
    /// Bytes in all.
    pub bytes_total: u64,
    /// Average rate since the phase started, bytes per second.
    pub bytes_per_sec: f64,
}

/// Receives progress, from one reporter thread, a few times a second and once at the end of
/// each phase. Never called from the copy's hot path.
pub trait Progress: Sync {
    /// Called with the latest numbers.
    fn update(&self, update: &ProgressUpdate);
}

/// A sink that ignores progress.
pub struct NoProgress;

impl Progress for NoProgress {
    fn update(&self, _: &ProgressUpdate) {}
}

impl<F: Fn(&ProgressUpdate) + Sync> Progress for F {
    fn update(&self, update: &ProgressUpdate) {
        self(update)
    }
}

/// Stops a copy from any thread: workers see it between chunks and the copy ends with
/// [`crate::Error::Cancelled`]. Clones share one flag.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> Self {
        Self::default()
    }
    /// Requests cancellation.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    /// Whether cancellation was requested.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}
