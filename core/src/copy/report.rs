//! What a copy did.

use serde::{Deserialize, Serialize};

use super::options::SparseMode;

/// How zero runs were made to read as zeros on the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZeroMethod {
    /// Written as data (`sparse=never`, or nothing better works on this target).
    Write,
    /// Not written (`sparse=always`, or a hole already there).
    Skip,
    /// `fallocate(PUNCH_HOLE)`: a hole in a file; on a block device with write-zeroes
    /// support, a write-zeroes that may unmap (a loop device punches its backing file).
    PunchHole,
    /// `BLKZEROOUT` on a block device without write-zeroes: the kernel writes the zeros.
    ZeroOut,
    /// `BLKDISCARD` on a device that reads zeros after discard (a ZFS zvol frees the blocks).
    Discard,
    /// `BLKDISCARD`, then the range is read back, and zeros are written where it does not read
    /// zeros: for devices that may keep data on discard (dm-thin keeps partial pool blocks), so
    /// thin LVs stay thin where `BLKZEROOUT` would allocate.
    DiscardChecked,
}

/// Result of [`super::verify`]: a whole-volume digest of each side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// Whether the digests match.
    pub matched: bool,
    /// xxh3 digest over the source's per-chunk hashes.
    pub source_digest: String,
    /// The same for the target's first `bytes_total` bytes.
    pub target_digest: String,
}

/// The final report of a copy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CopyReport {
    /// Bytes of the source (= bytes now equal on the target).
    pub bytes_total: u64,
    /// Bytes read from the source (source holes are not read).
    pub bytes_read: u64,
    /// Bytes written as data.
    pub bytes_written: u64,
    /// Bytes of zeros not written as data (skipped, punched or zeroed-out).
    pub bytes_zero: u64,
    /// Bytes of source holes that were not read.
    pub bytes_hole: u64,
    /// Wall time of the copy (with fsync, without verify), seconds.
    pub seconds: f64,
    /// `bytes_total / seconds`, MiB/s.
    pub mib_per_sec: f64,
    /// Workers used.
    pub workers: usize,
    /// Chunk size used.
    pub chunk_size: usize,
    /// Zero handling asked for.
    pub sparse: SparseMode,
    /// Zero handling used on this target.
    pub zero_method: ZeroMethod,
    /// Whether O_DIRECT was used (it may have been refused).
    pub direct: bool,
    /// Whether the target was flushed with fdatasync.
    pub fsynced: bool,
    /// Verify result, when asked for.
    pub verify: Option<VerifyReport>,
    /// Things the operator should know (fallbacks taken).
    pub notes: Vec<String>,
}
