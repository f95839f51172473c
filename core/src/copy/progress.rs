//! The progress sink seam (CLI bar, C callback, Java listener) and the cancel token.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};

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

/// Receives progress a few times a second and once at the end of each phase, never from the
/// copy's hot path. Which thread calls it: see [`on_reporter_thread`], which the C and Java
/// bindings use so that it is always one named thread per operation.
pub trait Progress: Sync {
    /// Called with the latest numbers.
    fn update(&self, update: &ProgressUpdate);
}

/// Runs `f` with a progress sink whose every update reaches `sink` on one named thread
/// (`volclone-report`), made for this operation and ended with it: a caller that must attach
/// threads (a JVM) attaches one thread once, and no update ever runs on the caller's thread or a
/// worker's. Updates of one phase are coalesced (the newest wins); the last update of every
/// phase is delivered. A sink that is slow or panics never changes `f`'s result.
pub fn on_reporter_thread<R>(sink: &dyn Progress, f: impl FnOnce(&dyn Progress) -> R) -> R {
    let relay = Relay { queue: Mutex::new((VecDeque::new(), false)), ready: Condvar::new() };
    std::thread::scope(|s| {
        let reporter = std::thread::Builder::new().name("volclone-report".into()).spawn_scoped(s, || relay.deliver(sink));
        let result = match &reporter {
            Ok(_) => f(&relay),
            // No thread to be had: no progress rather than no operation.
            Err(_) => f(&NoProgress),
        };
        relay.close();
        if let Ok(h) = reporter {
            let _ = h.join();
        }
        result
    })
}

/// The queue between an operation and its reporter thread.
struct Relay {
    /// Pending updates, and whether the operation has ended.
    queue: Mutex<(VecDeque<ProgressUpdate>, bool)>,
    ready: Condvar,
}

impl Relay {
    fn deliver(&self, sink: &dyn Progress) {
        loop {
            let next = {
                let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
                while q.0.is_empty() && !q.1 {
                    q = self.ready.wait(q).unwrap_or_else(|p| p.into_inner());
                }
                match q.0.pop_front() {
                    Some(u) => u,
                    None => return,
                }
            };
            if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sink.update(&next))).is_err() {
                tracing::warn!("a progress sink panicked; its later updates are dropped");
                return;
            }
        }
    }

    fn close(&self) {
        self.queue.lock().unwrap_or_else(|p| p.into_inner()).1 = true;
        self.ready.notify_all();
    }
}

impl Progress for Relay {
    fn update(&self, update: &ProgressUpdate) {
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        match q.0.back_mut() {
            Some(last) if last.phase == update.phase => *last = *update,
            _ => q.0.push_back(*update),
        }
        self.ready.notify_one();
    }
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
/// [`crate::Error::Cancelled`]. Clones share one flag. Once cancelled it stays cancelled (a
/// token is for one operation); [`CancelToken::reset`] re-arms it for the next.
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
    /// Clears a cancellation, so the token can serve another operation. Resetting while an
    /// operation still runs lets it go on.
    pub fn reset(&self) {
        self.0.store(false, Ordering::SeqCst);
    }
    /// Whether cancellation was requested.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_update_comes_from_one_named_thread_and_each_phase_ends_delivered() {
        let seen = Mutex::new(Vec::new());
        let sink = |u: &ProgressUpdate| {
            seen.lock().unwrap().push((std::thread::current().name().map(str::to_owned), u.phase, u.bytes_done));
        };
        let caller = std::thread::current().id();
        let r = on_reporter_thread(&sink, |p| {
            std::thread::scope(|s| {
                for _ in 0..3 {
                    s.spawn(|| {
                        for i in 0..100 {
                            p.update(&ProgressUpdate { phase: "copy", bytes_done: i, bytes_total: 100, bytes_per_sec: 0.0 });
                        }
                    });
                }
            });
            p.update(&ProgressUpdate { phase: "copy", bytes_done: 100, bytes_total: 100, bytes_per_sec: 0.0 });
            p.update(&ProgressUpdate { phase: "verify", bytes_done: 100, bytes_total: 100, bytes_per_sec: 0.0 });
            std::thread::current().id()
        });
        assert_eq!(r, caller, "the operation runs on the caller's thread");
        let seen = seen.into_inner().unwrap();
        assert!(seen.iter().all(|(name, _, _)| name.as_deref() == Some("volclone-report")), "{seen:?}");
        let last_copy = seen.iter().rfind(|(_, ph, _)| *ph == "copy").unwrap();
        assert_eq!(last_copy.2, 100, "the copy phase's last update arrives");
        assert_eq!(seen.last().unwrap().1, "verify");
    }

    #[test]
    fn a_panicking_sink_does_not_change_the_result() {
        let sink = |_: &ProgressUpdate| panic!("listener bug");
        let r = on_reporter_thread(&sink, |p| {
            p.update(&ProgressUpdate { phase: "copy", bytes_done: 1, bytes_total: 1, bytes_per_sec: 0.0 });
            42
        });
        assert_eq!(r, 42);
    }

    #[test]
    fn a_reset_token_serves_again() {
        let t = CancelToken::new();
        t.cancel();
        assert!(t.is_cancelled());
        t.reset();
        assert!(!t.is_cancelled());
    }
}
