//! One lock per clone target, held for a whole run, so two runs onto one target never
//! interleave: the second fails at once, naming the holder.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::PathBuf;

use crate::error::{Error, Result};

/// Where the lock files live: `VOLCLONE_LOCK_DIR`, else `/run/lock/volclone`, else a directory
/// under the temporary directory.
fn lock_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("VOLCLONE_LOCK_DIR") {
        return PathBuf::from(d);
    }
    let run = PathBuf::from("/run/lock/volclone");
    if std::fs::create_dir_all(&run).is_ok() {
        return run;
    }
    std::env::temp_dir().join("volclone-locks")
}

/// The lock of one target, released when dropped (or when the process dies).
pub(super) struct TargetLock {
    _file: File,
}

/// Takes the lock of `target` (a dataset, LV or path) or fails at once.
pub(super) fn lock_target(target: &str) -> Result<TargetLock> {
    let dir = lock_dir();
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("create the lock directory", &dir, None, e))?;
    // The name is the target's with '/' escaped: one file per target, readable by people.
    let name: String = target.chars().map(|c| if c == '/' { '%' } else { c }).collect();
    let path = dir.join(format!("{name}.lock"));
    let mut f = OpenOptions::new().create(true).truncate(false).read(true).write(true).open(&path).map_err(|e| Error::io("open the lock", &path, None, e))?;
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
