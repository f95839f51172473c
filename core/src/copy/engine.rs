//! The copy loop: workers claim chunks from one counter (so they run out of order and balance
//! themselves), read with `pread`, split the chunk into data and zero runs, and write or zero
//! each run with `pwrite`, punch, zero-out or discard (read back where the device may keep
//! data). Progress is reported from a separate thread.

use std::os::unix::fs::{FileExt, FileTypeExt};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use super::buffer::AlignedBuf;
use super::device::{self, Endpoint};
use super::extents::DataMap;
use super::options::{CopyOptions, IoMode};
use super::progress::{CancelToken, Progress, ProgressUpdate};
use super::rate::RateLimiter;
use super::report::{CopyReport, ZeroMethod};
use super::{verify, zero};
use crate::error::{Error, Result};

/// Counters shared by the workers and the reporter.
#[derive(Default)]
pub(super) struct Counters {
    pub(super) done: AtomicU64,
    read: AtomicU64,
    written: AtomicU64,
    zero: AtomicU64,
    hole: AtomicU64,
    /// Bytes a discard left non-zero, written as zeros instead.
    discard_kept: AtomicU64,
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
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    s.spawn(|| {
                        let mut buf = AlignedBuf::new(self.chunk);
                        work(&mut buf)
                    })
                })
                .collect();
            for h in handles {
                if h.join().is_err() {
                    self.fail(Error::InvalidArgument("a copy worker panicked".into()));
                }
            }
            finished.store(true, Relaxed);
            reporter.thread().unpark();
        });
        update();
        if let Some(e) = self.error.lock().unwrap_or_else(|p| p.into_inner()).take() {
            return Err(e);
        }
        if self.cancel.is_cancelled() {
            return Err(Error::Cancelled { done: self.counters.done.load(Relaxed), total: self.size });
        }
        Ok(())
    }
}

/// Copies `source` onto `target` (see the module docs of [`crate::copy`]).
///
/// Refuses: a target that is the source, a target smaller than the source, a block-device
/// target that is in use, a missing target (unless `create_target`). The source is opened
/// read-only. Progress goes to `progress`; `cancel` stops the copy from any thread.
pub fn copy(source: &Path, target: &Path, opts: &CopyOptions, progress: &dyn Progress, cancel: &CancelToken) -> Result<CopyReport> {
    opts.validate()?;
    let mut notes = Vec::new();
    let direct = match opts.io {
        IoMode::Direct => true,
        IoMode::Buffered => false,
        IoMode::Auto => std::fs::metadata(target).is_ok_and(|m| m.file_type().is_block_device()),
    };
    let src = device::open_source(source, direct, &mut notes)?;
    device::refuse_same(source, target)?;
    let tgt = device::open_target(target, opts.create_target, direct, src.size, &mut notes)?;
    if tgt.size < src.size {
        return Err(Error::TargetTooSmall {
            source_name: source.display().to_string(),
            source_size: src.size,
            target: target.display().to_string(),
            target_size: tgt.size,
        });
    }
    let data = if src.is_block { DataMap::all(src.size) } else { DataMap::of_file(&src.file, src.size) };
    let method = device::zero_method(&tgt, opts.sparse);
    tracing::debug!(?method, size = src.size, "copy start");
    let started = Instant::now();
    let pass = Pass::new(src.size, opts, cancel);
    let reader = (method == ZeroMethod::DiscardChecked).then(|| device::open_read_only(&tgt.path)).transpose()?;
    let job = Job { pass: &pass, src: &src, tgt: &tgt, data: &data, method, fallback: AtomicBool::new(false), reader };
    pass.run(opts.workers, "copy", progress, |buf| {
        while let Some((off, len)) = pass.claim() {
            if let Err(e) = job.chunk(buf.as_mut_slice(), off, len) {
                pass.fail(e);
            }
        }
    })?;
    if job.fallback.load(Relaxed) {
        notes.push(format!("{} refused {method:?}: zeros were written instead", tgt.path.display()));
    }
    let kept = pass.counters.discard_kept.load(Relaxed);
    if kept > 0 {
        notes.push(format!("{} kept data on discard for {kept} bytes: zeros were written there", tgt.path.display()));
    }
    if opts.fsync {
        tgt.file.sync_data().map_err(|e| Error::io("fdatasync", &tgt.path, None, e))?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let verify = if opts.verify { Some(verify::verify(&src, &tgt, opts, progress, cancel)?) } else { None };
    let c = &pass.counters;
    Ok(CopyReport {
        bytes_total: src.size,
        bytes_read: c.read.load(Relaxed),
        bytes_written: c.written.load(Relaxed),
        bytes_zero: c.zero.load(Relaxed),
        bytes_hole: c.hole.load(Relaxed),
        seconds,
        mib_per_sec: src.size as f64 / (1 << 20) as f64 / seconds.max(1e-9),
        workers: opts.workers,
        chunk_size: opts.chunk_size,
        sparse: opts.sparse,
        zero_method: method,
        direct: src.direct && tgt.direct,
        fsynced: opts.fsync,
        verify,
        notes,
    })
}

/// What every worker of one copy shares.
struct Job<'a> {
    pass: &'a Pass<'a>,
    src: &'a Endpoint,
    tgt: &'a Endpoint,
    data: &'a DataMap,
    method: ZeroMethod,
    /// Set once the target refused `method`: zeros are written from then on.
    fallback: AtomicBool,
    /// A read-only descriptor of the target, to read discarded ranges back (`DiscardChecked`).
    reader: Option<std::fs::File>,
}

