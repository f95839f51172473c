//! Reading the start of standard input without consuming it, so a stream the shim does not take
//! over reaches the real `zfs` whole: a pipe is read with `tee(2)` (which copies what the pipe
//! holds into another pipe and leaves it there), a regular file with `pread` at its offset.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

/// The first `n` bytes of standard input, left unread; `None` when it is neither a pipe nor a
/// file, or ends (or stalls for `wait`) before `n` bytes.
pub(super) fn stdin(n: usize, wait: Duration) -> Option<Vec<u8>> {
    // SAFETY: fstat of fd 0 into a zeroed struct.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(0, &mut st) } != 0 {
        return None;
    }
    match st.st_mode & libc::S_IFMT {
        libc::S_IFIFO => pipe(n, wait),
        libc::S_IFREG => file(n),
        _ => None,
    }
}

fn file(n: usize) -> Option<Vec<u8>> {
    // SAFETY: lseek(SEEK_CUR, 0) only reads the offset.
    let at = unsafe { libc::lseek(0, 0, libc::SEEK_CUR) };
    if at < 0 {
        return None;
    }
    let mut buf = vec![0u8; n];
    // SAFETY: pread into a buffer of n bytes; the offset of fd 0 is not moved.
    let got = unsafe { libc::pread(0, buf.as_mut_ptr().cast(), n, at) };
    (got == n as isize).then_some(buf)
}

fn pipe(n: usize, wait: Duration) -> Option<Vec<u8>> {
    let start = Instant::now();
    loop {
        let mut fds = [-1; 2];
        // SAFETY: pipe2 fills two descriptors, owned below.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return None;
        }
        // SAFETY: just created, owned here.
        let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        // Blocks until the pipe holds data (or its writers are gone: 0).
        // SAFETY: tee between two pipe descriptors; nothing is consumed from fd 0.
        let copied = unsafe { libc::tee(0, w.as_raw_fd(), n, 0) };
        if copied <= 0 {
            return None; // end of stream (or an error) before a header
        }
        drop(w);
        if copied as usize >= n {
            let mut buf = vec![0u8; n];
            let mut got = 0;
            while got < n {
                // SAFETY: read into the rest of the buffer.
                let k = unsafe { libc::read(r.as_raw_fd(), buf[got..].as_mut_ptr().cast(), n - got) };
                if k <= 0 {
                    return None;
                }
                got += k as usize;
            }
            return Some(buf);
        }
        // Fewer bytes than a header so far: the sender is still writing it.
        if start.elapsed() > wait {
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}
