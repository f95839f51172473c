//! One lock per clone target, held for a whole run, so two runs onto one target never
//! interleave: the second fails at once, naming the holder.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;

use crate::error::{Error, Result};

/// The lock of one target, released when dropped (or when the process dies).
pub struct TargetLock {
    _file: File,
}

/// Takes the lock of `target` (a dataset, LV or path) or fails at once.
pub fn lock_target(target: &str) -> Result<TargetLock> {
    // A private directory (crate::state): a planted symlink cannot redirect the lock file.
    let dir = crate::state::dir(crate::state::Purpose::Locks)?;
    // One file per target, named after it, readable by people.
    let path = dir.join(crate::state::file_name_for(target, "lock"));
    let mut f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(&path)
        .map_err(|e| Error::io("open the lock", &path, None, e))?;
    // SAFETY: flock on a valid fd has no memory effects.
    if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        let holder = std::fs::read_to_string(&path).unwrap_or_default();
        return Err(Error::Busy {
            path: target.into(),
            detail: format!("another volclone run is cloning onto it ({}); wait for it, or retry when it ends", holder.trim()),
        });
    }
    let _ = f.set_len(0);
    let _ = write!(f, "pid {}", std::process::id());
    Ok(TargetLock { _file: f })
}
