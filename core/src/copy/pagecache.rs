//! `IoMode::Streaming`: both sides through the page cache, for the kernel's read-ahead and
//! write-back, leaving the cache as the copy found it.
//!
//! - Source: before the copy's reads (and the kernel's read-ahead) reach a window of the source,
//!   [`Kept`] notes which of its pages are cached (`mincore` on a mapping that is never
//!   touched). Once a chunk is copied, its pages that were not cached then are dropped
//!   (`POSIX_FADV_DONTNEED`); pages others had cached stay.
//! - Target: each write starts its own write-back (`sync_file_range`), and the range
//!   [`BEHIND`] earlier is waited for and dropped, so at most about that much of the target is
//!   cached at a time. Whatever the target had cached before is stale: it is all dropped at the
//!   end. Durability still comes from the copy's fdatasync, never from these hints.

use std::collections::BTreeMap;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::sync::Mutex;

const PAGE: u64 = 4096;

/// How far behind a target write its pages are written back and dropped.
pub(super) const BEHIND: u64 = 32 << 20;

/// Bytes of the source whose residency is noted at once; also how far ahead of the copy it
/// is noted (the kernel reads ahead a few MiB at most).
const WINDOW: u64 = 64 << 20;

/// Which pages of one side were cached before the copy came near them: per window of
/// [`WINDOW`] bytes, the cached runs as `(start, end)` byte offsets.
pub(super) struct Kept {
    size: u64,
    /// `None`: the side keeps nothing (a target: all its cached pages are stale).
    windows: Option<Mutex<BTreeMap<u64, Vec<(u64, u64)>>>>,
}

impl Kept {
    /// For a source of `size` bytes: its first windows noted now, before any read.
    pub(super) fn source(file: &File, size: u64) -> Kept {
        let kept = Kept { size, windows: Some(Mutex::new(BTreeMap::new())) };
        kept.ahead_of(file, 0);
        kept
    }

    /// For a target of `size` bytes: nothing it has cached is kept.
    pub(super) fn target(size: u64) -> Kept {
        Kept { size, windows: None }
    }

    /// Called before the copy reads at `off`: notes the windows up to two ahead of it.
    pub(super) fn ahead_of(&self, file: &File, off: u64) {
        let Some(windows) = &self.windows else { return };
        let mut w = windows.lock().unwrap_or_else(|p| p.into_inner());
        let first = off / WINDOW;
        for i in first..=first + 2 {
            let start = i * WINDOW;
            if start >= self.size || w.contains_key(&i) {
                continue;
            }
            let end = (start + WINDOW).min(self.size);
            // A window that cannot be asked about counts as cached: nothing of it is dropped.
            w.insert(i, cached_runs(file, start, end).unwrap_or_else(|| vec![(start, end)]));
        }
    }

    /// Drops the pages of `[off, off+len)` that were not cached before the copy (for a target:
    /// all of them; dirty pages stay until written back).
    pub(super) fn release(&self, file: &File, off: u64, len: u64) {
        let end = (off + len).min(self.size);
        let Some(windows) = &self.windows else {
            advise_dontneed(file, off, end);
            return;
        };
        let w = windows.lock().unwrap_or_else(|p| p.into_inner());
        let mut at = off;
        while at < end {
            let i = at / WINDOW;
            let stop = ((i + 1) * WINDOW).min(end);
            // A window never noted (the copy never came near it) keeps everything.
            if let Some(runs) = w.get(&i) {
                let mut from = at;
                for &(a, b) in runs.iter().filter(|&&(a, b)| b > at && a < stop) {
                    advise_dontneed(file, from, a.max(from));
                    from = b.min(stop);
                }
                advise_dontneed(file, from, stop);
            }
            at = stop;
        }
    }
}

/// The cached runs of `[start, end)`, or `None` where the kernel cannot say.
fn cached_runs(file: &File, start: u64, end: u64) -> Option<Vec<(u64, u64)>> {
    let span = (end - start) as usize;
    let mut vec = vec![0u8; span.div_ceil(PAGE as usize)];
    // SAFETY: a fresh shared read-only mapping that is never read, only asked about with
    // mincore, then unmapped; `vec` has one byte per page of it. `start` is page-aligned
    // (a multiple of WINDOW).
    unsafe {
        let p = libc::mmap(std::ptr::null_mut(), span, libc::PROT_READ, libc::MAP_SHARED, file.as_raw_fd(), start as libc::off_t);
        if p == libc::MAP_FAILED {
            return None;
        }
        let rc = libc::mincore(p, span, vec.as_mut_ptr());
        libc::munmap(p, span);
        if rc != 0 {
            return None;
        }
    }
    let mut runs = Vec::new();
    let mut i = 0;
    while i < vec.len() {
        if vec[i] & 1 == 0 {
            i += 1;
            continue;
        }
        let j = (i..vec.len()).find(|&k| vec[k] & 1 == 0).unwrap_or(vec.len());
        runs.push((start + i as u64 * PAGE, (start + j as u64 * PAGE).min(end)));
        i = j;
    }
    Some(runs)
}

