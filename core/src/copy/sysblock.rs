//! What the kernel says about a block device, read from sysfs and two ioctls: its queue limits
//! (write-zeroes, discard and its granularity), what it is (a ZFS zvol, a dm-thin volume, a loop
//! device and its backing file, a partition and where it sits on its disk) and what it is built
//! on (device-mapper and md `slaves`). The zeroing layer and the overlap check both read it.

use std::ffi::CStr;
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// A block device number (`major:minor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct DevNum {
    pub(super) major: u32,
    pub(super) minor: u32,
}

impl DevNum {
    /// From a `st_rdev`.
    pub(super) fn of_rdev(rdev: u64) -> Self {
        DevNum { major: libc::major(rdev), minor: libc::minor(rdev) }
    }

    /// `/sys/dev/block/MAJ:MIN`, if the kernel has it.
    pub(super) fn sysfs(self) -> Option<PathBuf> {
        let dir = PathBuf::from(format!("/sys/dev/block/{}:{}", self.major, self.minor));
        dir.exists().then_some(dir)
    }

    /// Parses sysfs `dev` text (`"253:0\n"`).
    fn parse(text: &str) -> Option<Self> {
        let (a, b) = text.trim().split_once(':')?;
        Some(DevNum { major: a.parse().ok()?, minor: b.parse().ok()? })
    }
}

/// What a block device is, as far as its zeroing guarantees go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BlockKind {
    /// A ZFS zvol: a discard frees the whole volblocks inside the range (they then read zeros)
    /// and leaves partial ones as they were.
    Zvol,
    /// A device-mapper device whose every target is `thin`: a discard unmaps the whole pool
    /// blocks inside the range (unmapped blocks read zeros) and leaves partial ones.
    DmThin,
    /// Anything else: what a discard leaves is unknown.
    Other,
}

/// The queue limits and kind of a block device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BlockFacts {
    /// What it is.
    pub(super) kind: BlockKind,
    /// Largest write-zeroes request, 0 when the device has none.
    pub(super) write_zeroes_max: u64,
    /// Largest discard request, 0 when the device takes no discards.
    pub(super) discard_max: u64,
    /// The unit a discard works in (0: unknown).
    pub(super) discard_granularity: u64,
}

/// A numeric attribute of the device's queue (a partition reads its disk's queue).
fn queue_attr(dir: &Path, name: &str) -> Option<u64> {
    [dir.join("queue").join(name), dir.join("../queue").join(name)]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .and_then(|v| v.trim().parse().ok())
}

fn read_trimmed(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok().map(|s| s.trim().to_owned())
}

/// The kernel's name of the device (`zd16`, `dm-3`, `loop0`, `sda1`).
fn kernel_name(dir: &Path) -> Option<String> {
    std::fs::canonicalize(dir).ok()?.file_name().map(|n| n.to_string_lossy().into_owned())
}

/// Reads the facts of the block device open as `file`; `None` when sysfs does not know it.
pub(super) fn facts(file: &File) -> Option<BlockFacts> {
    let dev = DevNum::of_rdev(file.metadata().ok()?.rdev());
    let dir = dev.sysfs()?;
    let name = kernel_name(&dir).unwrap_or_default();
    let kind = if name.starts_with("zd") {
        BlockKind::Zvol
    } else if dir.join("dm").exists() && read_trimmed(&dir.join("dm/name")).is_some_and(|n| dm_all_thin(&n).unwrap_or(false)) {
        BlockKind::DmThin
    } else {
        BlockKind::Other
    };
    Some(BlockFacts {
        kind,
        write_zeroes_max: queue_attr(&dir, "write_zeroes_max_bytes").unwrap_or(0),
        discard_max: queue_attr(&dir, "discard_max_bytes").unwrap_or(0),
        discard_granularity: queue_attr(&dir, "discard_granularity").unwrap_or(0),
    })
}

/// What sysfs says of a block device for telling it apart from another one under the same name:
/// its kernel name, whether it is a partition, and its device-mapper UUID (empty when it has none).
#[derive(Debug, Clone, Default)]
pub(super) struct Naming {
    /// `zd16`, `dm-3`, `loop0`, `sda1`.
    pub(super) kernel_name: String,
    /// A partition of a disk.
    pub(super) partition: bool,
    /// `dm/uuid` (LVM: `LVM-<vg uuid><lv uuid>`; cryptsetup: `CRYPT-LUKS2-<uuid>-<name>`).
    pub(super) dm_uuid: Option<String>,
}

