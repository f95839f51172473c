//! Data extents of a source file via SEEK_DATA/SEEK_HOLE, so holes are never read.

use std::fs::File;
use std::os::fd::AsRawFd;

/// Sorted, disjoint `[start, end)` ranges that may hold data; everything else is a hole.
pub(super) struct DataMap(Vec<(u64, u64)>);

impl DataMap {
    /// Everything may hold data (block devices, or no SEEK_DATA support).
    pub(super) fn all(size: u64) -> Self {
        DataMap(vec![(0, size)])
    }

    /// Asks the file system; falls back to [`DataMap::all`] where it cannot tell.
    pub(super) fn of_file(file: &File, size: u64) -> Self {
        let fd = file.as_raw_fd();
        let mut out = Vec::new();
        let mut pos: u64 = 0;
        while pos < size {
            // SAFETY: lseek on a valid fd has no memory effects.
            let data = unsafe { libc::lseek(fd, pos as libc::off_t, libc::SEEK_DATA) };
            if data < 0 {
                if std::io::Error::last_os_error().raw_os_error() == Some(libc::ENXIO) {
                    break; // only a hole up to the end
                }
                return Self::all(size);
            }
            let data = data as u64;
            if data >= size {
                break;
            }
            // SAFETY: as above.
            let hole = unsafe { libc::lseek(fd, data as libc::off_t, libc::SEEK_HOLE) };
            if hole < 0 {
                return Self::all(size);
            }
            let hole = (hole as u64).min(size);
            out.push((data, hole));
            pos = hole;
        }
        DataMap(out)
    }

    /// Whether `[start, end)` lies wholly in a hole.
    pub(super) fn is_hole(&self, start: u64, end: u64) -> bool {
        let i = self.0.partition_point(|&(_, e)| e <= start);
        self.0.get(i).is_none_or(|&(s, _)| s >= end)
    }

    /// Bytes that may hold data.
    #[cfg(test)]
    pub(super) fn data_bytes(&self) -> u64 {
        self.0.iter().map(|(s, e)| e - s).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::FileExt;

    #[test]
    fn finds_data_between_holes() {
        let f = tempfile::tempfile().unwrap();
        let mib = 1u64 << 20;
        f.set_len(8 * mib).unwrap();
        f.write_all_at(&[1u8; 4096], 2 * mib).unwrap();
        f.write_all_at(&[1u8; 4096], 6 * mib).unwrap();
        let map = DataMap::of_file(&f, 8 * mib);
        assert!(map.is_hole(0, 2 * mib));
        assert!(!map.is_hole(2 * mib, 2 * mib + 1));
        assert!(!map.is_hole(mib, 3 * mib));
        assert!(map.is_hole(3 * mib, 6 * mib));
        assert!(map.is_hole(7 * mib, 8 * mib));
        assert!(map.data_bytes() < 8 * mib, "tmpfs/ext4 report holes");
    }
}
