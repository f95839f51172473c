//! What proves that a side of a copy is the very object an earlier run wrote a checkpoint for,
//! and not another object that took its name since (a file deleted and created again, even on
//! the same inode number; an LV, a zvol or a LUKS mapping removed and made again; a loop device
//! attached to a new file).
//!
//! Everything is read from the open descriptor (`statx`, ioctls, sysfs of its device number),
//! never from the path again, so the identity is the one of what the copy reads and writes:
//!
//! | side | identity |
//! |---|---|
//! | file | device, inode, birth time (`statx`), inode generation (`FS_IOC_GETVERSION`) where the file system has them; a source also its modification time |
//! | loop device | its backing file's identity (as a file), offset and size limit |
//! | device-mapper (LVM LV, LUKS mapping, dm-thin) | its dm UUID (LVM: VG and LV UUIDs; LUKS: the header's UUID) |
//! | zvol or zvol snapshot | its dataset name and ZFS `guid` |
//!
//! A file needs its birth time or generation (the inode number alone is reused); anything else
//! (a disk, a partition, md, nbd, a dm device without a UUID) has no identity volclone can
//! prove, and a copy onto or from it keeps no checkpoint: it starts over when run again.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::device::Endpoint;
use super::sysblock::{self, DevNum};

/// Whether a side is read or written: a source's content must not change between runs either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// Read from.
    Source,
    /// Written to.
    Target,
}

/// The identity of a file: what changes when it is removed and another file takes its name,
/// even on the same inode number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileId {
    /// `st_dev`.
    pub dev: u64,
    /// `st_ino`.
    pub ino: u64,
    /// Birth time (`statx` `stx_btime`) as `[seconds, nanoseconds]`, where the file system keeps one.
    pub born: Option<(i64, u32)>,
    /// Inode generation (`FS_IOC_GETVERSION`), where the file system has one.
    pub generation: Option<u64>,
    /// A source's modification time `[seconds, nanoseconds]`: a source written between runs
    /// makes what was copied stale.
    pub modified: Option<(i64, u32)>,
}

impl FileId {
    /// Whether this proves more than an inode number (which is reused).
    fn proves(&self) -> bool {
        self.born.is_some() || self.generation.is_some()
    }
}

/// What proves a side is the same object as before. See the module docs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ObjectId {
    /// A regular file.
    File(FileId),
    /// A loop device: the file it maps and where.
    Loop {
        /// The backing file.
        backing: FileId,
        /// `lo_offset`.
        offset: u64,
        /// `lo_sizelimit` (0: to the file's end).
        size_limit: u64,
    },
    /// A device-mapper device.
    Dm {
        /// Its dm UUID.
        uuid: String,
    },
    /// A zvol or a zvol snapshot.
    Zvol {
        /// The dataset (or `dataset@snapshot`).
        name: String,
        /// Its ZFS `guid`.
        guid: String,
    },
}

impl std::fmt::Display for ObjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ObjectId::File(id) => write!(f, "file (device {:#x}, inode {}, born {:?}, generation {:?})", id.dev, id.ino, id.born, id.generation),
            ObjectId::Loop { backing, offset, .. } => write!(f, "loop device over inode {} (born {:?}) at offset {offset}", backing.ino, backing.born),
            ObjectId::Dm { uuid } => write!(f, "device-mapper device {uuid}"),
            ObjectId::Zvol { name, guid } => write!(f, "zvol {name} (guid {guid})"),
        }
    }
}

/// `FS_IOC_GETVERSION` = `_IOR('v', 1, long)`.
const FS_IOC_GETVERSION: libc::c_ulong = 0x8008_7601;

