//! volclone's own directories: checkpoints (state kept across runs) and target locks.
//!
//! Neither may ever be a directory another local user can write: a checkpoint planted there
//! would make a copy skip chunks it never wrote, and a symlink planted there would make a root
//! process truncate what it points to. So each candidate is used only when it is a real
//! directory (not a symlink) owned by this user or root, writable by no one else, with a parent
//! no one else can rename it in (or a sticky one, like `/tmp`); volclone creates the ones it
//! makes owner-only. The candidates, first usable wins:
//!
//! | purpose | candidates |
//! |---|---|
//! | checkpoints | `$VOLCLONE_STATE_DIR/checkpoints` (only this one when set), `/var/lib/volclone/checkpoints`, `$XDG_STATE_HOME/volclone/checkpoints` or `~/.local/state/volclone/checkpoints`, `$TMPDIR/volclone-<uid>/checkpoints` |
//! | locks | `$VOLCLONE_LOCK_DIR` (only this one when set), `/run/lock/volclone`, `$XDG_RUNTIME_DIR/volclone/locks`, `$TMPDIR/volclone-<uid>/locks` |
//!
//! A directory that exists but fails the checks is never used; the error names it and the fix.

use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// What a directory is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Block-copy checkpoints.
    Checkpoints,
    /// Per-target lock files.
    Locks,
}

impl Purpose {
    fn env(self) -> &'static str {
        match self {
            Purpose::Checkpoints => "VOLCLONE_STATE_DIR",
            Purpose::Locks => "VOLCLONE_LOCK_DIR",
        }
    }

    /// The candidates in order; `true` marks the one given explicitly (then the only one).
    fn candidates(self) -> Vec<PathBuf> {
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        if let Some(d) = var(self.env()) {
            return vec![match self {
                Purpose::Checkpoints => d.join("checkpoints"),
                Purpose::Locks => d,
            }];
        }
        // SAFETY: geteuid cannot fail.
        let uid = unsafe { libc::geteuid() };
        let private_tmp = std::env::temp_dir().join(format!("volclone-{uid}"));
        match self {
            Purpose::Checkpoints => {
                let user = var("XDG_STATE_HOME").or_else(|| var("HOME").map(|h| h.join(".local/state")));
                let mut c = vec![PathBuf::from("/var/lib/volclone/checkpoints")];
                c.extend(user.map(|u| u.join("volclone/checkpoints")));
                c.push(private_tmp.join("checkpoints"));
                c
            }
            Purpose::Locks => {
                let mut c = vec![PathBuf::from("/run/lock/volclone")];
                c.extend(var("XDG_RUNTIME_DIR").map(|r| r.join("volclone/locks")));
                c.push(private_tmp.join("locks"));
                c
            }
        }
    }
}

/// Why a candidate was not used.
#[derive(Debug)]
enum Unusable {
    /// It cannot be made or written by this user (permission, read-only file system): the next
    /// candidate is tried.
    NotOurs(String),
    /// It exists but others could write it: never used.
    Unsafe(String),
}

/// The directory for `purpose`, created if needed, or an error naming every candidate and why
/// it was not used.
pub fn dir(purpose: Purpose) -> Result<PathBuf> {
    let mut why = Vec::new();
    for c in purpose.candidates() {
        match ensure_private(&c) {
            Ok(()) => return Ok(c),
            Err(Unusable::NotOurs(w)) => why.push(w),
            Err(Unusable::Unsafe(w)) => {
                tracing::warn!("{w}");
                why.push(w);
            }
        }
    }
    Err(Error::InvalidArgument(format!(
        "no safe directory for volclone's {}: {}; set {} to a directory only this user can write",
        match purpose {
            Purpose::Checkpoints => "checkpoints",
            Purpose::Locks => "locks",
        },
        why.join("; "),
        purpose.env()
    )))
}

/// Checks (and creates, owner-only) a directory the caller named for volclone's files: the same
/// rules as the defaults; the error names the directory and the fix.
pub fn private(dir: &Path) -> Result<()> {
    ensure_private(dir).map_err(|u| match u {
        Unusable::NotOurs(w) | Unusable::Unsafe(w) => Error::InvalidArgument(format!("checkpoint directory {w}")),
    })
}

/// Whether `m` (from `lstat`) is a directory this user may trust: a real directory owned by
/// this user or root that no one else can write.
fn check_owned(path: &Path, m: &std::fs::Metadata, euid: u32) -> std::result::Result<(), Unusable> {
    if m.file_type().is_symlink() || !m.is_dir() {
        return Err(Unusable::Unsafe(format!("{} is not a directory (a symlink or a file): remove it", path.display())));
    }
    if m.uid() != euid && m.uid() != 0 {
        return Err(Unusable::Unsafe(format!("{} belongs to uid {}, not to this user ({euid}) or root: remove it", path.display(), m.uid())));
    }
    if m.mode() & 0o022 != 0 {
        return Err(Unusable::Unsafe(format!(
            "{} is writable by group or others (mode {:o}): chmod go-w it",
            path.display(),
            m.mode() & 0o7777
        )));
    }
    Ok(())
}

