//! Opening the two sides safely: the source read-only, the target without truncation and, for
//! block devices, exclusively; sizes from the device itself; and the target as a [`Sink`] of
//! writes and zeroing requests.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileExt, FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::extents::DataMap;
use super::pagecache::{self, Kept};
use super::options::BLOCK;
use super::report::ZeroMethod;
use super::sysblock;
use super::zeroing::{Sink, TargetFacts};
use crate::error::{Error, Result};

const BLKGETSIZE64: libc::c_ulong = 0x8008_1272;
const BLKDISCARD: libc::c_ulong = 0x1277;
const BLKZEROOUT: libc::c_ulong = 0x127f;

/// One side of a copy.
pub(super) struct Endpoint {
    pub(super) path: PathBuf,
    pub(super) file: File,
    /// Buffered twin of `file` for I/O that O_DIRECT cannot do (unaligned tail).
    buffered: Option<File>,
    pub(super) size: u64,
    pub(super) is_block: bool,
    pub(super) direct: bool,
    /// A file target's holes as they were when it was opened, before anything is written. A copy
    /// never writes into the range of a zero run (each range is one chunk's, once), so a range
    /// that was a hole then still is one when its zero run comes: no `lseek` on the target per
    /// zero run, which on ext4 waited for the inode lock that O_DIRECT writes into holes hold.
    holes: Option<DataMap>,
    /// `IoMode::Streaming`: what of the side's page cache the copy leaves as it found it.
    pub(super) stream: Option<Kept>,
    /// The side's zvol name, looked up once (the checkpoint's identity and the pool syncs both
    /// need it, and without a `/dev/zvol` path the lookup walks every link udev made).
    zvol: OnceLock<Option<String>>,
}

impl Endpoint {
    /// The ZFS name of this side when it is a zvol a `/dev/zvol` name leads to.
    pub(super) fn zvol_name(&self) -> Option<&str> {
        self.zvol.get_or_init(|| if self.is_block { super::identity::zvol_of(&self.path, &self.file) } else { None }).as_deref()
    }

    /// The side's size as it is now (to notice a source that grew or shrank during a copy).
    pub(super) fn size_now(&self) -> Result<u64> {
        size_of(&self.file, &self.path, self.is_block)
    }

    /// Whether `[off, off+len)` of a file target reads as a hole.
    fn is_hole(&self, off: u64, len: u64) -> bool {
        self.holes.as_ref().is_some_and(|map| map.is_hole(off, off + len))
    }

    /// Streams this side through the page cache (it was opened without O_DIRECT).
    pub(super) fn stream(&mut self, source: bool) {
        self.stream = Some(if source {
            pagecache::advise_sequential(&self.file);
            Kept::source(&self.file, self.size)
        } else {
            Kept::target(self.size)
        });
    }

    /// Streaming: before the copy reads at `off`.
    pub(super) fn before_read(&self, off: u64) {
        if let Some(k) = &self.stream {
            k.ahead_of(&self.file, off);
        }
    }

    /// Streaming: the copy is done with `[off, off+len)`; drops what it brought into the cache.
    pub(super) fn release(&self, off: u64, len: u64) {
        if let Some(k) = &self.stream {
            k.release(&self.file, off, len);
        }
    }

    /// The descriptor for an I/O at `off` of `len` bytes.
    pub(super) fn fd_for(&self, off: u64, len: usize) -> &File {
        match &self.buffered {
            Some(b) if !off.is_multiple_of(BLOCK as u64) || !len.is_multiple_of(BLOCK) => b,
            _ => &self.file,
        }
    }
}

/// The size of a block device in bytes (BLKGETSIZE64).
pub fn block_device_size(file: &File) -> io::Result<u64> {
    let mut size: u64 = 0;
    // SAFETY: BLKGETSIZE64 writes one u64 through the pointer.
    let rc = unsafe { libc::ioctl(file.as_raw_fd(), BLKGETSIZE64 as _, &mut size as *mut u64) };
    if rc < 0 { Err(io::Error::last_os_error()) } else { Ok(size) }
}

fn size_of(file: &File, path: &Path, is_block: bool) -> Result<u64> {
    if is_block {
        block_device_size(file).map_err(|e| Error::io("get size (BLKGETSIZE64) of", path, None, e))
    } else {
        file.metadata().map(|m| m.len()).map_err(|e| Error::io("stat", path, None, e))
    }
}

fn open(path: &Path, write: bool, flags: i32) -> io::Result<File> {
    let mut o = OpenOptions::new();
    // A target is read too: a resumed copy reads back what its checkpoint says is there.
    o.read(true).write(write);
    o.custom_flags(flags).open(path)
}

/// Opens with O_DIRECT if asked, falling back to buffered I/O (with a note) where refused.
fn open_maybe_direct(path: &Path, write: bool, flags: i32, direct: bool, notes: &mut Vec<String>) -> io::Result<(File, bool)> {
    if direct {
        match open(path, write, flags | libc::O_DIRECT) {
            Ok(f) => return Ok((f, true)),
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
                notes.push(format!("O_DIRECT refused by {} ({e}): buffered I/O used", path.display()));
            }
            Err(e) => return Err(e),
        }
    }
    open(path, write, flags).map(|f| (f, false))
}

fn kind(path: &Path, what: &'static str) -> Result<std::fs::Metadata> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(what, path, None, e))?;
    let ft = meta.file_type();
    if !(ft.is_file() || ft.is_block_device()) {
        return Err(Error::InvalidArgument(format!(
            "{} is neither a regular file nor a block device: give a file or a block device",
            path.display()
        )));
    }
    Ok(meta)
}

