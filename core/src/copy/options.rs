//! Copy options: a plain struct with measured defaults and chainable setters.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How zero runs of the source are treated on the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SparseMode {
    /// Zero runs are not written; the target is made to read zeros there by the cheapest means
    /// its kind guarantees (see [`crate::copy`]'s zeroing table): holes in files, write-zeroes,
    /// discard of whole zvol volblocks or dm-thin pool blocks with zeros written at the edges,
    /// else BLKZEROOUT. Zeros are written where the device refuses all of that.
    #[default]
    Auto,
    /// Zero runs are skipped outright: the caller guarantees the target already reads zeros
    /// (a fresh thin volume). `verify` catches a wrong guarantee.
    Always,
    /// Zero runs are written like data (thick targets, and anything under LUKS).
    Never,
}

impl SparseMode {
    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            SparseMode::Auto => "auto",
            SparseMode::Always => "always",
            SparseMode::Never => "never",
        }
    }

    /// Parses `auto`, `always` or `never`.
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "auto" => Ok(SparseMode::Auto),
            "always" => Ok(SparseMode::Always),
            "never" => Ok(SparseMode::Never),
            other => Err(Error::InvalidArgument(format!("sparse mode {other:?}: give auto, always or never"))),
        }
    }
}

/// How the two sides are opened: O_DIRECT or through the page cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum IoMode {
    /// Picks by what the two sides are. **A pair of regular files** (a missing target the copy
    /// creates counts as one) is copied as [`IoMode::Streaming`]: on image files that was ahead
    /// of O_DIRECT and of qemu-img in the measured sizes (`benches/sizes.sh`), and it leaves the
    /// host's page cache as it found it. **Anything with a block device** is copied as
    /// [`IoMode::Direct`]: on zvols O_DIRECT was ahead of streaming, and the data moves between
    /// the devices and volclone's buffers without a copy through the page cache. Until 0.2.0,
    /// `Auto` was O_DIRECT on every pair (see `CHANGELOG.md`).
    #[default]
    Auto,
    /// O_DIRECT on both sides.
    Direct,
    /// Buffered I/O on both sides.
    Buffered,
    /// Both sides through the page cache, which is left as the copy found it: the source's
    /// pages the copy brought in and the target's pages are dropped behind it (see
    /// [`crate::copy`]). Measured on files (`benches/sizes.sh`): the kernel's read-ahead and
    /// write-back make it as fast as plain buffered I/O, ahead of O_DIRECT, at about three
    /// times its CPU per GiB.
    Streaming,
}

impl IoMode {
    /// The mode a copy from `source` onto `target` runs with: [`IoMode::Auto`] resolved by what
    /// the paths are (see there), any other mode itself. A path that cannot be looked at counts
    /// as not a regular file; opening it reports why.
    pub fn for_pair(self, source: &Path, target: &Path) -> IoMode {
        if self != IoMode::Auto {
            return self;
        }
        let regular = |p: &Path| std::fs::metadata(p).map(|m| m.file_type().is_file());
        let target_is_file = match regular(target) {
            Ok(file) => file,
            Err(e) => e.kind() == std::io::ErrorKind::NotFound,
        };
        if regular(source).unwrap_or(false) && target_is_file {
            IoMode::Streaming
        } else {
            IoMode::Direct
        }
    }

    /// Parses `auto`, `direct`, `buffered` or `streaming`.
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "auto" => Ok(IoMode::Auto),
            "direct" => Ok(IoMode::Direct),
            "buffered" => Ok(IoMode::Buffered),
            "streaming" => Ok(IoMode::Streaming),
            other => Err(Error::InvalidArgument(format!("I/O mode {other:?}: give auto, direct, buffered or streaming"))),
        }
    }
}

/// Smallest unit of zero detection and of O_DIRECT alignment.
pub const BLOCK: usize = 4096;
/// Largest chunk a worker reads at once.
pub const MAX_CHUNK: usize = 64 << 20;
/// Cap on the copy's buffer memory, `workers × chunk_size` (verify reuses the same buffers).
pub const MAX_BUFFER_BYTES: usize = 1 << 30;

/// Options of a copy. Start from [`CopyOptions::default`] and chain the setters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct CopyOptions {
    /// Parallel workers (1..=64).
    pub workers: usize,
    /// Bytes per chunk a worker reads at once: a multiple of 4096, 4 KiB..=64 MiB.
    pub chunk_size: usize,
    /// Zero handling.
    pub sparse: SparseMode,
    /// O_DIRECT or buffered I/O (O_DIRECT falls back to buffered, with a note, where refused).
    pub io: IoMode,
    /// fdatasync the target at the end.
    pub fsync: bool,
    /// Re-read both sides and compare hashes after the copy.
    pub verify: bool,
    /// Bytes per second read from the source at most (`None`, or 0 in JSON: unlimited).
    #[serde(deserialize_with = "rate_or_unlimited")]
    pub rate_limit: Option<u64>,
    /// Create a missing target file with the source's size (files only).
    pub create_target: bool,
    /// Keep no checkpoint (see [`crate::copy::checkpoint`]): a rerun after a crash or a cancel
    /// then copies everything again. By default one is kept, so a rerun of the same copy onto
    /// the same objects copies only what is not yet durable on the target.
    pub no_checkpoint: bool,
    /// Where checkpoints are kept (`None`: volclone's state directory, see [`crate::state`]).
    /// A directory others can write is refused.
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
    pub checkpoint_dir: Option<std::path::PathBuf>,
}

/// A rate in JSON: a positive number of bytes per second; 0 or null for none (as the C ABI's
/// struct has it).
pub(crate) fn rate_or_unlimited<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<u64>, D::Error> {
    Ok(Option::<u64>::deserialize(d)?.filter(|&r| r > 0))
}