/// A parent in which no one else can replace `path`: not writable by others, or sticky.
fn check_parent(path: &Path, euid: u32) -> std::result::Result<(), Unusable> {
    let Some(parent) = path.parent() else { return Ok(()) };
    let m = std::fs::metadata(parent).map_err(|e| Unusable::NotOurs(format!("{}: {e}", parent.display())))?;
    let sticky = m.mode() & 0o1000 != 0;
    if m.mode() & 0o022 != 0 && !sticky {
        return Err(Unusable::Unsafe(format!(
            "{} is in {}, which others can write without the sticky bit: use another directory",
            path.display(),
            parent.display()
        )));
    }
    if m.uid() != euid && m.uid() != 0 && !sticky {
        return Err(Unusable::Unsafe(format!("{} is in {}, owned by uid {}: use another directory", path.display(), parent.display(), m.uid())));
    }
    Ok(())
}

/// Makes `dir` (owner-only where created) and checks it and its parent.
fn ensure_private(dir: &Path) -> std::result::Result<(), Unusable> {
    // SAFETY: geteuid cannot fail.
    let euid = unsafe { libc::geteuid() };
    match std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) => return Err(Unusable::NotOurs(format!("{}: {e}", dir.display()))),
    }
    let m = std::fs::symlink_metadata(dir).map_err(|e| Unusable::NotOurs(format!("{}: {e}", dir.display())))?;
    check_owned(dir, &m, euid)?;
    check_parent(dir, euid)?;
    // Writable by this user (root's /var/lib/volclone is not, for a service user).
    let c = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()).map_err(|_| Unusable::NotOurs(format!("{}: NUL in path", dir.display())))?;
    // SAFETY: a valid C string.
    if unsafe { libc::access(c.as_ptr(), libc::W_OK | libc::X_OK) } != 0 {
        return Err(Unusable::NotOurs(format!("{}: not writable by this user", dir.display())));
    }
    Ok(())
}

/// `fsync` of directory `dir`, so an entry just created, renamed or removed in it survives a
/// crash. Errors are returned for the caller to decide.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// A file name for `key` (a target path or name): readable, one file per key, never a path
/// separator or a leading dot.
pub fn file_name_for(key: &str, ext: &str) -> String {
    let name: String = key.chars().map(|c| if c == '/' { '%' } else { c }).collect();
    format!("{name}.{ext}")
}

/// Creates `path` for writing (owner-only), never following a symlink at its place.
pub fn create_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)?;
    // A file that was there already keeps its mode: make it owner-only too.
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(f)
}

/// Opens `path` for reading, never following a symlink.
pub fn open_no_follow(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC).open(path)
}

/// A new directory under the temporary directory, made by `mkdtemp` (a random name, owner-only,
/// created atomically: nothing another user planted can be taken for it).
pub fn temp_dir(prefix: &str) -> std::io::Result<PathBuf> {
    let template = std::env::temp_dir().join(format!("{prefix}XXXXXX"));
    let mut bytes = std::ffi::CString::new(template.as_os_str().as_encoded_bytes())
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))?
        .into_bytes_with_nul();
    // SAFETY: a writable NUL-terminated template ending in XXXXXX.
    let p = unsafe { libc::mkdtemp(bytes.as_mut_ptr().cast()) };
    if p.is_null() {
        return Err(std::io::Error::last_os_error());
    }
    bytes.pop();
    Ok(PathBuf::from(<std::ffi::OsString as std::os::unix::ffi::OsStringExt>::from_vec(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_world_writable_or_symlinked_dir_is_never_used() {
        let d = tempfile::tempdir().unwrap();
        let ok = d.path().join("ok");
        ensure_private(&ok).unwrap();
        assert_eq!(std::fs::metadata(&ok).unwrap().mode() & 0o777, 0o700);
        let open = d.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(matches!(ensure_private(&open), Err(Unusable::Unsafe(w)) if w.contains("chmod go-w")));
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&ok, &link).unwrap();
        assert!(matches!(ensure_private(&link), Err(Unusable::Unsafe(w)) if w.contains("symlink")));
        // Inside a world-writable, non-sticky parent: someone could swap it.
        let inner = open.join("inner");
        assert!(matches!(ensure_private(&inner), Err(Unusable::Unsafe(w)) if w.contains("sticky")));
    }

    #[test]
    fn temp_dirs_are_new_and_private() {
        let a = temp_dir("volclone-test-").unwrap();
        let b = temp_dir("volclone-test-").unwrap();
        assert_ne!(a, b);
        assert_eq!(std::fs::metadata(&a).unwrap().mode() & 0o777, 0o700);
        std::fs::remove_dir(&a).unwrap();
        std::fs::remove_dir(&b).unwrap();
    }

    #[test]
    fn file_names_have_no_separators() {
        assert_eq!(file_name_for("/dev/zvol/p/a b", "json"), "%dev%zvol%p%a b.json");
    }
}
