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
    /// `fallocate(PUNCH_HOLE)` on a file: the run becomes a hole (nothing where one is already).
    PunchHole,
    /// `BLKZEROOUT` on a block device that gives no other guarantee: the kernel writes the
    /// zeros where the device cannot zero a range itself.
    ZeroOut,
    /// `BLKDISCARD` of the whole granules inside the run (zvol volblocks, dm-thin pool blocks,
    /// which then read zeros), with zeros written at the run's edges, where a discard keeps data.
    Discard,
    /// The device's write-zeroes (`fallocate(PUNCH_HOLE)` on a block device): zeros guaranteed,
    /// unmapped where the device can (a loop device punches its backing file).
    WriteZeroes,
}

/// Result of [`super::verify`]: a whole-volume digest of each side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// Whether the digests match.
    pub matched: bool,
    /// Digest of the source: the XOR of its chunks' hashes (xxh3 of each chunk mixed with its
    /// offset), 16 hex digits.
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
    /// Bytes an interrupted earlier run of the same copy had made durable (its checkpoint):
    /// not copied again.
    #[serde(default)]
    pub bytes_resumed: u64,
    /// A checkpoint was found for this target and set aside (not the same objects, or a
    /// re-checked sample differed), so the copy started over: why. `None` when there was none
    /// or it was used.
    #[serde(default)]
    pub resume_refused: Option<String>,
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
    /// For [`ZeroMethod::Discard`]: the granule (bytes) a discard frees whole; else 0.
    pub zero_granularity: u64,
    /// Why this zero handling was chosen for this target (what the device guarantees).
    pub zero_reason: String,
    /// Whether O_DIRECT was used (it may have been refused).
    pub direct: bool,
    /// Whether the target was flushed with fdatasync.
    pub fsynced: bool,
    /// Verify result, when asked for.
    pub verify: Option<VerifyReport>,
    /// Things the operator should know (fallbacks taken).
    pub notes: Vec<String>,
}
