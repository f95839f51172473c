//! The zeroing layer: how a zero run of the source is made to read zeros on the target, chosen
//! per target from what its kind guarantees, never from what a device happens to do once.
//!
//! | target | method | guarantee |
//! |---|---|---|
//! | file | punch a hole (nothing where one is already) | holes read zeros |
//! | block device with write-zeroes | `fallocate(PUNCH_HOLE)` = write-zeroes, may unmap | the command's contract |
//! | zvol, dm-thin | discard of the whole granules inside the run, zeros written at its edges | freed volblocks / unmapped pool blocks read zeros; partial ones are left as they were, so they are written |
//! | anything else | `BLKZEROOUT` (the kernel writes zeros where the device cannot) | the kernel's |
//!
//! A discard alone is never trusted: on a zvol it frees only whole volblocks and on dm-thin only
//! whole pool blocks, and other devices may keep data (or return it later, non-deterministic
//! TRIM). Writing the edges also keeps a dm-thin pool made with `--zero n` correct: a pool block
//! a data write allocates has its unwritten rest written with zeros here, whatever it held.

use std::io;

use super::report::ZeroMethod;
use super::sysblock::{BlockFacts, BlockKind};
use super::options::SparseMode;

/// Where a target stands, for choosing its zeroing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TargetFacts {
    /// A regular file.
    File,
    /// A block device, with what sysfs says of it (`None`: sysfs does not know it).
    Block(Option<BlockFacts>),
}

/// The zeroing chosen for one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Zeroing {
    /// The method.
    pub(super) method: ZeroMethod,
    /// For [`ZeroMethod::Discard`]: the granule (bytes) a discard frees whole; else 0.
    pub(super) granularity: u64,
    /// Why, for the report.
    pub(super) reason: String,
}

/// Chooses how zero runs are handled on a target.
pub(super) fn choose(target: TargetFacts, sparse: SparseMode) -> Zeroing {
    let z = |method, granularity, reason: String| Zeroing { method, granularity, reason };
    match (sparse, target) {
        (SparseMode::Never, _) => z(ZeroMethod::Write, 0, "sparse=never: zeros are written as data".into()),
        (SparseMode::Always, _) => {
            z(ZeroMethod::Skip, 0, "sparse=always: zero runs are skipped, the caller guarantees a target that reads zeros".into())
        }
        (SparseMode::Auto, TargetFacts::File) => z(ZeroMethod::PunchHole, 0, "file: zero runs become holes".into()),
        (SparseMode::Auto, TargetFacts::Block(Some(f))) => {
            let granule_kind = match f.kind {
                BlockKind::Zvol => Some("zvol: a discard frees whole volblocks"),
                BlockKind::DmThin => Some("dm-thin: a discard unmaps whole pool blocks"),
                BlockKind::Other => None,
            };
            match granule_kind {
                Some(what) if f.discard_max > 0 && f.discard_granularity >= 512 => z(
                    ZeroMethod::Discard,
                    f.discard_granularity,
                    format!(
                        "{what} of {} bytes: the aligned middle of each zero run is discarded, its edges written with zeros",
                        f.discard_granularity
                    ),
                ),
                _ if f.write_zeroes_max > 0 => {
                    z(ZeroMethod::WriteZeroes, 0, "the device has write-zeroes: zero runs are zeroed by it (it may unmap)".into())
                }
                _ => z(
                    ZeroMethod::ZeroOut,
                    0,
                    "no zeroing guarantee from this device's discard: zero runs go through BLKZEROOUT (the kernel writes zeros)"
                        .into(),
                ),
            }
        }
        (SparseMode::Auto, TargetFacts::Block(None)) => {
            z(ZeroMethod::ZeroOut, 0, "the device is unknown to sysfs: zero runs go through BLKZEROOUT".into())
        }
    }
}

/// A target as the zeroing layer drives it (the real device, or a model in tests).
pub(super) trait Sink: Sync {
    /// Writes `buf` at `off`.
    fn write_at(&self, buf: &[u8], off: u64) -> io::Result<()>;
    /// Applies `method` (never `Write` or `Skip`) to `[off, off + len)`.
    fn zero_range(&self, method: ZeroMethod, off: u64, len: u64) -> io::Result<()>;
}