/// The [`Naming`] of block device `dev`, `None` when sysfs does not know it.
pub(super) fn naming(dev: DevNum) -> Option<Naming> {
    let dir = dev.sysfs()?;
    Some(Naming {
        kernel_name: kernel_name(&dir).unwrap_or_default(),
        partition: dir.join("partition").exists(),
        dm_uuid: read_trimmed(&dir.join("dm/uuid")),
    })
}

/// The devices `dev` is built on directly: a partition's disk, device-mapper or md `slaves`.
/// Each with `Some((start, len))` in bytes on it when that is known (a partition), else `None`.
pub(super) fn lower(dev: DevNum) -> Vec<(DevNum, Option<(u64, u64)>)> {
    let Some(dir) = dev.sysfs() else { return Vec::new() };
    let mut out = Vec::new();
    if dir.join("partition").exists() {
        let disk = read_trimmed(&dir.join("../dev")).and_then(|t| DevNum::parse(&t));
        let start = read_trimmed(&dir.join("start")).and_then(|t| t.parse::<u64>().ok());
        let size = read_trimmed(&dir.join("size")).and_then(|t| t.parse::<u64>().ok());
        if let Some(disk) = disk {
            out.push((disk, start.zip(size).map(|(s, n)| (s * 512, n * 512))));
        }
    }
    if let Ok(entries) = std::fs::read_dir(dir.join("slaves")) {
        for e in entries.flatten() {
            if let Some(d) = read_trimmed(&e.path().join("dev")).and_then(|t| DevNum::parse(&t)) {
                out.push((d, None));
            }
        }
    }
    out
}

/// A loop device's backing file: its `(st_dev, st_ino)`, whether it is itself a block device
/// (then `rdev`), its path, and the byte range of it the loop device maps.
#[derive(Debug, Clone)]
pub(super) struct LoopBacking {
    pub(super) dev: u64,
    pub(super) ino: u64,
    pub(super) rdev: Option<DevNum>,
    pub(super) path: Option<PathBuf>,
    pub(super) offset: u64,
    /// 0: to the end of the file.
    pub(super) size_limit: u64,
}

const LOOP_GET_STATUS64: libc::c_ulong = 0x4C05;

/// `struct loop_info64` of `<linux/loop.h>`.
#[repr(C)]
struct LoopInfo64 {
    lo_device: u64,
    lo_inode: u64,
    lo_rdevice: u64,
    lo_offset: u64,
    lo_sizelimit: u64,
    lo_number: u32,
    lo_encrypt_type: u32,
    lo_encrypt_key_size: u32,
    lo_flags: u32,
    lo_file_name: [u8; 64],
    lo_crypt_name: [u8; 64],
    lo_encrypt_key: [u8; 32],
    lo_init: [u64; 2],
}

/// The kernel's `huge_encode_dev` of a loop status back to a device number.
fn huge_decode(v: u64) -> DevNum {
    DevNum { major: ((v & 0xfff00) >> 8) as u32, minor: ((v & 0xff) | ((v >> 12) & 0xfff00)) as u32 }
}

/// The backing file of loop device `dev` (open as `file`), or `None` when it is no loop device.
pub(super) fn loop_backing(dev: DevNum, file: Option<&File>) -> Option<LoopBacking> {
    let dir = dev.sysfs()?;
    if !dir.join("loop").exists() {
        return None;
    }
    let path = read_trimmed(&dir.join("loop/backing_file")).map(PathBuf::from);
    let opened;
    let f = match file {
        Some(f) => f,
        None => {
            opened = File::open(format!("/dev/block/{}:{}", dev.major, dev.minor)).ok()?;
            &opened
        }
    };
    // SAFETY: LoopInfo64 is plain old data; the ioctl fills it.
    let mut info: LoopInfo64 = unsafe { std::mem::zeroed() };
    // SAFETY: LOOP_GET_STATUS64 writes one loop_info64 through the pointer.
    let rc = unsafe { libc::ioctl(f.as_raw_fd(), LOOP_GET_STATUS64 as _, &mut info as *mut LoopInfo64) };
    if rc < 0 {
        return None;
    }
    let backing_dev = huge_decode(info.lo_device);
    let rdev = (info.lo_rdevice != 0).then(|| huge_decode(info.lo_rdevice));
    Some(LoopBacking {
        dev: libc::makedev(backing_dev.major, backing_dev.minor),
        ino: info.lo_inode,
        rdev,
        path,
        offset: info.lo_offset,
        size_limit: info.lo_sizelimit,
    })
}