impl Default for CopyOptions {
    fn default() -> Self {
        CopyOptions {
            workers: 4,
            chunk_size: 1 << 20,
            sparse: SparseMode::Auto,
            io: IoMode::Auto,
            fsync: true,
            verify: false,
            rate_limit: None,
            create_target: false,
            no_checkpoint: false,
            checkpoint_dir: None,
        }
    }
}

impl CopyOptions {
    /// Sets the worker count.
    pub fn workers(mut self, n: usize) -> Self {
        self.workers = n;
        self
    }
    /// Sets the chunk size.
    pub fn chunk_size(mut self, bytes: usize) -> Self {
        self.chunk_size = bytes;
        self
    }
    /// Sets zero handling.
    pub fn sparse(mut self, mode: SparseMode) -> Self {
        self.sparse = mode;
        self
    }
    /// Sets the I/O mode.
    pub fn io(mut self, mode: IoMode) -> Self {
        self.io = mode;
        self
    }
    /// Turns the final fdatasync on or off.
    pub fn fsync(mut self, on: bool) -> Self {
        self.fsync = on;
        self
    }
    /// Turns verification on or off.
    pub fn verify(mut self, on: bool) -> Self {
        self.verify = on;
        self
    }
    /// Limits the read rate (bytes per second).
    pub fn rate_limit(mut self, bytes_per_sec: Option<u64>) -> Self {
        self.rate_limit = bytes_per_sec;
        self
    }
    /// Creates a missing target file.
    pub fn create_target(mut self, on: bool) -> Self {
        self.create_target = on;
        self
    }
    /// Keeps a checkpoint (the default) or not (see [`CopyOptions::no_checkpoint`]).
    pub fn checkpoint(mut self, keep: bool) -> Self {
        self.no_checkpoint = !keep;
        self
    }
    /// Keeps checkpoints in `dir` (see [`CopyOptions::checkpoint_dir`]).
    pub fn checkpoint_dir(mut self, dir: Option<std::path::PathBuf>) -> Self {
        self.checkpoint_dir = dir;
        self
    }

    /// Parses copy options from JSON (what the C and Java bindings send): an object whose
    /// fields are all optional; a wrong shape or an unknown field (a misspelling) is an error
    /// naming it, and the values are checked.
    pub fn from_json(text: &str) -> Result<Self> {
        let opts: CopyOptions = crate::options_json::parse_object(text, "copy options")?;
        opts.validate()?;
        Ok(opts)
    }

    /// Checks ranges; the error names the option and the allowed values.
    pub fn validate(&self) -> Result<()> {
        if !(1..=64).contains(&self.workers) {
            return Err(Error::InvalidArgument(format!("workers = {}: give 1 to 64", self.workers)));
        }
        if self.chunk_size < BLOCK || self.chunk_size > MAX_CHUNK || !self.chunk_size.is_multiple_of(BLOCK) {
            return Err(Error::InvalidArgument(format!(
                "chunk size = {}: give a multiple of 4096 from 4 KiB to 64 MiB",
                self.chunk_size
            )));
        }
        if self.workers * self.chunk_size > MAX_BUFFER_BYTES {
            return Err(Error::InvalidArgument(format!(
                "workers × chunk size = {} × {} = {} bytes of buffers, over the {} MiB cap: use fewer workers or a smaller chunk",
                self.workers,
                self.chunk_size,
                self.workers * self.chunk_size,
                MAX_BUFFER_BYTES >> 20
            )));
        }
        if self.rate_limit == Some(0) {
            return Err(Error::InvalidArgument("rate limit = 0: give a positive rate, or none".into()));
        }
        Ok(())
    }
}

/// Parses a size such as `4096`, `64k`, `1M`, `200M`, `2G` (binary units).
pub fn parse_size(text: &str) -> Result<u64> {
    let t = text.trim();
    let (num, mult) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        None => (t, 1u64),
        Some((i, _)) => {
            let unit = t[i..].trim_end_matches(['B', 'b']).trim_end_matches('i');
            let m = match unit.to_ascii_lowercase().as_str() {
                "" => 1,
                "k" => 1 << 10,
                "m" => 1 << 20,
                "g" => 1 << 30,
                "t" => 1 << 40,
                _ => return Err(Error::InvalidArgument(format!("size {text:?}: give a number with an optional K, M, G or T"))),
            };
            (&t[..i], m)
        }
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| Error::InvalidArgument(format!("size {text:?}: give a number with an optional K, M, G or T")))
}

#[cfg(test)]
mod tests {
    use super::IoMode;

    #[test]
    fn auto_streams_a_pair_of_files_and_uses_o_direct_elsewhere() {
        let d = tempfile::tempdir().unwrap();
        let (s, t, missing) = (d.path().join("s"), d.path().join("t"), d.path().join("new"));
        std::fs::write(&s, b"x").unwrap();
        std::fs::write(&t, b"y").unwrap();
        assert_eq!(IoMode::Auto.for_pair(&s, &t), IoMode::Streaming);
        assert_eq!(IoMode::Auto.for_pair(&s, &missing), IoMode::Streaming, "a target the copy creates is a file");
        assert_eq!(IoMode::Auto.for_pair(&missing, &t), IoMode::Direct, "a missing source is left to the open's error");
        assert_eq!(IoMode::Auto.for_pair(&s, d.path()), IoMode::Direct, "not a regular file");
        let dev = std::path::Path::new("/dev/null");
        assert_eq!(IoMode::Auto.for_pair(dev, &t), IoMode::Direct);
        for asked in [IoMode::Direct, IoMode::Buffered, IoMode::Streaming] {
            assert_eq!(asked.for_pair(&s, &t), asked, "only auto is resolved");
            assert_eq!(asked.for_pair(dev, &t), asked);
        }
    }
}
