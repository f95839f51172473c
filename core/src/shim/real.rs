//! Finding the real `zfs`. The rule is fixed and can never pick the shim itself:
//! 1. `$VOLCLONE_REAL_ZFS`, when set (it must not be volclone);
//! 2. else the first `zfs` on `PATH` that is not volclone (compared by device and inode of what
//!    it resolves to, so a symlink or a copy under another name is seen through);
//! 3. else `/usr/sbin/zfs`, `/sbin/zfs`, `/usr/local/sbin/zfs`, the first that exists.
//!
//! A candidate that is volclone is skipped (from `PATH`) or an error (named explicitly): the shim
//! never executes itself, so a misconfiguration is an error with a message, never a loop.
//! "Volclone" is either of its two programs, installed side by side: `volclone` and the small
//! pass-through `volclone-zfs` that the shim directory's `zfs` is ([`selves`]).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The places tried after `PATH`.
pub const FALLBACKS: [&str; 3] = ["/usr/sbin/zfs", "/sbin/zfs", "/usr/local/sbin/zfs"];

/// The main program's file name.
pub const MAIN: &str = "volclone";
/// The small pass-through program's file name (the shim directory's `zfs` links to it).
pub const PASS_THROUGH: &str = "volclone-zfs";

/// The programs the real `zfs` must never be, for a process running as `me`: `me` itself and
/// both of volclone's programs beside it (the pass-through execs `volclone` for a takeover, and
/// each must see the other as itself). `me` is the resolved executable (`/proc/self/exe`).
pub fn selves(me: &Path) -> Vec<PathBuf> {
    vec![me.with_file_name(MAIN), me.with_file_name(PASS_THROUGH), me.to_path_buf()]
}

/// `(device, inode)` of what `p` resolves to.
fn identity(p: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()))
}

fn executable(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.mode() & 0o111 != 0)
}

/// The real `zfs` for a shim running as `me` (its own executable; see [`selves`]), with `path`
/// (`$PATH`) and `explicit` (`$VOLCLONE_REAL_ZFS`); the error says what was tried and the fix.
pub fn find(me: &Path, path: Option<&str>, explicit: Option<&str>) -> Result<PathBuf, String> {
    let mine: Vec<(u64, u64)> = selves(me).iter().filter_map(|p| identity(p)).collect();
    let is_me = |p: &Path| identity(p).is_some_and(|id| mine.contains(&id));
    if let Some(e) = explicit.filter(|e| !e.is_empty()) {
        let p = PathBuf::from(e);
        if is_me(&p) {
            return Err(format!("VOLCLONE_REAL_ZFS={e} is volclone itself: set it to the real zfs (e.g. /usr/sbin/zfs)"));
        }
        if !executable(&p) {
            return Err(format!("VOLCLONE_REAL_ZFS={e} is not an executable file: set it to the real zfs"));
        }
        return Ok(p);
    }
    let mut tried = Vec::new();
    for dir in path.unwrap_or("").split(':').filter(|d| !d.is_empty()) {
        let p = Path::new(dir).join("zfs");
        if !executable(&p) {
            continue;
        }
        if is_me(&p) {
            tried.push(format!("{} (volclone)", p.display()));
            continue;
        }
        return Ok(p);
    }
    for f in FALLBACKS {
        let p = PathBuf::from(f);
        if executable(&p) && !is_me(&p) {
            return Ok(p);
        }
    }
    Err(format!(
        "no real zfs found (skipped: {}; then tried {}): install zfsutils-linux, or set VOLCLONE_REAL_ZFS to the real zfs",
        if tried.is_empty() { "none".to_owned() } else { tried.join(", ") },
        FALLBACKS.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn exe(p: &Path) {
        std::fs::write(p, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn never_the_shim_itself_by_any_name() {
        let d = tempfile::tempdir().unwrap();
        let (shim, real) = (d.path().join("shim"), d.path().join("real"));
        std::fs::create_dir_all(&shim).unwrap();
        std::fs::create_dir_all(&real).unwrap();
        let me = d.path().join("volclone");
        exe(&me);
        std::os::unix::fs::symlink(&me, shim.join("zfs")).unwrap();
        exe(&real.join("zfs"));
        let path = format!("{}:{}", shim.display(), real.display());
        assert_eq!(find(&me, Some(&path), None).unwrap(), real.join("zfs"));
        // A hard link of volclone is volclone too.
        let other = d.path().join("other");
        std::fs::create_dir_all(&other).unwrap();
        std::fs::hard_link(&me, other.join("zfs")).unwrap();
        let path2 = format!("{}:{}:{}", other.display(), shim.display(), real.display());
        assert_eq!(find(&me, Some(&path2), None).unwrap(), real.join("zfs"));
        // The other of volclone's two programs, beside it, is volclone too (the pass-through
        // execs the main program for a takeover; each must skip the other).
        let sibling_dir = d.path().join("sibling");
        std::fs::create_dir_all(&sibling_dir).unwrap();
        exe(&d.path().join(PASS_THROUGH));
        std::os::unix::fs::symlink(d.path().join(PASS_THROUGH), sibling_dir.join("zfs")).unwrap();
        let path3 = format!("{}:{}", sibling_dir.display(), real.display());
        assert_eq!(find(&me, Some(&path3), None).unwrap(), real.join("zfs"));
        assert_eq!(find(&d.path().join(PASS_THROUGH), Some(&format!("{}:{}", shim.display(), real.display())), None).unwrap(), real.join("zfs"));
        // Named explicitly as the real one: an error, never an exec of itself.
        let e = find(&me, Some(&path), Some(shim.join("zfs").to_str().unwrap())).unwrap_err();
        assert!(e.contains("is volclone itself"), "{e}");
        assert_eq!(find(&me, None, Some(real.join("zfs").to_str().unwrap())).unwrap(), real.join("zfs"));
        // Only the shim on PATH: the fallbacks, or an error naming what was skipped.
        match find(&me, Some(shim.to_str().unwrap()), None) {
            Ok(p) => assert!(FALLBACKS.contains(&p.to_str().unwrap())),
            Err(e) => assert!(e.contains("(volclone)") && e.contains("VOLCLONE_REAL_ZFS"), "{e}"),
        }
    }
}
