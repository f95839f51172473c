//! The copy loop: workers claim chunks from one counter (so they run out of order and balance
//! themselves), read with `pread`, split the chunk into data and zero runs, write the data runs
//! with `pwrite` and hand the zero runs to the zeroing layer ([`super::zeroing`]). Progress is
//! reported from a separate thread.

use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use super::buffer::AlignedBuf;
use super::checkpoint::{Checkpoint, chunk_hash};
use super::device::{self, Endpoint};
use super::extents::DataMap;
use super::options::{BLOCK, CopyOptions, IoMode, MAX_BUFFER_BYTES, MAX_CHUNK};
use super::progress::{CancelToken, Progress, ProgressUpdate};
use super::rate::RateLimiter;
use super::report::{CopyReport, ZeroMethod};
use super::zeroing::{self, Sink, Zeroing};
use super::{overlap, txgpace, verify, zero};
use crate::error::{Error, Result};

/// Counters shared by the workers and the reporter.
#[derive(Default)]
pub(super) struct Counters {
    pub(super) done: AtomicU64,
    read: AtomicU64,
    written: AtomicU64,
    zero: AtomicU64,
    hole: AtomicU64,
}

/// State the workers of one pass share: the next chunk, the first error, the stop flag.
pub(super) struct Pass<'a> {
    pub(super) size: u64,
    pub(super) chunk: usize,
    next: AtomicU64,
    stop: AtomicBool,
    error: Mutex<Option<Error>>,
    pub(super) counters: Counters,
    pub(super) cancel: &'a CancelToken,
    pub(super) rate: Option<RateLimiter>,
}

impl<'a> Pass<'a> {
    pub(super) fn new(size: u64, opts: &CopyOptions, cancel: &'a CancelToken) -> Self {
        Pass {
            size,
            chunk: opts.chunk_size,
            next: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            error: Mutex::new(None),
            counters: Counters::default(),
            cancel,
            rate: opts.rate_limit.map(RateLimiter::new),
        }
    }

    /// The next chunk `(offset, len)`, or `None` when done, failed or cancelled.
    pub(super) fn claim(&self) -> Option<(u64, usize)> {
        if self.stop.load(Relaxed) || self.cancel.is_cancelled() {
            return None;
        }
        let off = self.next.fetch_add(1, Relaxed).checked_mul(self.chunk as u64)?;
        (off < self.size).then(|| (off, (self.size - off).min(self.chunk as u64) as usize))
    }

    /// Records the first error and stops every worker.
    pub(super) fn fail(&self, e: Error) {
        let mut slot = self.error.lock().unwrap_or_else(|p| p.into_inner());
        slot.get_or_insert(e);
        self.stop.store(true, Relaxed);
    }

    pub(super) fn throttle(&self, bytes: u64) {
        if let Some(rl) = &self.rate {
            let wait = rl.reserve(bytes);
            if !wait.is_zero() {
                std::thread::sleep(wait);
            }
        }
    }

