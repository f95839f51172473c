//! The block copy's checkpoint: which parts of the source are durably on the target, so a copy
//! killed or cancelled half-way is finished by a rerun that copies only the rest, and never
//! onto anything but the very objects it started on.
//!
//! What a checkpoint holds and when it is trusted:
//! - the **identity** of both sides as the copy opened them ([`super::identity`]: a file's inode,
//!   birth time and generation; a loop device's backing file; a dm UUID; a zvol's guid), their
//!   sizes, the chunk layout, and a random **run id** that a file target also carries in its
//!   extended attribute `user.volclone.incomplete`. A rerun resumes only when all of these are
//!   the same; else the checkpoint is set aside (removed) and the copy starts over, and the
//!   report says why (`resume_refused`). A side with no provable identity keeps no checkpoint.
//! - per **segment** (a run of chunks; at most [`MAX_SEGMENTS`] per copy, so memory and the
//!   file stay small for any volume), the xxh3-based hash of what was written there. Before a
//!   resume trusts it, a sample of done segments (the first, the last, and up to six others
//!   picked at random) is read back from both sides and hashed: a target written between runs,
//!   or a source that changed, makes the copy start over.
//!
//! A segment is recorded only after an `fdatasync` of the target that follows all its writes,
//! and the file is replaced atomically (write, fsync, rename, fsync of the directory), so a
//! crash at any point leaves a checkpoint that claims no more than the target holds.
//!
//! Checkpoints live in volclone's private state directory ([`crate::state`]); a finished copy
//! removes its own, and every copy that opens one also removes others whose target is gone or
//! that are older than [`EXPIRE_AFTER`]. `volclone checkpoints` lists and clears them.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{Xxh3, xxh3_64};

use super::buffer::AlignedBuf;
use super::device::Endpoint;
use super::identity::{self, ObjectId, Role};
use crate::error::{Error, Result};

/// The checkpoint file format this library writes and reads (0.1.0 wrote 1, without identities:
/// such a file is set aside).
const FORMAT: u32 = 2;
/// At most this many segments per copy: memory and file size stay bounded for any volume
/// (a 16 TiB copy has 256 MiB segments).
pub const MAX_SEGMENTS: u64 = 1 << 16;
/// Checkpoints not written for this long are removed by the next copy that opens one.
pub const EXPIRE_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);
/// The largest checkpoint file read (65536 segments take about 2 MiB).
const MAX_FILE_BYTES: u64 = 16 << 20;
/// Segments re-checked on resume besides the first and the last.
const RANDOM_SAMPLES: usize = 6;

const XATTR: &std::ffi::CStr = c"user.volclone.incomplete";

/// The hash of one chunk's bytes at `off`: xxh3 of the bytes mixed with the offset, so equal
/// chunks at different places differ and a segment's hash (the XOR of its chunks') does not
/// depend on the order workers finish them.
pub(super) fn chunk_hash(data: &[u8], off: u64) -> u64 {
    mix(xxh3_64(data), off)
}

fn mix(h: u64, off: u64) -> u64 {
    // splitmix64's finaliser over the hash and the offset.
    let mut z = h ^ off.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xxh3 of `len` zero bytes, without a buffer of that size.
fn zeros_xxh3(len: usize) -> u64 {
    static Z: [u8; 65536] = [0; 65536];
    let mut h = Xxh3::new();
    let mut left = len;
    while left > 0 {
        let n = left.min(Z.len());
        h.update(&Z[..n]);
        left -= n;
    }
    h.digest()
}

/// How a copy of `size` bytes is cut: chunks of `chunk` bytes, `seg_chunks` chunks a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Layout {
    /// Bytes of the source.
    pub(super) size: u64,
    /// Bytes a chunk.
    pub(super) chunk: u64,
    /// Chunks a segment.
    pub(super) seg_chunks: u64,
}