/// What making one zero run read zeros did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct ZeroOutcome {
    /// Bytes handled without writing data.
    pub(super) zeroed: u64,
    /// Bytes written as zeros (run edges, runs shorter than a granule).
    pub(super) written: u64,
}

/// The part of `[at, at + len)` made of whole granules: `(start, end)`, empty when there is none.
pub(super) fn aligned_middle(at: u64, len: u64, granule: u64) -> (u64, u64) {
    let start = at.div_ceil(granule) * granule;
    let end = (at + len) / granule * granule;
    if start < end { (start, end) } else { (at, at) }
}

impl Zeroing {
    /// Makes the zero run `zeros` (a buffer of zeros, the run's length) at `at` read zeros on
    /// `sink`. `Err` with the OS error where the device refused the method: the caller then
    /// writes the zeros itself.
    pub(super) fn apply(&self, sink: &dyn Sink, zeros: &[u8], at: u64) -> io::Result<ZeroOutcome> {
        debug_assert!(zeros.iter().all(|&b| b == 0));
        let len = zeros.len() as u64;
        match self.method {
            ZeroMethod::Write => {
                sink.write_at(zeros, at)?;
                Ok(ZeroOutcome { zeroed: 0, written: len })
            }
            ZeroMethod::Discard => {
                let (ms, me) = aligned_middle(at, len, self.granularity);
                if ms == me {
                    sink.write_at(zeros, at)?;
                    return Ok(ZeroOutcome { zeroed: 0, written: len });
                }
                sink.zero_range(ZeroMethod::Discard, ms, me - ms)?;
                let head = (ms - at) as usize;
                let tail = (me - at) as usize;
                if head > 0 {
                    sink.write_at(&zeros[..head], at)?;
                }
                if tail < zeros.len() {
                    sink.write_at(&zeros[tail..], me)?;
                }
                let written = (head + zeros.len() - tail) as u64;
                Ok(ZeroOutcome { zeroed: len - written, written })
            }
            _ => self.apply_range(sink, at, len),
        }
    }

    /// Whether the method writes zero bytes itself (at run edges, or as data): only then does
    /// [`Zeroing::apply`] need a buffer of zeros; the others take just the range.
    pub(super) fn needs_zero_bytes(&self) -> bool {
        matches!(self.method, ZeroMethod::Write | ZeroMethod::Discard)
    }

    /// [`Zeroing::apply`] for a method that needs no zero bytes (see
    /// [`Zeroing::needs_zero_bytes`]): a whole-chunk source hole then costs no memset.
    pub(super) fn apply_range(&self, sink: &dyn Sink, at: u64, len: u64) -> io::Result<ZeroOutcome> {
        debug_assert!(!self.needs_zero_bytes());
        match self.method {
            ZeroMethod::Skip => Ok(ZeroOutcome { zeroed: len, written: 0 }),
            m => {
                sink.zero_range(m, at, len)?;
                Ok(ZeroOutcome { zeroed: len, written: 0 })
            }
        }
    }

