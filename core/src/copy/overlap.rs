//! Refusing a source and a target that share storage, and locking a target for a whole copy.
//!
//! Each side is resolved into the places its bytes live: itself, and down the stack a
//! partition's disk (with the partition's byte range), a loop device's backing file (with the
//! loop's offset and size limit), device-mapper and md `slaves` (range unknown). Two sides
//! overlap when the same place shows up in both with intersecting ranges, unless both only know
//! it as an unknown-range lower device: two LVs of one volume group share their PV, and that is
//! the ordinary case, not an overlap.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use super::sysblock::{self, DevNum};
use crate::error::{Error, Result};

/// A place bytes live: a block device or a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Place {
    Block(DevNum),
    File { dev: u64, ino: u64 },
}

/// One place a side's bytes live, with the byte range on it and how that is known.
#[derive(Debug, Clone)]
struct Atom {
    place: Place,
    /// `[start, end)` on the place; `u64::MAX` as end for "to its end".
    range: (u64, u64),
    /// The side itself (not something below it).
    is_self: bool,
    /// The range is exact (a partition, a loop mapping), not just "somewhere on it".
    exact: bool,
    /// How this place was reached, for the message.
    via: String,
}

const WHOLE: (u64, u64) = (0, u64::MAX);
/// Stacks are shallow; a loop would be a kernel bug, but never spin on one.
const MAX_DEPTH: usize = 16;

fn describe(place: Place) -> String {
    match place {
        Place::Block(d) => format!("block device {}:{}", d.major, d.minor),
        Place::File { dev, ino } => format!("file (device {dev:#x}, inode {ino})"),
    }
}

/// Walks down from `place` (open as `file` at the top, so its loop status needs no second
/// open), pushing every place below it; `exact` says whether ranges so far are known.
fn walk(place: Place, file: Option<&File>, exact: bool, via: &str, depth: usize, out: &mut Vec<Atom>) {
    let Place::Block(dev) = place else { return };
    if depth > MAX_DEPTH {
        return;
    }
    let mut below = Vec::new();
    if let Some(b) = sysblock::loop_backing(dev, file) {
        let end = if b.size_limit == 0 { u64::MAX } else { b.offset.saturating_add(b.size_limit) };
        let p = match b.rdev {
            Some(r) => Place::Block(r),
            None => Place::File { dev: b.dev, ino: b.ino },
        };
        let name = b.path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| describe(p));
        below.push((p, (b.offset, end), exact, format!("{via} -> loop backing {name} at offset {}", b.offset)));
    }
    for (lower, part) in sysblock::lower(dev) {
        let (r, ex) = match part {
            Some((s, n)) => ((s, s.saturating_add(n)), exact),
            None => (WHOLE, false),
        };
        below.push((Place::Block(lower), r, ex, format!("{via} -> {}", describe(Place::Block(lower)))));
    }
    for (p, range, exact, via) in below {
        out.push(Atom { place: p, range, is_self: false, exact, via: via.clone() });
        walk(p, None, exact, &via, depth + 1, out);
    }
}

/// Every place `path` (open as `file`) keeps its bytes.
fn atoms(path: &Path, file: &File) -> Result<Vec<Atom>> {
    let meta = file.metadata().map_err(|e| Error::io("stat", path, None, e))?;
    let place = if meta.file_type().is_block_device() {
        Place::Block(DevNum::of_rdev(meta.rdev()))
    } else {
        Place::File { dev: meta.dev(), ino: meta.ino() }
    };
    let via = path.display().to_string();
    let mut out = vec![Atom { place, range: WHOLE, is_self: true, exact: true, via: via.clone() }];
    walk(place, Some(file), true, &via, 0, &mut out);
    Ok(out)
}

fn intersects(a: (u64, u64), b: (u64, u64)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// Refuses source and target that share storage (see the module docs), before anything is
/// written. Both are given open.
pub(super) fn refuse_overlap(source: &Path, src: &File, target: &Path, tgt: &File) -> Result<()> {
    let a = atoms(source, src)?;
    let b = atoms(target, tgt)?;
    for x in &a {
        for y in &b {
            let counts = x.is_self || y.is_self || (x.exact && y.exact);
            if x.place == y.place && counts && intersects(x.range, y.range) {
                let detail = if x.is_self && y.is_self {
                    format!("they are the same {}", if matches!(x.place, Place::Block(_)) { "block device" } else { "file" })
                } else {
                    format!("both reach {} ({} / {})", describe(x.place), x.via, y.via)
                };
                return Err(Error::SameDevice { source_name: source.display().to_string(), target: target.display().to_string(), detail });
            }
        }
    }
    Ok(())
}

/// An advisory lock (`flock`) held for a whole copy; released when dropped.
pub(super) struct TargetLock {
    _files: Vec<File>,
}

fn flock(file: &File, path: &Path) -> Result<()> {
    // SAFETY: flock on a valid fd has no memory effects.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        return Ok(());
    }
    let e = std::io::Error::last_os_error();
    if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
        return Err(Error::Busy { path: path.into(), detail: "another copy holds its lock; wait for it to end, or pick another target".into() });
    }
    Err(Error::io("lock", path, None, e))
}

/// Locks the target for the copy: a file target itself, a loop device target's backing file.
/// A second copy onto the same file (directly or through a loop device) then fails at once.
pub(super) fn lock_target(path: &Path, file: &File) -> Result<TargetLock> {
    let meta = file.metadata().map_err(|e| Error::io("stat", path, None, e))?;
    let mut files = Vec::new();
    if meta.file_type().is_file() {
        flock(file, path)?;
        files.push(file.try_clone().map_err(|e| Error::io("lock", path, None, e))?);
    } else if let Some(b) = sysblock::loop_backing(DevNum::of_rdev(meta.rdev()), Some(file))
        && let Some(bp) = b.path.filter(|_| b.rdev.is_none())
        // Lock what the loop device really maps: the path must still be that inode.
        && let Ok(f) = File::open(&bp)
        && f.metadata().is_ok_and(|m| m.dev() == b.dev && m.ino() == b.ino)
    {
        flock(&f, &PathBuf::from(&bp))?;
        files.push(f);
    }
    Ok(TargetLock { _files: files })
}