impl Layout {
    pub(super) fn new(size: u64, chunk: usize) -> Self {
        let chunks = size.div_ceil(chunk as u64).max(1);
        Layout { size, chunk: chunk as u64, seg_chunks: chunks.div_ceil(MAX_SEGMENTS).max(1) }
    }
    pub(super) fn chunks(&self) -> u64 {
        self.size.div_ceil(self.chunk)
    }
    pub(super) fn segments(&self) -> u64 {
        self.chunks().div_ceil(self.seg_chunks)
    }
    /// The chunks of segment `s`: `[first, end)`.
    fn seg_chunks_of(&self, s: u64) -> (u64, u64) {
        let first = s.saturating_mul(self.seg_chunks);
        (first, first.saturating_add(self.seg_chunks).min(self.chunks()))
    }
    /// Bytes of segment `s`.
    pub(super) fn seg_bytes(&self, s: u64) -> u64 {
        let (a, b) = self.seg_chunks_of(s);
        b.saturating_mul(self.chunk).min(self.size).saturating_sub(a.saturating_mul(self.chunk))
    }
    /// `(offset, len)` of chunk `c`.
    fn chunk_at(&self, c: u64) -> (u64, usize) {
        let off = c * self.chunk;
        (off, (self.size - off).min(self.chunk) as usize)
    }
}

/// One side as the checkpoint records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Side {
    /// The path as given (for people; the identity decides).
    pub(super) path: PathBuf,
    /// Bytes.
    pub(super) size: u64,
    /// What proves it is the same object.
    pub(super) id: ObjectId,
}

/// What the checkpoint file holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct State {
    pub(super) version: u32,
    /// Random, per copy started from scratch; a file target carries it in its xattr.
    pub(super) run_id: String,
    /// Whether the target carries `run_id` in its xattr (file targets where xattrs work).
    pub(super) target_marked: bool,
    pub(super) source: Side,
    pub(super) target: Side,
    pub(super) layout: Layout,
    /// Segments durably on the target, each with the hash (16 hex digits) of what was written.
    pub(super) done: Vec<(u64, String)>,
}

impl State {
    /// Parses a checkpoint file's text; anything else than this format is an error.
    pub(super) fn parse(text: &str) -> std::result::Result<State, String> {
        let st: State = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if st.version != FORMAT {
            return Err(format!("format {} (this volclone reads {FORMAT})", st.version));
        }
        if st.layout.chunk == 0 || st.layout.seg_chunks == 0 || st.layout.segments() > MAX_SEGMENTS {
            return Err("a chunk layout no copy makes".into());
        }
        let segs = st.layout.segments();
        let mut seen = std::collections::HashSet::with_capacity(st.done.len());
        for (s, h) in &st.done {
            if *s >= segs || u64::from_str_radix(h, 16).is_err() || h.len() != 16 {
                return Err(format!("segment {s} with hash {h:?} does not fit the layout"));
            }
            // A segment listed twice would be counted twice as done (found by the fuzzer).
            if !seen.insert(*s) {
                return Err(format!("segment {s} is listed twice"));
            }
        }
        Ok(st)
    }

    fn done_hashes(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.done.iter().filter_map(|(s, h)| u64::from_str_radix(h, 16).ok().map(|h| (*s, h)))
    }
}

/// Reads a checkpoint file's text as a resume would (for the fuzzer and `volclone checkpoints`):
/// `Ok` with the bytes it claims done, or why it would be set aside.
pub fn parse_file(text: &str) -> std::result::Result<u64, String> {
    let st = State::parse(text)?;
    Ok(st.done.iter().map(|(s, _)| st.layout.seg_bytes(*s)).sum())
}

/// Reads the hash of a segment from one side (the copy's endpoints; a model in tests).
pub(super) trait SegmentReader {
    /// The hash of segment `seg` as `role`'s side holds it now.
    fn segment_hash(&self, role: Role, seg: u64) -> std::io::Result<u64>;
}

/// What a rerun finds now, to hold against a stored [`State`].
pub(super) struct Now {
    pub(super) source: Side,
    pub(super) target: Side,
    pub(super) layout: Layout,
    /// The run id in the target's xattr, if it has one.
    pub(super) target_mark: Option<String>,
}

