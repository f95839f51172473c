//! The block copy's checkpoint: which chunks are durably on the target, tied to both sides and
//! the sizes, so a copy killed half-way is finished by a rerun that copies only the rest. While
//! the file exists the target is incomplete (a file target also carries the extended attribute
//! `user.volclone.incomplete`); a finished copy removes both.
//!
//! A chunk is recorded only after an `fdatasync` of the target that follows its write, and the
//! file is replaced atomically (write, fsync, rename), so a crash at any point leaves a
//! checkpoint that claims no more than the target holds.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How a side is recognised again: its path and size; for files also device, inode and
/// modification time (a block device's number can change between runs: a zvol snapshot's
/// device comes and goes with `snapdev`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Identity {
    path: PathBuf,
    size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    file: Option<(u64, u64, i64)>,
}

impl Identity {
    pub(super) fn of(path: &Path, size: u64, mtime: bool) -> Result<Self> {
        let m = std::fs::metadata(path).map_err(|e| Error::io("stat", path, None, e))?;
        let file = (!m.file_type().is_block_device()).then(|| (m.dev(), m.ino(), if mtime { m.mtime_nsec() + m.mtime() * 1_000_000_000 } else { 0 }));
        Ok(Identity { path: path.to_owned(), size, file })
    }
}

/// What the checkpoint file holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct State {
    version: u32,
    source: Identity,
    target: Identity,
    chunk_size: usize,
    /// Chunk ranges `[start, end)` durably copied.
    done: Vec<(u64, u64)>,
}

/// The default directory of checkpoints: `VOLCLONE_STATE_DIR`, else `/var/lib/volclone`, else
/// one under the temporary directory.
pub fn default_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("VOLCLONE_STATE_DIR") {
        return PathBuf::from(d).join("checkpoints");
    }
    let var = PathBuf::from("/var/lib/volclone/checkpoints");
    if std::fs::create_dir_all(&var).is_ok() {
        return var;
    }
    std::env::temp_dir().join("volclone-checkpoints")
}

/// The checkpoint file of a copy onto `target`, in `dir`.
pub fn path_for(dir: &Path, target: &Path) -> PathBuf {
    let name: String = target.to_string_lossy().chars().map(|c| if c == '/' { '%' } else { c }).collect();
    dir.join(format!("{name}.json"))
}

const XATTR: &str = "user.volclone.incomplete";

fn set_xattr(target: &Path, value: Option<&Path>) {
    let Ok(c) = std::ffi::CString::new(target.as_os_str().as_encoded_bytes()) else { return };
    let name = std::ffi::CString::new(XATTR).expect("no NUL");
    // SAFETY: valid C strings and buffer; failures (no xattr support) are ignored: the
    // checkpoint file alone still says the copy is incomplete.
    unsafe {
        match value {
            Some(v) => {
                let b = v.as_os_str().as_encoded_bytes();
                libc::setxattr(c.as_ptr(), name.as_ptr(), b.as_ptr().cast(), b.len(), 0);
            }
            None => {
                libc::removexattr(c.as_ptr(), name.as_ptr());
            }
        }
    }
}

/// A copy's checkpoint in use: the chunks done (shared by the workers) and where it is kept.
pub(super) struct Checkpoint {
    file: PathBuf,
    source: Identity,
    target: Identity,
    is_file_target: bool,
    chunk_size: usize,
    /// One bit per chunk: copied (not yet necessarily durable).
    bits: Vec<AtomicU64>,
    /// Chunks known durable when the copy started (skipped by the workers).
    resumed: BTreeSet<u64>,
}