impl Job<'_> {
    /// Copies the chunk at `off`: reads it (unless it is a source hole), then writes its data
    /// runs and zeroes its zero runs.
    fn chunk(&self, buf: &mut [u8], off: u64, len: usize) -> Result<()> {
        let (c, src, tgt) = (&self.pass.counters, self.src, self.tgt);
        let buf = &mut buf[..len];
        if self.data.is_hole(off, off + len as u64) {
            c.hole.fetch_add(len as u64, Relaxed);
            // A whole-chunk hole is one zero run: no zeros to fill in and scan first.
            if self.method != ZeroMethod::Write && self.zeroed(buf, off)? {
                c.done.fetch_add(len as u64, Relaxed);
                return Ok(());
            }
            buf.fill(0);
        } else {
            self.pass.throttle(len as u64);
            src.fd_for(off, len).read_exact_at(buf, off).map_err(|e| read_error(src, off, e))?;
            c.read.fetch_add(len as u64, Relaxed);
        }
        let mut o = 0;
        while o < len {
            let (l, is_zero) = if self.method == ZeroMethod::Write { (len, false) } else { zero::run_at(buf, o) };
            let at = off + o as u64;
            if !(is_zero && self.zeroed(&mut buf[o..o + l], at)?) {
                tgt.fd_for(at, l).write_all_at(&buf[o..o + l], at).map_err(|e| Error::io("write target", &tgt.path, Some(at), e))?;
                c.written.fetch_add(l as u64, Relaxed);
            }
            o += l;
        }
        c.done.fetch_add(len as u64, Relaxed);
        Ok(())
    }

    /// Makes the target read zeros at `at` for the zero run `run`, writing no zeros where the
    /// method suffices (with a read-back, the blocks a discard kept are zeroed here). `false`:
    /// the target refused the method, and the caller writes zeros there. `run` is scratch.
    fn zeroed(&self, run: &mut [u8], at: u64) -> Result<bool> {
        let tgt = self.tgt;
        if self.fallback.load(Relaxed) {
            return Ok(false);
        }
        match device::make_zero(tgt, self.method, at, run.len() as u64) {
            Ok(()) => {}
            Err(e) if matches!(e.raw_os_error(), Some(libc::EOPNOTSUPP | libc::EINVAL | libc::ENOTTY)) => {
                self.fallback.store(true, Relaxed);
                return Ok(false);
            }
            Err(e) => return Err(Error::io("zero", &tgt.path, Some(at), e)),
        }
        let c = &self.pass.counters;
        if let Some(reader) = &self.reader {
            reader.read_exact_at(run, at).map_err(|e| Error::io("read back discarded range of", &tgt.path, Some(at), e))?;
            // Only the blocks the discard kept (partial pool blocks) are written: rewriting the
            // whole run would allocate again the blocks it did free.
            let mut o = 0;
            while o < run.len() {
                let (l, is_zero) = zero::run_at(run, o);
                if !is_zero {
                    let kept = &mut run[o..o + l];
                    kept.fill(0);
                    let pos = at + o as u64;
                    tgt.fd_for(pos, l).write_all_at(kept, pos).map_err(|e| Error::io("write target", &tgt.path, Some(pos), e))?;
                    c.discard_kept.fetch_add(l as u64, Relaxed);
                    c.written.fetch_add(l as u64, Relaxed);
                } else {
                    c.zero.fetch_add(l as u64, Relaxed);
                }
                o += l;
            }
            return Ok(true);
        }
        c.zero.fetch_add(run.len() as u64, Relaxed);
        Ok(true)
    }
}

pub(super) fn read_error(side: &Endpoint, off: u64, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        let msg = std::io::Error::other(format!("unexpected end of data: {} shrank during the copy", side.path.display()));
        return Error::io("read", &side.path, Some(off), msg);
    }
    Error::io("read", &side.path, Some(off), e)
}