/// Whether `st` may be resumed onto what is there `now`; `Err` says why not. `pick` chooses the
/// random samples (indices into the done list).
pub(super) fn judge(st: &State, now: &Now, reader: &dyn SegmentReader, pick: &mut dyn FnMut(usize) -> usize) -> std::result::Result<(), String> {
    let side = |what: &str, a: &Side, b: &Side| -> std::result::Result<(), String> {
        if a.id != b.id {
            return Err(format!("the {what} is not the object the checkpoint was written for (then {}, now {})", a.id, b.id));
        }
        if a.size != b.size {
            return Err(format!("the {what} was {} bytes, now {}", a.size, b.size));
        }
        Ok(())
    };
    side("source", &st.source, &now.source)?;
    side("target", &st.target, &now.target)?;
    if st.layout != now.layout {
        return Err(format!("the chunk layout differs (then {:?}, now {:?})", st.layout, now.layout));
    }
    if st.target_marked && now.target_mark.as_deref() != Some(st.run_id.as_str()) {
        return Err(format!("the target does not carry this copy's mark (run {}, found {:?})", st.run_id, now.target_mark));
    }
    let done: Vec<(u64, u64)> = st.done_hashes().collect();
    let mut sample: Vec<usize> = Vec::new();
    if !done.is_empty() {
        sample.push(0);
        sample.push(done.len() - 1);
        for _ in 0..RANDOM_SAMPLES.min(done.len()) {
            sample.push(pick(done.len()));
        }
        sample.sort_unstable();
        sample.dedup();
    }
    for i in sample {
        let (seg, want) = done[i];
        let off = seg * st.layout.seg_chunks * st.layout.chunk;
        let got = reader.segment_hash(Role::Target, seg).map_err(|e| format!("reading back the target at byte offset {off}: {e}"))?;
        if got != want {
            return Err(format!("the target's bytes at offset {off} are not what this copy wrote there (written to since?)"));
        }
        let src = reader.segment_hash(Role::Source, seg).map_err(|e| format!("reading the source at byte offset {off}: {e}"))?;
        if src != want {
            return Err(format!("the source's bytes at offset {off} changed since they were copied"));
        }
    }
    Ok(())
}

/// The state a copy runs with: the stored one (`stored`, the checkpoint file's text) when
/// [`judge`] trusts it for what is there `now`, else a new one (its run id given to `mark`, which
/// says whether the target now carries it), with the reason the stored one was refused.
pub(super) fn resume_or_start(
    stored: Option<&str>,
    now: Now,
    reader: &dyn SegmentReader,
    pick: &mut dyn FnMut(usize) -> usize,
    mark: &mut dyn FnMut(&str) -> bool,
) -> (State, Option<String>) {
    let mut refused = None;
    if let Some(text) = stored {
        match State::parse(text).and_then(|st| judge(&st, &now, reader, pick).map(|()| st)) {
            Ok(st) => return (st, None),
            Err(why) => refused = Some(why),
        }
    }
    let run_id = random_hex();
    let target_marked = mark(&run_id);
    (State { version: FORMAT, run_id, target_marked, source: now.source, target: now.target, layout: now.layout, done: Vec::new() }, refused)
}

/// Per-segment progress of a copy in flight.
struct Seg {
    /// Chunks still to copy.
    remaining: AtomicU64,
    /// XOR of the chunk hashes so far.
    hash: AtomicU64,
}

/// A copy's checkpoint in use.
pub(super) struct Checkpoint {
    file: PathBuf,
    layout: Layout,
    /// What the file holds (its `done` list rewritten at each save).
    state: std::sync::Mutex<State>,
    segs: Vec<Seg>,
    /// Segments durable when the copy started (skipped by the workers).
    resumed: Vec<bool>,
    /// `chunk_hash` of a whole chunk of zeros at offset 0 is `mix(zero_full, off)`.
    zero_full: u64,
}

/// What opening a checkpoint found.
pub(super) struct Opened {
    /// The checkpoint to keep, when both sides have an identity and a state directory is there.
    pub(super) checkpoint: Option<Checkpoint>,
    /// Bytes resumed from a trusted checkpoint.
    pub(super) resumed: u64,
    /// A checkpoint was found for this target and set aside: why.
    pub(super) refused: Option<String>,
    /// Why no checkpoint is kept for this copy (no identity, no state directory).
    pub(super) not_kept: Option<String>,
}