    /// Runs `work` on `workers` threads while a reporter thread feeds `progress`, then returns
    /// the first error, or `Cancelled`.
    pub(super) fn run<W>(&self, workers: usize, phase: &'static str, progress: &dyn Progress, work: W) -> Result<()>
    where
        W: Fn(&mut AlignedBuf) + Sync,
    {
        let started = Instant::now();
        let update = || {
            let done = self.counters.done.load(Relaxed);
            let secs = started.elapsed().as_secs_f64().max(1e-9);
            progress.update(&ProgressUpdate { phase, bytes_done: done, bytes_total: self.size, bytes_per_sec: done as f64 / secs });
        };
        let finished = AtomicBool::new(false);
        std::thread::scope(|s| {
            let reporter = s.spawn(|| {
                while !finished.load(Relaxed) {
                    std::thread::park_timeout(Duration::from_millis(200));
                    if !finished.load(Relaxed) {
                        update();
                    }
                }
            });
            let mut handles = Vec::with_capacity(workers);
            for i in 0..workers {
                let spawned = std::thread::Builder::new().name(format!("volclone-{phase}-{i}")).spawn_scoped(s, || {
                    match AlignedBuf::new(self.chunk) {
                        Ok(mut buf) => work(&mut buf),
                        Err(e) => self.fail(Error::io("allocate a buffer for", phase, None, e)),
                    }
                });
                match spawned {
                    Ok(h) => handles.push(h),
                    Err(e) => {
                        self.fail(Error::io("start a worker thread for", phase, None, e));
                        break;
                    }
                }
            }
            for h in handles {
                if let Err(p) = h.join() {
                    self.fail(Error::Internal(format!("a {phase} worker panicked: {}", crate::error::panic_text(&*p))));
                }
            }
            finished.store(true, Relaxed);
            reporter.thread().unpark();
        });
        // The outcome is settled before the final update, so whatever that update does (a
        // listener that cancels) cannot turn a finished pass into a failed one.
        let outcome = match self.error.lock().unwrap_or_else(|p| p.into_inner()).take() {
            Some(e) => Err(e),
            None if self.cancel.is_cancelled() => Err(Error::Cancelled { done: self.counters.done.load(Relaxed), total: self.size }),
            None => Ok(()),
        };
        update();
        outcome
    }
}

/// Copies `source` onto `target` (see the module docs of [`crate::copy`]).
///
/// Refuses, before anything is written: source and target that share storage (the same file
/// or device, a partition of the other, a loop device over the other's file, a device-mapper
/// or md device built on the other), a target smaller than the source, a block-device target
/// that is in use, a target another copy holds, a missing target (unless `create_target`).
/// The source is opened read-only; a source whose size changes during the copy is an error.
/// Progress goes to `progress`; `cancel` stops the copy from any thread.
pub fn copy(source: &Path, target: &Path, opts: &CopyOptions, progress: &dyn Progress, cancel: &CancelToken) -> Result<CopyReport> {
    opts.validate()?;
    let mut notes = Vec::new();
    let io = opts.io.for_pair(source, target);
    let direct = io == IoMode::Direct;
    let mut src = device::open_source(source, direct, &mut notes)?;
    let mut tgt = device::open_target(target, opts.create_target, direct, src.size, &mut notes)?;
    overlap::refuse_overlap(source, &src.file, target, &tgt.file)?;
    let _lock = overlap::lock_target(target, &tgt.file)?;
    if tgt.size < src.size {
        return Err(Error::TargetTooSmall {
            source_name: source.display().to_string(),
            source_size: src.size,
            target: target.display().to_string(),
            target_size: tgt.size,
        });
    }
    if io == IoMode::Streaming {
        src.stream(true);
        tgt.stream(false);
    }
    // Streaming: whatever way the copy ends, what it brought into the page cache goes.
    let _released = Released(&src, &tgt);
    let data = if src.is_block { DataMap::all(src.size) } else { DataMap::of_file(&src.file, src.size) };
    let zeroing = zeroing::choose(device::target_facts(&tgt), opts.sparse);
    let chunk = zeroing.chunk_for(opts.chunk_size, MAX_CHUNK.min(MAX_BUFFER_BYTES / opts.workers));
    let mut opts = opts.clone();
    if chunk != opts.chunk_size {
        notes.push(format!("chunk size {} raised to {chunk}, a multiple of the target's {}-byte discard granule", opts.chunk_size, zeroing.granularity));
        opts.chunk_size = chunk;
    }
    if zeroing.method == ZeroMethod::Discard && !(chunk as u64).is_multiple_of(zeroing.granularity) {
        notes.push(format!(
            "the target's discard granule ({} bytes) is larger than a chunk can be: zero runs shorter than it are written as zeros",
            zeroing.granularity
        ));
    }
    tracing::debug!(method = ?zeroing.method, granularity = zeroing.granularity, size = src.size, "copy start");
    let (checkpoint, bytes_resumed, resume_refused) = open_checkpoint(&opts, &src, &tgt, &mut notes)?;
    if bytes_resumed > 0 {
        notes.push(format!("resumed from checkpoint: {bytes_resumed} bytes were on the target already, a sample of them re-checked on both sides"));
    }
    let started = Instant::now();
    let pass = Pass::new(src.size, &opts, cancel);
    let job = Job {
        pass: &pass,
        src: &src,
        tgt: &tgt,
        data: &data,
        zeroing: &zeroing,
        fallback: AtomicBool::new(false),
        checkpoint: checkpoint.as_ref(),
        last_save: Mutex::new(Instant::now()),
    };
    // A zvol target: its pool is synced as the copy goes, so its write-out overlaps the reads.
    let pace_pool = txgpace::pool_of(&tgt);
    let copying_done = AtomicBool::new(false);
    let (copied, pacing) = std::thread::scope(|s| {
        let pacer = pace_pool.as_deref().and_then(|pool| {
            std::thread::Builder::new()
                .name("volclone-txg-pace".into())
                .spawn_scoped(s, || {
                    txgpace::run(&crate::zfs::zpool_program(), pool, &pass.counters.done, &copying_done)
                })
                .ok()
        });
        let copied = pass.run(opts.workers, "copy", progress, |buf| {
            while let Some((off, len)) = pass.claim() {
                if let Err(e) = job.chunk(buf.as_mut_slice(), off, len) {
                    pass.fail(e);
                }
            }
        });
        copying_done.store(true, Relaxed);
        (copied, pacer.and_then(|h| h.join().ok()))
    });
    tracing::debug!(ok = copied.is_ok(), "copy loop done");
    if let Some(note) = pace_pool.as_deref().zip(pacing).and_then(|(pool, p)| p.note(pool)) {
        notes.push(note);
    }
    if let Err(e) = copied {
        // What is durable now is kept for a rerun onto the same objects.
        if let Some(cp) = &checkpoint {
            match cp.save(&tgt.file) {
                Ok(()) => tracing::info!(checkpoint = %cp.file().display(), "checkpoint kept: run the same copy again to finish it"),
                Err(se) => tracing::warn!("could not save the checkpoint: {se}"),
            }
        }
        return Err(e);
    }
    if job.fallback.load(Relaxed) {
        notes.push(format!("{} refused {:?}: zeros were written instead", tgt.path.display(), zeroing.method));
    }
    let size_after = src.size_now()?;
    if size_after != src.size {
        return Err(Error::SourceChanged { path: src.path.clone(), before: src.size, after: size_after });
    }
    if opts.fsync || checkpoint.is_some() {
        tgt.file.sync_data().map_err(|e| Error::io("fdatasync", &tgt.path, None, e))?;
        tracing::debug!("target durable");
    }
    if let Some(cp) = checkpoint {
        cp.finish(&tgt.file)?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let verify = if opts.verify { Some(verify::verify(&src, &tgt, &opts, progress, cancel)?) } else { None };
    let c = &pass.counters;
    Ok(CopyReport {
        bytes_total: src.size,
        bytes_read: c.read.load(Relaxed),
        bytes_written: c.written.load(Relaxed),
        bytes_zero: c.zero.load(Relaxed),
        bytes_hole: c.hole.load(Relaxed),
        bytes_resumed,
        resume_refused,
        seconds,
        mib_per_sec: src.size as f64 / (1 << 20) as f64 / seconds.max(1e-9),
        workers: opts.workers,
        chunk_size: opts.chunk_size,
        sparse: opts.sparse,
        zero_method: zeroing.method,
        zero_granularity: zeroing.granularity,
        zero_reason: zeroing.reason,
        direct: src.direct && tgt.direct,
        fsynced: opts.fsync,
        verify,
        notes,
    })
}

/// Drops, when the copy ends, what a streaming copy brought into the page cache (and the
/// target's stale pages) and did not drop already.
struct Released<'a>(&'a Endpoint, &'a Endpoint);

impl Drop for Released<'_> {
    fn drop(&mut self) {
        self.0.release(0, self.0.size);
        self.1.release(0, self.1.size);
    }
}

/// What every worker of one copy shares.
struct Job<'a> {
    pass: &'a Pass<'a>,
    src: &'a Endpoint,
    tgt: &'a Endpoint,
    data: &'a DataMap,
    zeroing: &'a Zeroing,
    /// Set once the target refused the zeroing method: zeros are written from then on.
    fallback: AtomicBool,
    /// The copy's checkpoint, if it keeps one.
    checkpoint: Option<&'a Checkpoint>,
    /// When the checkpoint was last made durable.
    last_save: Mutex<Instant>,
}