// ---- device-mapper: the target types of a table (DM_TABLE_STATUS) ----------------------------

const DM_IOCTL_SIZE: usize = 312;
const DM_NAME_OFFSET: usize = 48;
const DM_NAME_LEN: usize = 128;
const DM_STATUS_TABLE_FLAG: u32 = 1 << 4;
const DM_BUFFER_FULL_FLAG: u32 = 1 << 8;
/// `_IOWR(0xfd, DM_TABLE_STATUS_CMD = 12, struct dm_ioctl)`.
const DM_TABLE_STATUS: libc::c_ulong = (3 << 30) | ((DM_IOCTL_SIZE as libc::c_ulong) << 16) | (0xfd << 8) | 12;
const DM_TARGET_SPEC_SIZE: usize = 40;

/// Whether every target of device-mapper device `name` is `thin`; `None` when the table cannot
/// be read (not root, no `/dev/mapper/control`).
fn dm_all_thin(name: &str) -> Option<bool> {
    let types = dm_target_types(name).ok()?;
    Some(!types.is_empty() && types.iter().all(|t| t == "thin"))
}

fn u32_at(buf: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes(buf[at..at + 4].try_into().expect("4 bytes"))
}

/// The target types of device-mapper device `name`'s live table.
fn dm_target_types(name: &str) -> io::Result<Vec<String>> {
    if name.len() >= DM_NAME_LEN {
        return Err(io::Error::from(io::ErrorKind::InvalidInput));
    }
    let control = File::open("/dev/mapper/control")?;
    let mut size = 16 * 1024;
    loop {
        // u64 words keep the buffer aligned for the kernel's struct.
        let mut words = vec![0u64; size / 8];
        // SAFETY: a u64 buffer viewed as bytes, same length in bytes.
        let buf = unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), size) };
        for (i, v) in [4u32, 0, 0, size as u32, DM_IOCTL_SIZE as u32].iter().enumerate() {
            buf[i * 4..i * 4 + 4].copy_from_slice(&v.to_ne_bytes());
        }
        buf[28..32].copy_from_slice(&DM_STATUS_TABLE_FLAG.to_ne_bytes());
        buf[DM_NAME_OFFSET..DM_NAME_OFFSET + name.len()].copy_from_slice(name.as_bytes());
        // SAFETY: the buffer is `size` bytes, as data_size tells the kernel.
        let rc = unsafe { libc::ioctl(control.as_raw_fd(), DM_TABLE_STATUS as _, buf.as_mut_ptr()) };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        if u32_at(buf, 28) & DM_BUFFER_FULL_FLAG != 0 {
            if size >= 4 << 20 {
                return Err(io::Error::from(io::ErrorKind::OutOfMemory));
            }
            size *= 4;
            continue;
        }
        let (start, count) = (u32_at(buf, 16) as usize, u32_at(buf, 20) as usize);
        let mut types = Vec::with_capacity(count);
        let mut at = start;
        for _ in 0..count {
            if at + DM_TARGET_SPEC_SIZE > size {
                return Err(io::Error::from(io::ErrorKind::InvalidData));
            }
            let tt = &buf[at + 24..at + 40];
            let t = CStr::from_bytes_until_nul(tt).map(|c| c.to_string_lossy().into_owned()).unwrap_or_default();
            types.push(t);
            at = start + u32_at(buf, at + 20) as usize;
        }
        return Ok(types);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_decode_matches_the_kernel_encoding() {
        // huge_encode_dev(MKDEV(7, 300)) = (300 & 0xff) | (7 << 8) | ((300 & !0xff) << 12)
        let enc = (300u64 & 0xff) | (7 << 8) | ((300u64 & !0xff) << 12);
        assert_eq!(huge_decode(enc), DevNum { major: 7, minor: 300 });
        assert_eq!(huge_decode(0x0801), DevNum { major: 8, minor: 1 });
    }

    #[test]
    fn devnum_parses_sysfs_text() {
        assert_eq!(DevNum::parse("253:12\n"), Some(DevNum { major: 253, minor: 12 }));
        assert_eq!(DevNum::parse("x"), None);
    }

    #[test]
    fn dm_ioctl_number_is_the_kernels() {
        assert_eq!(DM_TABLE_STATUS, 0xC138_FD0C);
    }
}
