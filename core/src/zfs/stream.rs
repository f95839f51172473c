//! Moving a `zfs send` stream into a `zfs receive` through volclone: progress, rate limit and
//! cancellation apply to the stream itself. Both ends are pipes, so the bytes move with
//! `splice(2)` from one pipe to the other: the kernel hands the pages over and volclone never
//! copies them (a read/write loop is kept for ends that cannot splice). The pipes are enlarged,
//! so each wake-up moves up to a megabyte, and volclone waits in `poll(2)`, so a cancel is seen
//! within [`TICK`] even while the stream stalls.

use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use crate::copy::{CancelToken, Progress, ProgressUpdate};
use crate::error::{Error, Result};

/// The longest volclone waits for the stream before looking at the cancel token again.
const TICK: Duration = Duration::from_millis(100);
/// Pipe size asked for (Linux's default unprivileged maximum, `/proc/sys/fs/pipe-max-size`).
const PIPE_BYTES: i32 = 1 << 20;
/// At most this much per splice or read.
const CHUNK: usize = 1 << 20;

#[cfg(test)]
thread_local! {
    /// Bytes this thread moved by splice (tests check the zero-copy path is the one taken).
    static SPLICED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Copies `from` into `to` until EOF; returns bytes copied. `Cancelled` when the token fires.
/// `total` is the expected size for progress (0 while unknown; it may arrive during the stream);
/// the final update reports the bytes that really went through as the total.
pub(super) fn pump<R: Read + AsFd, W: Write + AsFd>(
    mut from: R,
    mut to: W,
    rate_limit: Option<u64>,
    total: &AtomicU64,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<u64> {
    // A receive that dies makes writes to its pipe raise SIGPIPE, which would end a C or Java
    // host that has not ignored it: blocked on this thread, the write fails with EPIPE instead.
    let _sigpipe = SigpipeBlocked::new();
    for fd in [from.as_fd(), to.as_fd()] {
        // SAFETY: fcntl on a borrowed, open fd; failure (not a pipe, over the limit) is harmless.
        unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETPIPE_SZ, PIPE_BYTES) };
    }
    let started = Instant::now();
    let mut last_report = started;
    let mut done = 0u64;
    let report = |done: u64, total: u64| {
        let secs = started.elapsed().as_secs_f64().max(1e-9);
        progress.update(&ProgressUpdate { phase: "send", bytes_done: done, bytes_total: total.max(done), bytes_per_sec: done as f64 / secs });
    };
    let mut can_splice = true;
    let mut buf = Vec::new();
    loop {
        if cancel.is_cancelled() {
            return Err(Error::Cancelled { done, total: total.load(Relaxed) });
        }
        if last_report.elapsed() >= Duration::from_millis(200) {
            report(done, total.load(Relaxed));
            last_report = Instant::now();
        }
        let want = match rate_limit {
            Some(rate) => {
                let allowed = (started.elapsed().as_secs_f64() * rate as f64) as u64;
                if allowed <= done {
                    let behind = Duration::from_secs_f64((done + 1) as f64 / rate as f64).saturating_sub(started.elapsed());
                    std::thread::sleep(behind.min(TICK));
                    continue;
                }
                ((allowed - done) as usize).clamp(1, CHUNK)
            }
            None => CHUNK,
        };
        if !wait(from.as_fd(), libc::POLLIN).map_err(|e| Error::io("poll", "zfs send stream", Some(done), e))? {
            continue;
        }
        let n = if can_splice {
            match splice(from.as_fd(), to.as_fd(), want) {
                Ok(Some(n)) => {
                    #[cfg(test)]
                    SPLICED.with(|c| c.set(c.get() + n as u64));
                    n
                }
                Ok(None) => {
                    // The receive's pipe is full: wait for room.
                    wait(to.as_fd(), libc::POLLOUT).map_err(|e| Error::io("poll", "zfs receive stream", Some(done), e))?;
                    continue;
                }
                Err(e) if e.raw_os_error() == Some(libc::EINVAL) && done == 0 => {
                    can_splice = false;
                    continue;
                }
                // splice(2) looks for the output's reader before the input's end: a receive that
                // read the whole stream and exited races this loop's last call (seen on OpenZFS
                // 2.3 in CI). At the input's end nothing was lost; the receive's exit status,
                // which every caller checks, says whether what it read was complete.
                Err(e) if e.raw_os_error() == Some(libc::EPIPE) && at_end(&mut from) => break,
                Err(e) => return Err(Error::io("splice", "zfs send stream into zfs receive", Some(done), e)),
            }
        } else {
            buf.resize(CHUNK, 0);
            match from.read(&mut buf[..want]) {
                Ok(n) => {
                    to.write_all(&buf[..n]).map_err(|e| Error::io("write", "zfs receive stream", Some(done), e))?;
                    n
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io("read", "zfs send stream", Some(done), e)),
            }
        };
        if n == 0 {
            break;
        }
        done += n as u64;
    }
    report(done, done);
    Ok(done)
}