/// Asks the kernel to drop the clean cached pages of `[a, b)` (partial pages at the edges stay).
fn advise_dontneed(file: &File, a: u64, b: u64) {
    if b > a {
        // SAFETY: an advisory call on a valid descriptor.
        unsafe { libc::posix_fadvise(file.as_raw_fd(), a as libc::off_t, (b - a) as libc::off_t, libc::POSIX_FADV_DONTNEED) };
    }
}

/// Asks for read-ahead suited to one pass from start to end.
pub(super) fn advise_sequential(file: &File) {
    // SAFETY: an advisory call on a valid descriptor.
    unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_SEQUENTIAL) };
}

/// After a buffered write of `len` bytes at `off`: starts its write-back, then waits for the
/// write-back of the same range [`BEHIND`] earlier and drops it. Errors are left to the
/// copy's fdatasync, which reports them (these calls are hints).
pub(super) fn write_behind(file: &File, kept: &Kept, off: u64, len: usize) {
    let fd = file.as_raw_fd();
    // SAFETY: sync_file_range has no memory effects.
    unsafe { libc::sync_file_range(fd, off as libc::off_t, len as libc::off_t, libc::SYNC_FILE_RANGE_WRITE) };
    if off >= BEHIND {
        let at = off - BEHIND;
        let wait = libc::SYNC_FILE_RANGE_WAIT_BEFORE | libc::SYNC_FILE_RANGE_WRITE | libc::SYNC_FILE_RANGE_WAIT_AFTER;
        // SAFETY: as above.
        unsafe { libc::sync_file_range(fd, at as libc::off_t, len as libc::off_t, wait) };
        kept.release(file, at, len as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn cached_bytes(file: &File, size: u64) -> u64 {
        cached_runs(file, 0, size).unwrap().iter().map(|(a, b)| b - a).sum()
    }

    #[test]
    fn a_source_keeps_what_was_cached_and_drops_what_the_copy_brought_in() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let size = 8u64 << 20;
        let mut f = File::create(&path).unwrap();
        f.write_all(&vec![7u8; size as usize]).unwrap();
        f.sync_all().unwrap();
        drop(f);
        let f = File::open(&path).unwrap();
        advise_dontneed(&f, 0, size);
        if cached_bytes(&f, size) != 0 {
            eprintln!("skipped: this file system keeps pages cached after POSIX_FADV_DONTNEED");
            return;
        }
        // Someone else reads the first MiB before the copy (its own descriptor, no read-ahead).
        let other = File::open(&path).unwrap();
        // SAFETY: an advisory call on a valid descriptor.
        unsafe { libc::posix_fadvise(other.as_raw_fd(), 0, 0, libc::POSIX_FADV_RANDOM) };
        let mut b = vec![0u8; 1 << 20];
        std::os::unix::fs::FileExt::read_exact_at(&other, &mut b, 0).unwrap();
        let before = cached_runs(&f, 0, size).unwrap();
        assert!(!before.is_empty(), "the other reader's pages are cached");
        let kept = Kept::source(&f, size);
        advise_sequential(&f);
        let mut all = vec![0u8; size as usize];
        std::os::unix::fs::FileExt::read_exact_at(&f, &mut all, 0).unwrap();
        assert!(cached_bytes(&f, size) > 4 << 20, "the copy's reads are cached");
        kept.release(&f, 0, size);
        let left = cached_runs(&f, 0, size).unwrap();
        // What was cached before stays (less what the kernel's reclaim may take meanwhile on a
        // busy host, a few pages); nothing else does.
        let within = |&(a, b): &(u64, u64)| before.iter().any(|&(c, d)| c <= a && b <= d);
        assert!(left.iter().all(within), "only pages cached before stay: {left:?} against {before:?}");
        let bytes = |r: &[(u64, u64)]| r.iter().map(|(a, b)| b - a).sum::<u64>();
        assert!(bytes(&left) * 10 >= bytes(&before) * 9, "pages cached before stay: {left:?} against {before:?}");
    }
}