fn random_hex() -> String {
    let mut b = [0u8; 16];
    // SAFETY: getrandom fills the buffer; on failure the time and pid stand in (still unique
    // per run, which is all a run id must be).
    let n = unsafe { libc::getrandom(b.as_mut_ptr().cast(), b.len(), 0) };
    if n != b.len() as isize {
        let t = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_nanos();
        b = (t ^ (u128::from(std::process::id()) << 64)).to_le_bytes();
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn get_mark(file: &File) -> Option<String> {
    let mut buf = [0u8; 64];
    // SAFETY: valid fd, name and buffer.
    let n = unsafe { libc::fgetxattr(file.as_raw_fd(), XATTR.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    (n > 0).then(|| String::from_utf8_lossy(&buf[..n as usize]).into_owned())
}

fn set_mark(file: &File, value: &str) -> bool {
    // SAFETY: valid fd, name and buffer.
    unsafe { libc::fsetxattr(file.as_raw_fd(), XATTR.as_ptr(), value.as_ptr().cast(), value.len(), 0) == 0 }
}

fn clear_mark(file: &File) {
    // SAFETY: valid fd and name; a missing attribute is fine.
    unsafe { libc::fremovexattr(file.as_raw_fd(), XATTR.as_ptr()) };
}

/// Reads a checkpoint file (never through a symlink, at most [`MAX_FILE_BYTES`]).
fn read_file(path: &Path) -> std::io::Result<Option<String>> {
    match crate::state::open_no_follow(path) {
        Ok(f) => {
            let mut text = String::new();
            f.take(MAX_FILE_BYTES).read_to_string(&mut text)?;
            Ok(Some(text))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Removes a checkpoint file and makes that durable.
fn remove(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => {
            if let Some(d) = path.parent() {
                let _ = crate::state::sync_dir(d);
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("remove checkpoint", path, None, e)),
    }
}

/// The segment hashes of the copy's two endpoints.
struct Endpoints<'a> {
    src: &'a Endpoint,
    tgt: &'a Endpoint,
    layout: Layout,
}

impl SegmentReader for Endpoints<'_> {
    fn segment_hash(&self, role: Role, seg: u64) -> std::io::Result<u64> {
        use std::os::unix::fs::FileExt;
        let side = if role == Role::Source { self.src } else { self.tgt };
        let mut buf = AlignedBuf::new(self.layout.chunk as usize)?;
        let (first, end) = self.layout.seg_chunks_of(seg);
        let mut h = 0;
        for c in first..end {
            let (off, len) = self.layout.chunk_at(c);
            let b = &mut buf.as_mut_slice()[..len];
            side.fd_for(off, len).read_exact_at(b, off)?;
            h ^= chunk_hash(b, off);
        }
        Ok(h)
    }
}

impl Checkpoint {
    /// Opens the checkpoint of a copy from `src` onto `tgt` in `dir`: resumes it when it is this
    /// very copy's (see the module docs), else sets it aside and starts a new one.
    pub(super) fn open(dir: &Path, src: &Endpoint, tgt: &Endpoint, chunk: usize) -> Result<Opened> {
        // One file per target, whatever directory the caller ran in.
        let key = std::path::absolute(&tgt.path).unwrap_or_else(|_| tgt.path.clone());
        let file = dir.join(crate::state::file_name_for(&key.to_string_lossy(), "json"));
        sweep(dir, &file);
        let layout = Layout::new(src.size, chunk);
        let ids = identity::identify(src, Role::Source).and_then(|s| identity::identify(tgt, Role::Target).map(|t| (s, t)));
        let stored = read_file(&file).map_err(|e| Error::io("read checkpoint", &file, None, e))?;
        let (sid, tid) = match ids {
            Ok(ids) => ids,
            Err(why) => {
                // Nothing proves a stored checkpoint is about these objects: it cannot be used.
                let refused = stored.map(|_| format!("checkpoint {} set aside: {why}", file.display()));
                if refused.is_some() {
                    remove(&file)?;
                }
                let not_kept = Some(format!("no checkpoint kept: {why}; a rerun copies everything again"));
                return Ok(Opened { checkpoint: None, resumed: 0, refused, not_kept });
            }
        };
        let now = Now {
            source: Side { path: src.path.clone(), size: src.size, id: sid },
            target: Side { path: tgt.path.clone(), size: tgt.size, id: tid },
            layout,
            target_mark: if tgt.is_block { None } else { get_mark(&tgt.file) },
        };
        let reader = Endpoints { src, tgt, layout };
        // Fresh randomness for each sampled segment.
        let mut rng = random_hex();
        let mut pick = |n: usize| {
            let v = usize::from_str_radix(&rng[..8], 16).unwrap_or(0);
            rng = random_hex();
            v % n
        };
        let mut mark = |run_id: &str| !tgt.is_block && set_mark(&tgt.file, run_id);
        let (state, refused) = resume_or_start(stored.as_deref(), now, &reader, &mut pick, &mut mark);
        if let Some(why) = &refused {
            tracing::warn!(checkpoint = %file.display(), "checkpoint set aside: {why}");
            remove(&file)?;
        }
        let refused = refused.map(|why| format!("checkpoint {} set aside, copying from the start: {why}", file.display()));
        let cp = Checkpoint::start(file, state)?;
        let resumed = (0..layout.segments()).filter(|&s| cp.resumed[s as usize]).map(|s| layout.seg_bytes(s)).sum();
        Ok(Opened { checkpoint: Some(cp), resumed, refused, not_kept: None })
    }

    /// The in-memory state for `state` (its done segments resumed).
    pub(super) fn start(file: PathBuf, state: State) -> Result<Self> {
        let n = state.layout.segments() as usize;
        let mut segs = Vec::new();
        let mut resumed = Vec::new();
        segs.try_reserve_exact(n).and_then(|()| resumed.try_reserve_exact(n)).map_err(|e| {
            Error::io("allocate the checkpoint's segment table", &file, None, std::io::Error::new(std::io::ErrorKind::OutOfMemory, e.to_string()))
        })?;
        for s in 0..n as u64 {
            let (a, b) = state.layout.seg_chunks_of(s);
            segs.push(Seg { remaining: AtomicU64::new(b - a), hash: AtomicU64::new(0) });
            resumed.push(false);
        }
        for (s, h) in state.done_hashes() {
            segs[s as usize] = Seg { remaining: AtomicU64::new(0), hash: AtomicU64::new(h) };
            resumed[s as usize] = true;
        }
        let zero_full = zeros_xxh3(state.layout.chunk as usize);
        Ok(Checkpoint { file, layout: state.layout, state: std::sync::Mutex::new(state), segs, resumed, zero_full })
    }

    /// The checkpoint file.
    pub(super) fn file(&self) -> &Path {
        &self.file
    }

    /// Whether chunk `c`'s segment was already durable when the copy started.
    pub(super) fn was_done(&self, c: u64) -> bool {
        self.resumed[(c / self.layout.seg_chunks) as usize]
    }

    /// `chunk_hash` of `len` zero bytes at `off`.
    pub(super) fn zero_hash(&self, off: u64, len: usize) -> u64 {
        let h = if len as u64 == self.layout.chunk { self.zero_full } else { zeros_xxh3(len) };
        mix(h, off)
    }

    /// Records chunk `c` as written, with the hash of its bytes (durable at the next save).
    pub(super) fn record(&self, c: u64, hash: u64) {
        let seg = &self.segs[(c / self.layout.seg_chunks) as usize];
        seg.hash.fetch_xor(hash, Ordering::AcqRel);
        seg.remaining.fetch_sub(1, Ordering::AcqRel);
    }

    /// The checkpoint file's text claiming the segments complete now, after `flush` (which
    /// makes their writes durable) succeeded.
    pub(super) fn text_after(&self, flush: impl FnOnce() -> Result<()>) -> Result<String> {
        let done: Vec<(u64, String)> = self
            .segs
            .iter()
            .enumerate()
            .filter(|(_, s)| s.remaining.load(Ordering::Acquire) == 0)
            .map(|(i, s)| (i as u64, format!("{:016x}", s.hash.load(Ordering::Acquire))))
            .collect();
        flush()?;
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.done = done;
        Ok(serde_json::to_string(&*state).unwrap_or_default())
    }

    /// Makes the segments complete so far durable: flushes the target, then replaces the
    /// checkpoint file atomically.
    pub(super) fn save(&self, target: &File) -> Result<()> {
        let text = self.text_after(|| target.sync_data().map_err(|e| Error::io("fdatasync", &self.file, None, e)))?;
        let tmp = self.file.with_extension("json.tmp");
        let mut f = crate::state::create_private_file(&tmp).map_err(|e| Error::io("write checkpoint", &tmp, None, e))?;
        f.write_all(text.as_bytes()).map_err(|e| Error::io("write checkpoint", &tmp, None, e))?;
        f.sync_all().map_err(|e| Error::io("fsync checkpoint", &tmp, None, e))?;
        std::fs::rename(&tmp, &self.file).map_err(|e| Error::io("replace checkpoint", &self.file, None, e))?;
        if let Some(d) = self.file.parent() {
            crate::state::sync_dir(d).map_err(|e| Error::io("fsync the checkpoint directory", d, None, e))?;
        }
        Ok(())
    }

    /// The copy is complete (and flushed): the checkpoint and the target's mark go.
    pub(super) fn finish(self, target: &File) -> Result<()> {
        if self.state.lock().unwrap_or_else(|p| p.into_inner()).target_marked {
            clear_mark(target);
        }
        remove(&self.file)
    }
}

/// Removes the checkpoints in `dir` (other than `own`) whose target is gone or that were not
/// written for [`EXPIRE_AFTER`]. A copy in flight writes its own every few seconds and its
/// target exists, so it is never swept.
fn sweep(dir: &Path, own: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p == own || p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let old = e.metadata().ok().and_then(|m| m.modified().ok()).and_then(|t| t.elapsed().ok()).is_some_and(|age| age > EXPIRE_AFTER);
        let gone = target_of(&p).is_some_and(|t| !t.exists());
        if old || gone {
            tracing::info!(checkpoint = %p.display(), "removing a checkpoint whose {}", if gone { "target is gone" } else { "copy was abandoned long ago" });
            let _ = remove(&p);
        }
    }
}

/// The target path a checkpoint file names (any format), when it can be read.
fn target_of(file: &Path) -> Option<PathBuf> {
    let text = read_file(file).ok()??;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v.get("target")?.get("path")?.as_str().map(PathBuf::from)
}

/// One checkpoint, as `volclone checkpoints` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// The checkpoint file.
    pub file: PathBuf,
    /// The copy's source, as given.
    pub source: Option<PathBuf>,
    /// The copy's target, as given.
    pub target: Option<PathBuf>,
    /// Bytes durably on the target.
    pub bytes_done: u64,
    /// Bytes of the source.
    pub bytes_total: u64,
    /// Seconds since it was last written.
    pub age_seconds: u64,
    /// Why it cannot be read, if so (another format, damaged).
    pub unreadable: Option<String>,
}

/// The checkpoints in `dir`.
pub fn list(dir: &Path) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(Error::io("list checkpoints in", dir, None, e)),
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let age_seconds = e.metadata().ok().and_then(|m| m.modified().ok()).and_then(|t| t.elapsed().ok()).map_or(0, |d| d.as_secs());
        let parsed = read_file(&p).map_err(|e| e.to_string()).and_then(|t| State::parse(&t.unwrap_or_default()));
        out.push(match parsed {
            Ok(st) => Entry {
                file: p,
                source: Some(st.source.path.clone()),
                target: Some(st.target.path.clone()),
                bytes_done: st.done.iter().map(|(s, _)| st.layout.seg_bytes(*s)).sum(),
                bytes_total: st.layout.size,
                age_seconds,
                unreadable: None,
            },
            Err(why) => Entry { target: target_of(&p), file: p, source: None, bytes_done: 0, bytes_total: 0, age_seconds, unreadable: Some(why) },
        });
    }
    out.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(out)
}

/// Removes the checkpoints in `dir`, or only the one of copies onto `target`; returns the files
/// removed. A copy running onto such a target then finishes without one.
pub fn clear(dir: &Path, target: Option<&Path>) -> Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for e in list(dir)? {
        if target.is_none_or(|t| e.target.as_deref() == Some(t) || e.file == dir.join(crate::state::file_name_for(&t.to_string_lossy(), "json"))) {
            remove(&e.file)?;
            removed.push(e.file);
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests;