/// True when `from` (just seen readable) is at its end: a read of it returns nothing.
fn at_end(from: &mut impl Read) -> bool {
    loop {
        match from.read(&mut [0u8; 1]) {
            Ok(n) => return n == 0,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return false,
        }
    }
}

/// Waits up to [`TICK`] for `events` on `fd`; true when they (or a hang-up or error) came.
fn wait(fd: BorrowedFd<'_>, events: libc::c_short) -> std::io::Result<bool> {
    let mut p = libc::pollfd { fd: fd.as_raw_fd(), events, revents: 0 };
    // SAFETY: one valid pollfd.
    match unsafe { libc::poll(&mut p, 1, TICK.as_millis() as libc::c_int) } {
        -1 => {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted { Ok(false) } else { Err(e) }
        }
        0 => Ok(false),
        _ => Ok(true),
    }
}

/// One splice from pipe to pipe without blocking: `Some(0)` at EOF, `None` when it would block
/// (the input was just seen readable, so the output is full).
fn splice(from: BorrowedFd<'_>, to: BorrowedFd<'_>, len: usize) -> std::io::Result<Option<usize>> {
    loop {
        // SAFETY: two borrowed open fds, no offsets (pipes).
        let n = unsafe {
            libc::splice(
                from.as_raw_fd(),
                std::ptr::null_mut(),
                to.as_raw_fd(),
                std::ptr::null_mut(),
                len,
                libc::SPLICE_F_MOVE | libc::SPLICE_F_NONBLOCK | libc::SPLICE_F_MORE,
            )
        };
        if n >= 0 {
            return Ok(Some(n as usize));
        }
        let e = std::io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EAGAIN) => return Ok(None),
            _ => return Err(e),
        }
    }
}

/// SIGPIPE blocked on this thread while it lives; a SIGPIPE raised meanwhile is consumed before
/// the old mask comes back, so it is never delivered.
struct SigpipeBlocked {
    old: libc::sigset_t,
}

impl SigpipeBlocked {
    fn new() -> Self {
        // SAFETY: sigset operations on local sets; pthread_sigmask on the calling thread.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGPIPE);
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old);
            SigpipeBlocked { old }
        }
    }
}

