//! Helpers for the integration tests: image layouts, allocation, loop devices, small tmpfs.
#![allow(dead_code)]

use std::fs::File;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::Command;

pub const MIB: u64 = 1 << 20;

/// A piece of a source image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Piece {
    /// Pseudo-random bytes.
    Data(u64),
    /// Explicitly written zeros.
    Zeros(u64),
    /// A hole.
    Hole(u64),
}

/// Deterministic pseudo-random bytes (xorshift).
pub fn fill_random(buf: &mut [u8], seed: u64) {
    let mut s = seed | 1;
    for b in buf.iter_mut() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        *b = (s >> 24) as u8 | 1; // never zero, so data runs stay data
    }
}

/// Writes `pieces` into a new file at `path`; returns its size.
pub fn make_image(path: &Path, pieces: &[Piece], seed: u64) -> u64 {
    let f = File::create(path).unwrap();
    let mut off = 0u64;
    for (i, p) in pieces.iter().enumerate() {
        match *p {
            Piece::Data(n) => {
                let mut buf = vec![0u8; n as usize];
                fill_random(&mut buf, seed.wrapping_add(i as u64 * 7919));
                f.write_all_at(&buf, off).unwrap();
                off += n;
            }
            Piece::Zeros(n) => {
                f.write_all_at(&vec![0u8; n as usize], off).unwrap();
                off += n;
            }
            Piece::Hole(n) => off += n,
        }
    }
    f.set_len(off).unwrap();
    f.sync_all().unwrap();
    off
}

/// Creates a sparse file of `size` bytes.
pub fn make_sparse(path: &Path, size: u64) {
    File::create(path).unwrap().set_len(size).unwrap();
}

/// Allocated bytes of a file (st_blocks * 512).
pub fn allocated(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().blocks() * 512
}

/// The first `len` bytes of a file or device.
pub fn read_prefix(path: &Path, len: u64) -> Vec<u8> {
    let f = File::open(path).unwrap();
    let mut buf = vec![0u8; len as usize];
    f.read_exact_at(&mut buf, 0).unwrap();
    buf
}

/// Asserts the first `len` bytes of both are equal, naming the first difference.
pub fn assert_same_prefix(a: &Path, b: &Path, len: u64) {
    let (x, y) = (read_prefix(a, len), read_prefix(b, len));
    if let Some(i) = x.iter().zip(&y).position(|(p, q)| p != q) {
        panic!("{} and {} differ at byte {i}", a.display(), b.display());
    }
}

fn root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// A loop device over a file, detached on drop.
pub struct Loop {
    pub dev: PathBuf,
}

impl Loop {
    /// Attaches `backing`; `None` (with a visible message) where loop devices are unavailable.
    pub fn attach(backing: &Path, read_only: bool, test: &str) -> Option<Loop> {
        Self::attach_with(backing, if read_only { &["--read-only"] } else { &[] }, test)
    }

    /// Attaches `backing` with extra `losetup` arguments (`--offset`, `--partscan`, ...).
    pub fn attach_with(backing: &Path, args: &[&str], test: &str) -> Option<Loop> {
        if !root() {
            eprintln!("SKIPPED {test}: loop devices need root");
            return None;
        }
        let mut cmd = Command::new("losetup");
        cmd.args(["--find", "--show"]).args(args);
        match cmd.arg(backing).output() {
            Ok(o) if o.status.success() => Some(Loop { dev: PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()) }),
            Ok(o) => {
                eprintln!("SKIPPED {test}: losetup failed: {}", String::from_utf8_lossy(&o.stderr).trim());
                None
            }
            Err(e) => {
                eprintln!("SKIPPED {test}: losetup not runnable: {e}");
                None
            }
        }
    }
}

impl Drop for Loop {
    fn drop(&mut self) {
        let _ = Command::new("losetup").arg("-d").arg(&self.dev).status();
    }
}

/// A small tmpfs mounted on a fresh directory, unmounted on drop.
pub struct SmallFs {
    pub dir: PathBuf,
}

impl SmallFs {
    pub fn mount(size: &str, test: &str) -> Option<SmallFs> {
        if !root() {
            eprintln!("SKIPPED {test}: mounting a tmpfs needs root");
            return None;
        }
        let dir = tempfile::tempdir().unwrap().keep();
        let ok = Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"]).arg(&dir).status();
        match ok {
            Ok(s) if s.success() => Some(SmallFs { dir }),
            _ => {
                eprintln!("SKIPPED {test}: cannot mount a tmpfs here");
                None
            }
        }
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.dir).status();
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// Deletes `path` and creates it again empty (sparse, `size` bytes), the way LINSTOR's cleanup
/// and retry re-create a target. Tries to make the new file take the old inode number (ext4
/// usually hands a freed inode out again at once; files that took another number are kept aside
/// until it does), so the test covers the case where only a stronger identity tells the two
/// apart. Returns whether the inode number was reused.
pub fn recreate(path: &Path, size: u64) -> bool {
    let old = std::fs::metadata(path).unwrap().ino();
    std::fs::remove_file(path).unwrap();
    let mut aside = Vec::new();
    let mut reused = false;
    for i in 0..32 {
        make_sparse(path, size);
        if std::fs::metadata(path).unwrap().ino() == old {
            reused = true;
            break;
        }
        let keep = path.with_extension(format!("aside{i}"));
        std::fs::rename(path, &keep).unwrap();
        aside.push(keep);
    }
    if !reused {
        make_sparse(path, size);
    }
    for a in aside {
        let _ = std::fs::remove_file(a);
    }
    reused
}

/// Whether `path` is on ext4 (where a freed inode number is handed out again at once).
pub fn on_ext4(path: &Path) -> bool {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: statfs into a zeroed struct, with a valid C string.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    (unsafe { libc::statfs(c.as_ptr(), &mut st) } == 0) && st.f_type == 0xEF53
}