    /// The chunk size to use for a wanted one: a multiple of the granule where that is at most
    /// `max`, so a zero run is never split across chunks inside a granule (both halves would be
    /// written as zeros, allocating a block that should stay free).
    pub(super) fn chunk_for(&self, wanted: usize, max: usize) -> usize {
        let g = self.granularity as usize;
        if self.method != ZeroMethod::Discard || g == 0 || wanted.is_multiple_of(g) {
            return wanted;
        }
        let up = wanted.div_ceil(g) * g;
        if up <= max { up } else { wanted }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::Mutex;

    /// How a model device answers a discard.
    #[derive(Debug, Clone, Copy)]
    enum DiscardModel {
        /// Frees (zeroes, unallocates) only the whole aligned blocks of this size in the range.
        WholeBlocks(u64),
        /// Ignores it: the old data stays.
        Ignored,
        /// Zeroes and unallocates the whole range.
        Zeroes,
    }

    /// A target device in memory: its bytes and which blocks (of `block`) are allocated.
    struct Model {
        data: Mutex<(Vec<u8>, Vec<bool>)>,
        block: u64,
        discard: DiscardModel,
        write_zeroes: bool,
    }

    impl Model {
        fn new(old: Vec<u8>, block: u64, discard: DiscardModel, write_zeroes: bool) -> Self {
            let blocks = (old.len() as u64).div_ceil(block) as usize;
            Model { data: Mutex::new((old, vec![true; blocks])), block, discard, write_zeroes }
        }
        fn free(&self, d: &mut (Vec<u8>, Vec<bool>), s: u64, e: u64) {
            let (s, e) = aligned_middle(s, e - s, self.block);
            d.0[s as usize..e as usize].fill(0);
            for b in s / self.block..e / self.block {
                d.1[b as usize] = false;
            }
        }
    }

    impl Sink for Model {
        fn write_at(&self, buf: &[u8], off: u64) -> io::Result<()> {
            let mut d = self.data.lock().unwrap();
            d.0[off as usize..off as usize + buf.len()].copy_from_slice(buf);
            let last = (off + buf.len() as u64).div_ceil(self.block);
            for b in off / self.block..last {
                d.1[b as usize] = true;
            }
            Ok(())
        }
        fn zero_range(&self, method: ZeroMethod, off: u64, len: u64) -> io::Result<()> {
            let mut d = self.data.lock().unwrap();
            match method {
                ZeroMethod::Discard => match self.discard {
                    DiscardModel::WholeBlocks(g) => {
                        let (s, e) = aligned_middle(off, len, g);
                        self.free(&mut d, s, e);
                    }
                    DiscardModel::Ignored => {}
                    DiscardModel::Zeroes => self.free(&mut d, off, off + len),
                },
                ZeroMethod::WriteZeroes if !self.write_zeroes => return Err(io::Error::from_raw_os_error(libc::EOPNOTSUPP)),
                // Write-zeroes and BLKZEROOUT: zeros for sure; allocation as the device likes.
                _ => d.0[off as usize..(off + len) as usize].fill(0),
            }
            Ok(())
        }
    }

    /// The facts each model shows to `choose`, as sysfs would show them for such a device.
    fn facts_of(m: &Model, kind: BlockKind) -> TargetFacts {
        let granularity = match m.discard {
            DiscardModel::WholeBlocks(g) => g,
            _ => 4096,
        };
        TargetFacts::Block(Some(BlockFacts {
            kind,
            write_zeroes_max: if m.write_zeroes { 1 << 30 } else { 0 },
            discard_max: 1 << 30,
            discard_granularity: granularity,
        }))
    }

    /// Copies `src` onto `m` chunk by chunk (in the given chunk order) the way the engine does:
    /// data runs written, zero runs through the zeroing, refusals written as zeros.
    fn copy_onto(src: &[u8], m: &Model, z: &Zeroing, chunk: usize, order: &[usize]) {
        for &i in order {
            let off = i * chunk;
            let buf = &src[off..(off + chunk).min(src.len())];
            let mut o = 0;
            while o < buf.len() {
                let (l, zero) = super::super::zero::run_at(buf, o);
                let at = (off + o) as u64;
                if !zero || z.apply(m, &buf[o..o + l], at).is_err() {
                    m.write_at(&buf[o..o + l], at).unwrap();
                }
                o += l;
            }
        }
    }

    /// A source: random data with zero runs of random 4 KiB-aligned lengths and places.
    fn source() -> impl Strategy<Value = Vec<u8>> {
        (prop::collection::vec((0u8..3, 1usize..40), 1..24), any::<u64>()).prop_map(|(pieces, seed)| {
            let mut out = Vec::new();
            let mut x = seed | 1;
            for (kind, blocks) in pieces {
                for _ in 0..blocks * 4096 {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    out.push(if kind == 0 { 0 } else { (x as u8) | 1 });
                }
            }
            out
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

        /// Whatever the device does with a discard and whatever it held before, the target reads
        /// back identical to the source; where the device frees whole blocks, exactly the blocks
        /// that hold source data stay allocated.
        #[test]
        fn target_reads_back_identical(
            src in source(),
            gran_pow in 12u32..18,
            model in 0u8..4,
            old_seed in any::<u8>(),
            chunk_blocks in 1usize..40,
            reverse in any::<bool>(),
        ) {
            let g = 1u64 << gran_pow;
            let size = src.len().div_ceil(g as usize) * g as usize;
            let mut src = src;
            src.resize(size, 0);
            let old: Vec<u8> = (0..size).map(|i| (i as u8).wrapping_mul(31).wrapping_add(old_seed) | 0x80).collect();
            let (m, kind) = match model {
                0 => (Model::new(old, g, DiscardModel::WholeBlocks(g), false), BlockKind::Zvol),
                1 => (Model::new(old, g, DiscardModel::WholeBlocks(g), false), BlockKind::DmThin),
                2 => (Model::new(old, 4096, DiscardModel::Ignored, false), BlockKind::Other),
                _ => (Model::new(old, 4096, DiscardModel::Zeroes, true), BlockKind::Other),
            };
            let z = choose(facts_of(&m, kind), SparseMode::Auto);
            let chunk = z.chunk_for(chunk_blocks * 4096, 64 << 20);
            let chunks = size.div_ceil(chunk);
            let mut order: Vec<usize> = (0..chunks).collect();
            if reverse { order.reverse(); }
            copy_onto(&src, &m, &z, chunk, &order);
            let d = m.data.lock().unwrap();
            prop_assert!(d.0 == src, "target differs from source with {:?}", z);
            if let DiscardModel::WholeBlocks(g) = m.discard {
                for (b, &alloc) in d.1.iter().enumerate() {
                    let holds_data = src[b * g as usize..(b + 1) * g as usize].iter().any(|&x| x != 0);
                    prop_assert_eq!(alloc, holds_data, "block {} of {} bytes", b, g);
                }
            }
        }
    }

    #[test]
    fn unknown_discard_is_never_trusted() {
        let other = BlockFacts { kind: BlockKind::Other, write_zeroes_max: 0, discard_max: 1 << 30, discard_granularity: 4096 };
        assert_eq!(choose(TargetFacts::Block(Some(other)), SparseMode::Auto).method, ZeroMethod::ZeroOut);
        let zvol_no_gran = BlockFacts { kind: BlockKind::Zvol, write_zeroes_max: 0, discard_max: 1 << 30, discard_granularity: 0 };
        assert_eq!(choose(TargetFacts::Block(Some(zvol_no_gran)), SparseMode::Auto).method, ZeroMethod::ZeroOut);
    }

    #[test]
    fn discard_writes_edges_and_frees_the_middle() {
        let m = Model::new(vec![0xAA; 64 * 1024], 16 * 1024, DiscardModel::WholeBlocks(16 * 1024), false);
        let z = Zeroing { method: ZeroMethod::Discard, granularity: 16 * 1024, reason: String::new() };
        let out = z.apply(&m, &vec![0; 40 * 1024], 4096).unwrap();
        assert_eq!(out, ZeroOutcome { zeroed: 16 * 1024, written: 24 * 1024 });
        let d = m.data.lock().unwrap();
        assert!(d.0[4096..44 * 1024].iter().all(|&b| b == 0));
        assert!(d.0[..4096].iter().all(|&b| b == 0xAA) && d.0[44 * 1024..].iter().all(|&b| b == 0xAA));
        assert_eq!(d.1, vec![true, false, true, true]);
    }

    #[test]
    fn chunks_grow_to_whole_granules() {
        let z = Zeroing { method: ZeroMethod::Discard, granularity: 3 << 20, reason: String::new() };
        assert_eq!(z.chunk_for(1 << 20, 64 << 20), 3 << 20);
        assert_eq!(z.chunk_for(6 << 20, 64 << 20), 6 << 20);
        assert_eq!(z.chunk_for(1 << 20, 2 << 20), 1 << 20);
    }
}