impl Drop for SigpipeBlocked {
    fn drop(&mut self) {
        // SAFETY: as in new(); sigtimedwait with a zero timeout only takes a pending SIGPIPE.
        unsafe {
            if libc::sigismember(&self.old, libc::SIGPIPE) == 0 {
                let mut set: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut set);
                libc::sigaddset(&mut set, libc::SIGPIPE);
                let zero = libc::timespec { tv_sec: 0, tv_nsec: 0 };
                while libc::sigtimedwait(&set, std::ptr::null_mut(), &zero) == libc::SIGPIPE {}
            }
            libc::pthread_sigmask(libc::SIG_SETMASK, &self.old, std::ptr::null_mut());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Seen(Mutex<Vec<ProgressUpdate>>);
    impl Progress for Seen {
        fn update(&self, u: &ProgressUpdate) {
            self.0.lock().unwrap().push(*u);
        }
    }

    /// A writer thread feeding `data` into a pipe, in pieces, with pauses.
    fn feeder(data: Vec<u8>, pause: Duration) -> (std::fs::File, std::thread::JoinHandle<()>) {
        let (r, mut w) = std::io::pipe().unwrap();
        let h = std::thread::spawn(move || {
            for piece in data.chunks(300_001) {
                if w.write_all(piece).is_err() {
                    return;
                }
                std::thread::sleep(pause);
            }
        });
        (std::fs::File::from(std::os::fd::OwnedFd::from(r)), h)
    }

    fn drain() -> (std::fs::File, std::thread::JoinHandle<Vec<u8>>) {
        let (mut r, w) = std::io::pipe().unwrap();
        let h = std::thread::spawn(move || {
            let mut out = Vec::new();
            r.read_to_end(&mut out).unwrap();
            out
        });
        (std::fs::File::from(std::os::fd::OwnedFd::from(w)), h)
    }

    fn data(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 + i / 4093) as u8).collect()
    }

    #[test]
    fn pipe_to_pipe_moves_every_byte_with_progress_to_a_full_total() {
        let d = data(5_000_003);
        let (from, fh) = feeder(d.clone(), Duration::from_millis(30));
        let (to, th) = drain();
        let seen = Seen::default();
        let before = SPLICED.with(|c| c.get());
        let n = pump(from, to, None, &AtomicU64::new(4_000_000), &seen, &CancelToken::new()).unwrap();
        fh.join().unwrap();
        assert_eq!(n, d.len() as u64);
        assert_eq!(SPLICED.with(|c| c.get()) - before, n, "not every byte went by splice");
        assert!(th.join().unwrap() == d, "the stream arrived changed");
        let ups = seen.0.into_inner().unwrap();
        let last = ups.last().unwrap();
        assert_eq!((last.bytes_done, last.bytes_total), (n, n));
        assert!(ups.windows(2).all(|w| w[0].bytes_done <= w[1].bytes_done));
    }

    #[test]
    fn a_non_pipe_end_falls_back_to_read_and_write() {
        let d = data(3_000_000);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stream");
        std::fs::write(&path, &d).unwrap();
        // A regular file as the source and as the sink: splice between two files is EINVAL.
        let out = dir.path().join("out");
        let before = SPLICED.with(|c| c.get());
        let n = pump(std::fs::File::open(&path).unwrap(), std::fs::File::create(&out).unwrap(), None, &AtomicU64::new(0), &Seen::default(), &CancelToken::new())
            .unwrap();
        assert_eq!(n, d.len() as u64);
        assert_eq!(SPLICED.with(|c| c.get()), before);
        assert!(std::fs::read(&out).unwrap() == d);
    }

    #[test]
    fn rate_limit_holds_and_cancel_ends_a_stalled_stream() {
        let d = data(2_000_000);
        let (from, fh) = feeder(d.clone(), Duration::ZERO);
        let (to, th) = drain();
        let t = Instant::now();
        let n = pump(from, to, Some(4_000_000), &AtomicU64::new(0), &Seen::default(), &CancelToken::new()).unwrap();
        let secs = t.elapsed().as_secs_f64();
        fh.join().unwrap();
        assert_eq!(n, d.len() as u64);
        assert!(th.join().unwrap() == d);
        assert!(secs >= 0.45, "2 MB at 4 MB/s took only {secs:.2} s");
        // A sender that writes nothing and never closes: cancel still ends the pump.
        let (r, w) = std::io::pipe().unwrap();
        let (to, _th) = drain();
        let cancel = std::sync::Arc::new(CancelToken::new());
        let c2 = cancel.clone();
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            c2.cancel();
        });
        let t = Instant::now();
        let r = pump(std::fs::File::from(std::os::fd::OwnedFd::from(r)), to, None, &AtomicU64::new(0), &Seen::default(), &cancel);
        assert!(matches!(r, Err(Error::Cancelled { .. })), "{r:?}");
        assert!(t.elapsed() < Duration::from_secs(2), "cancel took {:?}", t.elapsed());
        canceller.join().unwrap();
        drop(w);
    }

    #[test]
    fn a_receive_that_dies_is_an_error_not_a_sigpipe() {
        let (from, _fh) = feeder(data(4_000_000), Duration::from_millis(5));
        let (r, w) = std::io::pipe().unwrap();
        drop(r); // the receive is gone before the first byte
        let e = pump(from, std::fs::File::from(std::os::fd::OwnedFd::from(w)), None, &AtomicU64::new(0), &Seen::default(), &CancelToken::new()).unwrap_err();
        assert!(e.to_string().contains("zfs receive"), "{e}");
    }

    #[test]
    fn a_receive_gone_after_the_whole_stream_is_the_end_not_an_error() {
        // The race seen in CI, made certain: the sender has closed (the stream is all moved) and
        // the receive has exited before the pump's last splice, which then fails with EPIPE.
        let (r, w) = std::io::pipe().unwrap();
        drop(w);
        let (rr, rw) = std::io::pipe().unwrap();
        drop(rr);
        let n = pump(std::fs::File::from(std::os::fd::OwnedFd::from(r)), std::fs::File::from(std::os::fd::OwnedFd::from(rw)), None, &AtomicU64::new(0), &Seen::default(), &CancelToken::new())
            .unwrap();
        assert_eq!(n, 0);
        // With bytes still to move, the same broken pipe stays an error that names the offset.
        let (r, mut w) = std::io::pipe().unwrap();
        w.write_all(b"more of the stream").unwrap();
        drop(w);
        let (rr, rw) = std::io::pipe().unwrap();
        drop(rr);
        let e = pump(std::fs::File::from(std::os::fd::OwnedFd::from(r)), std::fs::File::from(std::os::fd::OwnedFd::from(rw)), None, &AtomicU64::new(0), &Seen::default(), &CancelToken::new())
            .unwrap_err();
        assert!(e.to_string().contains("zfs receive") && e.to_string().contains("offset 0"), "{e}");
    }
}