/// How often a checkpoint is made durable (an fdatasync of the target each time). Measured:
/// every 2 s cost a 4 GiB zero-filled copy onto a file 25% of its speed; every 10 s nothing a
/// copy that short can see, and a killed copy redoes at most 10 s of work.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(10);

impl Job<'_> {
    /// Copies the chunk at `off`: reads it (unless it is a source hole), then writes its data
    /// runs and zeroes its zero runs.
    fn chunk(&self, buf: &mut [u8], off: u64, len: usize) -> Result<()> {
        self.src.before_read(off);
        let copied = self.chunk_inner(buf, off, len);
        self.src.release(off, len as u64);
        copied
    }

    /// [`Job::chunk`] without the page-cache bookkeeping.
    fn chunk_inner(&self, buf: &mut [u8], off: u64, len: usize) -> Result<()> {
        let idx = off / self.pass.chunk as u64;
        if let Some(cp) = self.checkpoint {
            if cp.was_done(idx) {
                self.pass.counters.done.fetch_add(len as u64, Relaxed);
                return Ok(());
            }
            let hash = self.copy_chunk(buf, off, len)?;
            cp.record(idx, hash);
            // One worker at a time makes the checkpoint durable, every few seconds.
            if let Ok(mut last) = self.last_save.try_lock()
                && last.elapsed() >= CHECKPOINT_EVERY
            {
                cp.save(&self.tgt.file)?;
                *last = Instant::now();
            }
            return Ok(());
        }
        self.copy_chunk(buf, off, len).map(|_| ())
    }

    /// Copies the chunk at `off` (the copy proper, without the checkpoint); returns the hash
    /// of its bytes when a checkpoint records them (else 0).
    fn copy_chunk(&self, buf: &mut [u8], off: u64, len: usize) -> Result<u64> {
        let (c, src) = (&self.pass.counters, self.src);
        let buf = &mut buf[..len];
        let write = self.zeroing.method == ZeroMethod::Write;
        let hash;
        if self.data.is_hole(off, off + len as u64) {
            c.hole.fetch_add(len as u64, Relaxed);
            hash = self.checkpoint.map_or(0, |cp| cp.zero_hash(off, len));
            // A whole-chunk hole is one zero run: nothing to scan, and no zeros to fill in
            // unless the zeroing writes some.
            if !write {
                self.zero_run(buf, off, false)?;
                c.done.fetch_add(len as u64, Relaxed);
                return Ok(hash);
            }
            buf.fill(0);
        } else {
            self.pass.throttle(len as u64);
            if let Err(e) = src.fd_for(off, len).read_exact_at(buf, off) {
                return Err(read_error(src, locate(src, off, len, &e), e));
            }
            c.read.fetch_add(len as u64, Relaxed);
            hash = if self.checkpoint.is_some() { chunk_hash(buf, off) } else { 0 };
        }
        let mut o = 0;
        while o < len {
            let (l, is_zero) = if write { (len, false) } else { zero::run_at(buf, o) };
            let at = off + o as u64;
            if is_zero {
                self.zero_run(&mut buf[o..o + l], at, true)?;
            } else {
                self.write(&buf[o..o + l], at)?;
            }
            o += l;
        }
        c.done.fetch_add(len as u64, Relaxed);
        Ok(hash)
    }

    fn write(&self, bytes: &[u8], at: u64) -> Result<()> {
        if let Err(e) = self.tgt.write_at(bytes, at) {
            return Err(Error::io("write target", &self.tgt.path, Some(locate_write(self.tgt, bytes, at, &e)), e));
        }
        self.pass.counters.written.fetch_add(bytes.len() as u64, Relaxed);
        Ok(())
    }

    /// Makes the target read zeros over the zero run `run` at `at`, through the zeroing layer;
    /// where the target refuses its method, zeros are written from then on. `holds_zeros`: `run`
    /// already holds zeros (a scanned run); else it is filled only when zeros must be written.
    fn zero_run(&self, run: &mut [u8], at: u64, holds_zeros: bool) -> Result<()> {
        let mut filled = holds_zeros;
        if !self.fallback.load(Relaxed) {
            let done = if self.zeroing.needs_zero_bytes() {
                if !filled {
                    run.fill(0);
                    filled = true;
                }
                self.zeroing.apply(self.tgt, run, at)
            } else {
                self.zeroing.apply_range(self.tgt, at, run.len() as u64)
            };
            match done {
                Ok(out) => {
                    let c = &self.pass.counters;
                    c.zero.fetch_add(out.zeroed, Relaxed);
                    c.written.fetch_add(out.written, Relaxed);
                    return Ok(());
                }
                Err(e) if refused(&e) => self.fallback.store(true, Relaxed),
                Err(e) => return Err(Error::io("zero", &self.tgt.path, Some(at), e)),
            }
        }
        if !filled {
            run.fill(0);
        }
        self.write(run, at)
    }
}

