//! SIGINT and SIGTERM cancel the running operation cleanly (undo before a clone's swap, finish
//! after it) instead of killing volclone mid-step. A second signal ends the process at once.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};

use volclone_core::copy::CancelToken;

static WRITE_END: AtomicI32 = AtomicI32::new(-1);
static SEEN: AtomicUsize = AtomicUsize::new(0);

extern "C" fn on_signal(sig: libc::c_int) {
    // Only async-signal-safe calls here: write(2) and _exit(2).
    if SEEN.fetch_add(1, Ordering::SeqCst) > 0 {
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(128 + sig) };
    }
    let fd = WRITE_END.load(Ordering::SeqCst);
    if fd >= 0 {
        let b = sig as u8;
        // SAFETY: write on a pipe fd with a one-byte buffer.
        unsafe { libc::write(fd, (&b as *const u8).cast(), 1) };
    }
}

/// Routes SIGINT and SIGTERM to `cancel` for the rest of the process (the CLI runs one
/// operation). Children run with the default handlers (exec resets them).
pub fn cancel_on_signals(cancel: &CancelToken) {
    let mut fds: [RawFd; 2] = [-1, -1];
    // SAFETY: pipe2 fills two fds.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return;
    }
    WRITE_END.store(fds[1], Ordering::SeqCst);
    let token = cancel.clone();
    let read_end = fds[0];
    let spawned = std::thread::Builder::new().name("volclone-signals".into()).spawn(move || {
        let mut b = 0u8;
        // SAFETY: read of one byte into a local.
        if unsafe { libc::read(read_end, (&mut b as *mut u8).cast(), 1) } == 1 {
            eprintln!("volclone: signal {b} received: cancelling (a second one ends volclone at once)");
            token.cancel();
        }
    });
    if spawned.is_err() {
        return;
    }
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: a zeroed sigaction with our handler; installing it has no other effect.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}