/// The identity of the regular file open as `file` (`modified` for a source).
pub(super) fn file_id(file: &File, role: Role) -> std::io::Result<FileId> {
    // SAFETY: statx fills the struct; an empty path with AT_EMPTY_PATH means the descriptor.
    let mut stx: libc::statx = unsafe { std::mem::zeroed() };
    let mask = libc::STATX_INO | libc::STATX_BTIME | libc::STATX_MTIME;
    // SAFETY: valid descriptor, NUL-terminated empty path, writable statx buffer.
    let rc = unsafe { libc::statx(file.as_raw_fd(), c"".as_ptr(), libc::AT_EMPTY_PATH, mask, &mut stx) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let m = file.metadata()?;
    let born = (stx.stx_mask & libc::STATX_BTIME != 0).then_some((stx.stx_btime.tv_sec, stx.stx_btime.tv_nsec));
    let mut generation: libc::c_long = 0;
    // SAFETY: FS_IOC_GETVERSION writes one long through the pointer.
    let g = unsafe { libc::ioctl(file.as_raw_fd(), FS_IOC_GETVERSION as _, &mut generation as *mut libc::c_long) };
    let modified = (role == Role::Source).then_some((m.mtime(), m.mtime_nsec() as u32));
    Ok(FileId { dev: m.dev(), ino: m.ino(), born, generation: (g == 0).then_some(generation as u64), modified })
}

/// The identity of `side` (what its descriptor is), or why none can be proven.
pub(super) fn identify(side: &Endpoint, role: Role) -> Result<ObjectId, String> {
    let (path, file) = (side.path.as_path(), &side.file);
    let m = file.metadata().map_err(|e| format!("fstat of {}: {e}", path.display()))?;
    if m.is_file() {
        let id = file_id(file, role).map_err(|e| format!("statx of {}: {e}", path.display()))?;
        if !id.proves() {
            return Err(format!("{}'s file system keeps neither a birth time nor an inode generation", path.display()));
        }
        return Ok(ObjectId::File(id));
    }
    let dev = DevNum::of_rdev(m.rdev());
    let naming = sysblock::naming(dev).ok_or_else(|| format!("sysfs does not know {} ({}:{})", path.display(), dev.major, dev.minor))?;
    if naming.partition {
        return Err(format!("{} is a partition, which has no identity volclone can prove", path.display()));
    }
    if let Some(b) = sysblock::loop_backing(dev, Some(file)) {
        return loop_id(path, &b);
    }
    if let Some(uuid) = naming.dm_uuid {
        if uuid.is_empty() {
            return Err(format!("device-mapper device {} has no UUID", path.display()));
        }
        return Ok(ObjectId::Dm { uuid });
    }
    if naming.kernel_name.starts_with("zd") {
        let name = side.zvol_name().ok_or_else(|| format!("no /dev/zvol name leads to {} ({})", path.display(), naming.kernel_name))?;
        let guid = zvol_guid(name)?;
        return Ok(ObjectId::Zvol { name: name.to_owned(), guid });
    }
    Err(format!("{} ({}) is a block device whose identity volclone cannot prove (not a file, loop, device-mapper or zvol)", path.display(), naming.kernel_name))
}

/// A loop device's identity: its backing file's, opened by the name the kernel reports and
/// checked to be the file the loop device maps.
fn loop_id(path: &Path, b: &sysblock::LoopBacking) -> Result<ObjectId, String> {
    let name = b.path.as_ref().ok_or_else(|| format!("loop device {} does not name its backing file", path.display()))?;
    if b.rdev.is_some() {
        return Err(format!("loop device {} is backed by a block device", path.display()));
    }
    let f = File::open(name).map_err(|e| format!("loop device {}'s backing file {}: {e}", path.display(), name.display()))?;
    let id = file_id(&f, Role::Target).map_err(|e| format!("statx of {}: {e}", name.display()))?;
    if (id.dev, id.ino) != (b.dev, b.ino) {
        return Err(format!("loop device {}'s backing file {} is no longer the file it maps (deleted or replaced)", path.display(), name.display()));
    }
    if !id.proves() {
        return Err(format!("{}'s file system keeps neither a birth time nor an inode generation", name.display()));
    }
    Ok(ObjectId::Loop { backing: id, offset: b.offset, size_limit: b.size_limit })
}

/// The ZFS name of the zvol `file` (opened from `path`); `None` when it is no zvol or no
/// `/dev/zvol` name leads to it. [`Endpoint::zvol_name`] keeps the answer.
pub(super) fn zvol_of(path: &Path, file: &File) -> Option<String> {
    let naming = sysblock::naming(DevNum::of_rdev(file.metadata().ok()?.rdev()))?;
    naming.kernel_name.starts_with("zd").then(|| zvol_name(path, &naming.kernel_name)).flatten()
}

/// The ZFS name of zvol `kernel_name` (`zd16`): from `path` when it is a `/dev/zvol/` name of
/// it, else from the `/dev/zvol` links udev made.
fn zvol_name(path: &Path, kernel_name: &str) -> Option<String> {
    let leads_here = |p: &Path| std::fs::canonicalize(p).ok().and_then(|c| c.file_name().map(|n| n == kernel_name)).unwrap_or(false);
    if let Ok(rest) = path.strip_prefix("/dev/zvol")
        && leads_here(path)
    {
        return Some(rest.to_string_lossy().into_owned());
    }
    fn walk(dir: &Path, root: &Path, depth: usize, hit: &dyn Fn(&Path) -> bool) -> Option<String> {
        if depth > 16 {
            return None;
        }
        for e in std::fs::read_dir(dir).ok()?.flatten() {
            let p = e.path();
            let ft = e.file_type().ok()?;
            if ft.is_dir() {
                if let Some(n) = walk(&p, root, depth + 1, hit) {
                    return Some(n);
                }
            } else if ft.is_symlink() && hit(&p) {
                return p.strip_prefix(root).ok().map(|r| r.to_string_lossy().into_owned());
            }
        }
        None
    }
    let root = Path::new("/dev/zvol");
    walk(root, root, 0, &leads_here)
}

/// The `guid` of ZFS dataset or snapshot `name`.
fn zvol_guid(name: &str) -> Result<String, String> {
    use crate::zfs::ZfsOps;
    let props = crate::zfs::ZfsCli::default().get(name, &["guid"]).map_err(|e| format!("the guid of zvol {name}: {e}"))?;
    props.get("guid").filter(|g| !g.is_empty() && *g != "-").cloned().ok_or_else(|| format!("zfs reports no guid for {name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_made_again_under_its_name_has_another_identity() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("t");
        std::fs::write(&p, b"x").unwrap();
        let side = || super::super::device::open_target(&p, false, false, 1, &mut Vec::new()).unwrap();
        let a = identify(&side(), Role::Target);
        std::fs::remove_file(&p).unwrap();
        std::fs::write(&p, b"x").unwrap();
        let b = identify(&side(), Role::Target);
        match (a, b) {
            (Ok(a), Ok(b)) => assert_ne!(a, b, "a re-created file must not look like the old one"),
            (Err(w), _) | (_, Err(w)) => eprintln!("SKIPPED: this file system proves no file identity: {w}"),
        }
    }

    #[test]
    fn a_source_written_to_changes_its_identity_a_target_does_not() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("s");
        std::fs::write(&p, b"x").unwrap();
        let before = file_id(&File::open(&p).unwrap(), Role::Source).unwrap();
        let tbefore = file_id(&File::open(&p).unwrap(), Role::Target).unwrap();
        // A modification time that surely differs.
        let f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
        f.set_modified(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(12345)).unwrap();
        assert_ne!(before, file_id(&File::open(&p).unwrap(), Role::Source).unwrap());
        assert_eq!(tbefore, file_id(&File::open(&p).unwrap(), Role::Target).unwrap());
    }
}