/// Opens the copy's checkpoint as `opts` ask: `(checkpoint, bytes resumed, why one found was
/// set aside)`. A copy whose checkpoint cannot be kept (no safe state directory, a side with no
/// provable identity) runs without one, with a note.
fn open_checkpoint(opts: &CopyOptions, src: &Endpoint, tgt: &Endpoint, notes: &mut Vec<String>) -> Result<(Option<Checkpoint>, u64, Option<String>)> {
    if opts.no_checkpoint {
        return Ok((None, 0, None));
    }
    let dir = match &opts.checkpoint_dir {
        Some(d) => crate::state::private(d).map(|()| d.clone()),
        None => crate::state::dir(crate::state::Purpose::Checkpoints),
    };
    let dir = match dir {
        Ok(d) => d,
        Err(e) if opts.checkpoint_dir.is_some() => return Err(e),
        Err(e) => {
            notes.push(format!("no checkpoint kept ({e}); a rerun copies everything again"));
            return Ok((None, 0, None));
        }
    };
    let opened = Checkpoint::open(&dir, src, tgt, opts.chunk_size)?;
    notes.extend(opened.refused.clone());
    notes.extend(opened.not_kept);
    Ok((opened.checkpoint, opened.resumed, opened.refused))
}

/// The exact byte offset of a failed read of `len` bytes at `off`: the first block of it that
/// fails when read alone (a chunk is large; an operator wants the bad sector). `off` when every
/// block reads back (the error was transient) or the error is not one a smaller read can place.
fn locate(side: &Endpoint, off: u64, len: usize, e: &std::io::Error) -> u64 {
    if e.kind() == std::io::ErrorKind::UnexpectedEof || len <= BLOCK {
        return off;
    }
    let Ok(mut b) = AlignedBuf::new(BLOCK) else { return off };
    let b = &mut b.as_mut_slice()[..BLOCK];
    let mut at = off;
    while at < off + len as u64 {
        let n = ((off + len as u64 - at) as usize).min(BLOCK);
        if side.fd_for(at, n).read_exact_at(&mut b[..n], at).is_err() {
            return at;
        }
        at += n as u64;
    }
    off
}

/// The same for a failed write of `bytes` at `at`: each block is written again alone (the same
/// bytes, so nothing changes where it succeeds) until one fails.
fn locate_write(tgt: &Endpoint, bytes: &[u8], at: u64, e: &std::io::Error) -> u64 {
    if bytes.len() <= BLOCK || e.raw_os_error() == Some(libc::ENOSPC) {
        return at;
    }
    for (i, block) in bytes.chunks(BLOCK).enumerate() {
        let o = at + (i * BLOCK) as u64;
        if tgt.write_at(block, o).is_err() {
            return o;
        }
    }
    at
}

/// The target does not do this zeroing method (zeros are written from then on).
fn refused(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EOPNOTSUPP | libc::EINVAL | libc::ENOTTY))
}

pub(super) fn read_error(side: &Endpoint, off: u64, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        let msg = std::io::Error::other(format!("unexpected end of data: {} shrank during the copy", side.path.display()));
        return Error::io("read", &side.path, Some(off), msg);
    }
    Error::io("read", &side.path, Some(off), e)
}