impl Checkpoint {
    /// Opens (or starts) the checkpoint of a copy; a checkpoint of another copy is refused.
    pub(super) fn open(file: PathBuf, source: Identity, target: Identity, is_file_target: bool, chunk_size: usize) -> Result<Self> {
        let chunks = source.size.div_ceil(chunk_size as u64);
        let bits = (0..chunks.div_ceil(64)).map(|_| AtomicU64::new(0)).collect();
        let mut cp = Checkpoint { file, source, target, is_file_target, chunk_size, bits, resumed: BTreeSet::new() };
        match std::fs::read_to_string(&cp.file) {
            Ok(text) => {
                let st: State = serde_json::from_str(&text).map_err(|e| {
                    Error::InvalidArgument(format!("checkpoint {} is unreadable ({e}): remove it to copy from the start", cp.file.display()))
                })?;
                if st.source != cp.source || st.target != cp.target || st.chunk_size != chunk_size {
                    return Err(Error::InvalidArgument(format!(
                        "checkpoint {} belongs to another copy ({} -> {}, {} bytes, chunks of {}): remove it to copy from the start",
                        cp.file.display(),
                        st.source.path.display(),
                        st.target.path.display(),
                        st.source.size,
                        st.chunk_size
                    )));
                }
                for (s, e) in st.done {
                    for c in s..e.min(chunks) {
                        cp.resumed.insert(c);
                        cp.mark(c);
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io("read checkpoint", &cp.file, None, e)),
        }
        if cp.is_file_target {
            set_xattr(&cp.target.path, Some(&cp.file));
        }
        Ok(cp)
    }

    /// Bytes the checkpoint says are already on the target.
    pub(super) fn resumed_bytes(&self, size: u64) -> u64 {
        self.resumed.iter().map(|&c| (size - c * self.chunk_size as u64).min(self.chunk_size as u64)).sum()
    }

    /// Whether chunk `c` was already durable when the copy started.
    pub(super) fn was_done(&self, c: u64) -> bool {
        self.resumed.contains(&c)
    }

    /// Records chunk `c` as copied (durable at the next [`Checkpoint::save`]).
    pub(super) fn mark(&self, c: u64) {
        self.bits[(c / 64) as usize].fetch_or(1 << (c % 64), Relaxed);
    }

    /// The chunks marked now, as ranges.
    fn ranges(&self) -> Vec<(u64, u64)> {
        let chunks = self.source.size.div_ceil(self.chunk_size as u64);
        let mut out: Vec<(u64, u64)> = Vec::new();
        for c in 0..chunks {
            if self.bits[(c / 64) as usize].load(Relaxed) & (1 << (c % 64)) != 0 {
                match out.last_mut() {
                    Some(r) if r.1 == c => r.1 = c + 1,
                    _ => out.push((c, c + 1)),
                }
            }
        }
        out
    }

    /// Makes the chunks marked so far durable: takes them, flushes the target, then replaces
    /// the checkpoint file atomically.
    pub(super) fn save(&self, target: &File) -> Result<()> {
        let done = self.ranges();
        target.sync_data().map_err(|e| Error::io("fdatasync", &self.target.path, None, e))?;
        let st = State { version: 1, source: self.source.clone(), target: self.target.clone(), chunk_size: self.chunk_size, done };
        let tmp = self.file.with_extension("json.tmp");
        if let Some(dir) = self.file.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("create the checkpoint directory", dir, None, e))?;
        }
        let mut f = File::create(&tmp).map_err(|e| Error::io("write checkpoint", &tmp, None, e))?;
        f.write_all(serde_json::to_string(&st).unwrap_or_default().as_bytes()).map_err(|e| Error::io("write checkpoint", &tmp, None, e))?;
        f.sync_all().map_err(|e| Error::io("fsync checkpoint", &tmp, None, e))?;
        std::fs::rename(&tmp, &self.file).map_err(|e| Error::io("replace checkpoint", &self.file, None, e))
    }

    /// The copy is complete (and flushed): the checkpoint and the incomplete mark go.
    pub(super) fn finish(self) -> Result<()> {
        if self.is_file_target {
            set_xattr(&self.target.path, None);
        }
        match std::fs::remove_file(&self.file) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io("remove checkpoint", &self.file, None, e)),
        }
    }
}