/// Opens the source read-only; it is never opened writable.
pub(super) fn open_source(path: &Path, direct: bool, notes: &mut Vec<String>) -> Result<Endpoint> {
    let meta = kind(path, "open source")?;
    let is_block = meta.file_type().is_block_device();
    let (file, direct) =
        open_maybe_direct(path, false, libc::O_CLOEXEC, direct, notes).map_err(|e| Error::io("open source", path, None, e))?;
    let size = size_of(&file, path, is_block)?;
    let buffered = if direct { Some(open(path, false, libc::O_CLOEXEC).map_err(|e| Error::io("open source", path, None, e))?) } else { None };
    Ok(Endpoint { path: path.into(), file, buffered, size, is_block, direct, holes: None, stream: None, zvol: OnceLock::new() })
}

/// Opens the target for writing without truncating it; block devices with O_EXCL, so a
/// mounted or otherwise claimed device is refused. Creates a missing file only when asked.
pub(super) fn open_target(path: &Path, create: bool, direct: bool, source_size: u64, notes: &mut Vec<String>) -> Result<Endpoint> {
    if !path.exists() {
        if !create {
            let why = format!("does not exist: create it with at least {source_size} bytes, or let the copy create it (create_target)");
            return Err(Error::io("open target", path, None, std::io::Error::new(std::io::ErrorKind::NotFound, why)));
        }
        let f = OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| Error::io("create target", path, None, e))?;
        f.set_len(source_size).map_err(|e| Error::io("size target", path, None, e))?;
        // The new name is durable before anything is written under it.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::state::sync_dir(dir).map_err(|e| Error::io("fsync the directory of", path, None, e))?;
        }
    }
    let meta = kind(path, "open target")?;
    let is_block = meta.file_type().is_block_device();
    let flags = libc::O_CLOEXEC | if is_block { libc::O_EXCL } else { 0 };
    let (file, direct) = open_exclusive(path, flags, direct, notes).map_err(|e| match e.raw_os_error() {
        Some(libc::EBUSY) => Error::Busy {
            path: path.into(),
            detail: "exclusive open (O_EXCL) refused: mounted, or held by another driver such as DRBD or device-mapper; unmount or close it, or pick another target".into(),
        },
        _ => Error::io("open target", path, None, e),
    })?;
    let size = size_of(&file, path, is_block)?;
    // The buffered twin needs no O_EXCL: this process holds the claim through `file`.
    let buffered = if direct { Some(open(path, true, libc::O_CLOEXEC).map_err(|e| Error::io("open target", path, None, e))?) } else { None };
    let holes = (!is_block).then(|| DataMap::of_file(&file, size));
    Ok(Endpoint { path: path.into(), file, buffered, size, is_block, direct, holes, stream: None, zvol: OnceLock::new() })
}

/// How long an exclusive open keeps retrying EBUSY before calling the target busy.
const BUSY_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

/// Opens the target; EBUSY is retried for [`BUSY_GRACE`]. Why: a process that forks (a JVM
/// satellite, a test harness) hands its children a copy of every descriptor until their exec
/// closes it, so right after a cancelled copy closes the device, a child forked a moment earlier
/// may still hold the exclusive claim for a few milliseconds. A real holder (a mount, DRBD,
/// device-mapper) still holds it after the grace and is refused as busy.
fn open_exclusive(path: &Path, flags: i32, direct: bool, notes: &mut Vec<String>) -> io::Result<(File, bool)> {
    let started = std::time::Instant::now();
    loop {
        match open_maybe_direct(path, true, flags, direct, notes) {
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) && started.elapsed() < BUSY_GRACE => {
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            other => return other,
        }
    }
}

/// What the zeroing layer needs to know of the target.
pub(super) fn target_facts(target: &Endpoint) -> TargetFacts {
    if target.is_block { TargetFacts::Block(sysblock::facts(&target.file)) } else { TargetFacts::File }
}

impl Sink for Endpoint {
    fn write_at(&self, buf: &[u8], off: u64) -> io::Result<()> {
        self.fd_for(off, buf.len()).write_all_at(buf, off)?;
        if let Some(k) = &self.stream {
            pagecache::write_behind(&self.file, k, off, buf.len());
        }
        Ok(())
    }

    fn zero_range(&self, method: ZeroMethod, off: u64, len: u64) -> io::Result<()> {
        let fd = self.file.as_raw_fd();
        let rc = match method {
            ZeroMethod::Write | ZeroMethod::Skip => return Ok(()),
            ZeroMethod::PunchHole if self.is_hole(off, len) => return Ok(()),
            // On a block device, fallocate(PUNCH_HOLE) is a write-zeroes that may unmap, and
            // fails rather than fall back to writing.
            ZeroMethod::PunchHole | ZeroMethod::WriteZeroes => {
                // SAFETY: fallocate on a valid fd has no memory effects.
                unsafe {
                    libc::fallocate(fd, libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE, off as libc::off_t, len as libc::off_t)
                }
            }
            ZeroMethod::ZeroOut | ZeroMethod::Discard => {
                let range = [off, len];
                let req = if method == ZeroMethod::ZeroOut { BLKZEROOUT } else { BLKDISCARD };
                // SAFETY: both ioctls read two u64 through the pointer.
                unsafe { libc::ioctl(fd, req as _, range.as_ptr()) }
            }
        };
        if rc < 0 { Err(io::Error::last_os_error()) } else { Ok(()) }
    }
}

/// Drops the file's cached pages so a verify reads from the device.
pub(super) fn drop_cache(file: &File) {
    // SAFETY: advisory call on a valid fd.
    unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
}

/// Opens a side read-only, for verification or to read a target back (never exclusively).
pub(super) fn open_read_only(path: &Path) -> Result<File> {
    open(path, false, libc::O_CLOEXEC).map_err(|e| Error::io("open for reading", path, None, e))
}
