//! The block copy: options struct, progress callback, report struct.

use std::ffi::{c_char, c_void};
use std::path::Path;

use volclone_core::copy::{self, CopyOptions, CopyReport, IoMode, Progress, ProgressUpdate, SparseMode, ZeroMethod};

use crate::cancel::{token, volclone_cancel};
use crate::error::{fail, map_error, volclone_status};
use crate::ptr::c_str;

/// Zero handling (see `volclone copy --sparse`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum volclone_sparse_mode {
    /// Skip, punch or zero-out zero runs where the target surely reads zeros.
    Auto = 0,
    /// Skip zero runs: the caller guarantees the target reads zeros.
    Always = 1,
    /// Write every zero (thick targets, LUKS).
    Never = 2,
}

/// O_DIRECT or buffered I/O (see `volclone copy --io`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum volclone_io_mode {
    /// By what the sides are: a pair of regular files (a target the copy creates counts as one)
    /// as `Streaming`, anything with a block device as `Direct`. Until 0.2.0, `Direct` on every
    /// pair.
    Auto = 0,
    /// O_DIRECT on both sides (buffered where refused, with a note).
    Direct = 1,
    /// Buffered I/O on both sides.
    Buffered = 2,
    /// Both sides through the page cache, which is left as the copy found it: what the copy
    /// brought in is dropped behind it (since 0.1.1).
    Streaming = 3,
}

/// How zero runs were handled on the target.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum volclone_zero_method {
    /// Written as data.
    Write = 0,
    /// Not written.
    Skip = 1,
    /// fallocate(PUNCH_HOLE) on a file: holes.
    PunchHole = 2,
    /// BLKZEROOUT: the kernel writes zeros where the device cannot zero a range itself.
    ZeroOut = 3,
    /// BLKDISCARD of whole granules (zvol volblocks, dm-thin pool blocks), zeros written at the
    /// edges of each zero run.
    Discard = 4,
    /// No longer returned (was a discard trusted after one read-back); the value stays reserved.
    DiscardChecked = 5,
    /// The block device's write-zeroes (may unmap).
    WriteZeroes = 6,
}

/// Copy options. Fill with `volclone_copy_options_init` first, then change fields. New fields
/// are only ever appended and `struct_size` tells the library which ones the caller knows: a
/// smaller (older) struct gets the defaults for the rest; a larger (newer) one with a non-zero
/// field this library does not know is refused. No `bool` fields: 0 or 1 in a `uint32_t`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct volclone_copy_options {
    /// `sizeof(volclone_copy_options)` as compiled by the caller (set by init).
    pub struct_size: u32,
    /// Parallel workers (1..64).
    pub workers: u32,
    /// Chunk size in bytes: a multiple of 4096 from 4 KiB to 64 MiB.
    pub chunk_size: u64,
    /// Zero handling: a `volclone_sparse_mode` value (a plain integer, so a bad value is an
    /// error rather than undefined behaviour).
    pub sparse: u32,
    /// I/O mode: a `volclone_io_mode` value (a plain integer, like `sparse`).
    pub io: u32,
    /// fdatasync the target at the end: 1 yes, 0 no (no C `bool` in ABI structs).
    pub fsync: u32,
    /// Re-read and compare both sides afterwards: 1 or 0.
    pub verify: u32,
    /// Create a missing target file sized like the source: 1 or 0.
    pub create_target: u32,
    /// Reserved, zero.
    pub reserved: u32,
    /// Read rate limit in bytes per second; 0 = unlimited.
    pub rate_limit: u64,
}

/// Progress numbers passed to a progress callback.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct volclone_progress {
    /// 0 while copying, 1 while verifying, 2 while a ZFS send stream runs.
    pub phase: u32,
    /// Bytes done in this phase.
    pub bytes_done: u64,
    /// Bytes in all.
    pub bytes_total: u64,
    /// Average rate of this phase, bytes per second.
    pub bytes_per_sec: f64,
}

/// Progress callback: called a few times a second and at the end of each phase, always from one
/// thread named `volclone-report` that the library starts for the operation and ends before
/// the operation returns (never the caller's thread, never a copy worker), with the `user`
/// pointer given to the operation. The `progress` pointer is valid only during the call. It
/// must not start another operation itself; its return cannot change the operation's result.
pub type volclone_progress_cb = Option<unsafe extern "C" fn(user: *mut c_void, progress: *const volclone_progress)>;

/// What a copy did. Set `struct_size` (`volclone_copy_report_init` does) before passing it:
/// the library writes only the fields a struct of that size has, so the report can grow.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct volclone_copy_report {
    /// `sizeof(volclone_copy_report)` as compiled by the caller (set by init).
    pub struct_size: u32,
    /// How zero runs were handled: a `volclone_zero_method` value.
    pub zero_method: u32,
    /// Bytes of the source.
    pub bytes_total: u64,
    /// Bytes read from the source.
    pub bytes_read: u64,
    /// Bytes written as data.
    pub bytes_written: u64,
    /// Bytes of zeros not written as data.
    pub bytes_zero: u64,
    /// Bytes of source holes not read.
    pub bytes_hole: u64,
    /// Wall time of the copy, seconds.
    pub seconds: f64,
    /// Throughput, MiB/s.
    pub mib_per_sec: f64,
    /// O_DIRECT was used: 1 or 0.
    pub direct: u32,
    /// The target was flushed: 1 or 0.
    pub fsynced: u32,
    /// Verification ran (and matched: a mismatch is `VOLCLONE_STATUS_VERIFY_MISMATCH`): 1 or 0.
    pub verified: u32,
    /// Reserved, zero.
    pub reserved: u32,
    /// Bytes an interrupted earlier run had made durable (checkpoint): not copied again.
    pub bytes_resumed: u64,
}

impl From<&CopyOptions> for volclone_copy_options {
    fn from(o: &CopyOptions) -> Self {
        volclone_copy_options {
            struct_size: size_of::<volclone_copy_options>() as u32,
            workers: o.workers as u32,
            chunk_size: o.chunk_size as u64,
            sparse: match o.sparse {
                SparseMode::Auto => volclone_sparse_mode::Auto,
                SparseMode::Always => volclone_sparse_mode::Always,
                SparseMode::Never => volclone_sparse_mode::Never,
            } as u32,
            io: match o.io {
                IoMode::Auto => volclone_io_mode::Auto,
                IoMode::Direct => volclone_io_mode::Direct,
                IoMode::Buffered => volclone_io_mode::Buffered,
                IoMode::Streaming => volclone_io_mode::Streaming,
            } as u32,
            fsync: u32::from(o.fsync),
            verify: u32::from(o.verify),
            create_target: u32::from(o.create_target),
            reserved: 0,
            rate_limit: o.rate_limit.unwrap_or(0),
        }
    }
}

/// The smallest `struct_size` taken: the struct as first published (up to `io`).
const OPTIONS_MIN_SIZE: usize = 24;

/// Reads the caller's options whatever their `struct_size`: an older, smaller struct gets the
/// defaults for the fields it lacks; a newer, larger one is refused if any byte beyond the
/// fields this library knows is non-zero (an option it would silently ignore).
///
/// # Safety
/// `p` points to at least `struct_size` readable bytes (the caller's struct).
unsafe fn read_options(p: *const volclone_copy_options) -> Result<volclone_copy_options, volclone_status> {
    // SAFETY: struct_size is the first field of every version.
    let size = unsafe { std::ptr::read_unaligned(p as *const u32) } as usize;
    let known = size_of::<volclone_copy_options>();
    if !(OPTIONS_MIN_SIZE..=1 << 16).contains(&size) || !size.is_multiple_of(4) {
        return Err(fail(
            volclone_status::InvalidArgument,
            &format!("options.struct_size is {size}: fill the options with volclone_copy_options_init"),
        ));
    }
    let mut o: volclone_copy_options = (&CopyOptions::default()).into();
    // SAFETY: copies min(size, known) bytes of the caller's struct over the defaults.
    unsafe { std::ptr::copy_nonoverlapping(p as *const u8, (&mut o as *mut volclone_copy_options).cast::<u8>(), size.min(known)) };
    if size > known {
        // SAFETY: the caller's struct has `size` bytes.
        let tail = unsafe { std::slice::from_raw_parts((p as *const u8).add(known), size - known) };
        if let Some(i) = tail.iter().position(|&b| b != 0) {
            return Err(fail(
                volclone_status::InvalidArgument,
                &format!(
                    "options has a field at byte {} that this libvolclone ({}) does not know: use a library as new as the header, or leave it 0",
                    known + i,
                    volclone_core::VERSION
                ),
            ));
        }
    }
    o.struct_size = known as u32;
    Ok(o)
}

fn flag(v: u32, name: &str) -> Result<bool, volclone_status> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(fail(volclone_status::InvalidArgument, &format!("options.{name} is {other}: give 0 or 1"))),
    }
}

fn to_core(o: &volclone_copy_options) -> Result<CopyOptions, volclone_status> {
    let sparse = match o.sparse {
        0 => SparseMode::Auto,
        1 => SparseMode::Always,
        2 => SparseMode::Never,
        other => return Err(fail(volclone_status::InvalidArgument, &format!("options.sparse is {other}: give AUTO, ALWAYS or NEVER"))),
    };
    let io = match o.io {
        0 => IoMode::Auto,
        1 => IoMode::Direct,
        2 => IoMode::Buffered,
        3 => IoMode::Streaming,
        other => return Err(fail(volclone_status::InvalidArgument, &format!("options.io is {other}: give AUTO, DIRECT, BUFFERED or STREAMING"))),
    };
    if o.reserved != 0 {
        return Err(fail(volclone_status::InvalidArgument, "options.reserved is not 0: leave it 0"));
    }
    Ok(CopyOptions::default()
        .workers(o.workers as usize)
        .chunk_size(usize::try_from(o.chunk_size).unwrap_or(usize::MAX))
        .sparse(sparse)
        .io(io)
        .fsync(flag(o.fsync, "fsync")?)
        .verify(flag(o.verify, "verify")?)
        .create_target(flag(o.create_target, "create_target")?)
        .rate_limit((o.rate_limit != 0).then_some(o.rate_limit)))
}

fn to_report(r: &CopyReport) -> volclone_copy_report {
    volclone_copy_report {
        struct_size: size_of::<volclone_copy_report>() as u32,
        bytes_total: r.bytes_total,
        bytes_read: r.bytes_read,
        bytes_written: r.bytes_written,
        bytes_zero: r.bytes_zero,
        bytes_hole: r.bytes_hole,
        seconds: r.seconds,
        mib_per_sec: r.mib_per_sec,
        zero_method: match r.zero_method {
            ZeroMethod::Write => volclone_zero_method::Write,
            ZeroMethod::Skip => volclone_zero_method::Skip,
            ZeroMethod::PunchHole => volclone_zero_method::PunchHole,
            ZeroMethod::ZeroOut => volclone_zero_method::ZeroOut,
            ZeroMethod::Discard => volclone_zero_method::Discard,
            ZeroMethod::WriteZeroes => volclone_zero_method::WriteZeroes,
        } as u32,
        direct: u32::from(r.direct),
        fsynced: u32::from(r.fsynced),
        verified: u32::from(r.verify.as_ref().is_some_and(|v| v.matched)),
        reserved: 0,
        bytes_resumed: r.bytes_resumed,
    }
}

/// Fills `*report` (caller-owned) with zeros and its `struct_size`. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn volclone_copy_report_init(report: *mut volclone_copy_report) -> volclone_status {
    ffi_boundary! {
        try_ffi!(crate::ptr::non_null(report, "report"));
        // SAFETY: checked non-NULL; the caller provides a writable struct. All-zero is valid.
        unsafe {
            std::ptr::write_bytes(report, 0, 1);
            (*report).struct_size = size_of::<volclone_copy_report>() as u32;
        }
        volclone_status::Ok
    }
}

/// Writes `r` into the caller's report, only as many bytes as its `struct_size` says.
///
/// # Safety
/// `out` points to a writable struct of at least its `struct_size` bytes.
unsafe fn write_report(out: *mut volclone_copy_report, r: &volclone_copy_report) -> Result<(), volclone_status> {
    // SAFETY: struct_size is the first field of every version.
    let size = unsafe { std::ptr::read_unaligned(out as *const u32) } as usize;
    if size < 8 || !size.is_multiple_of(4) {
        return Err(fail(
            volclone_status::InvalidArgument,
            &format!("report.struct_size is {size}: fill the report with volclone_copy_report_init first"),
        ));
    }
    let n = size.min(size_of::<volclone_copy_report>());
    // SAFETY: writes n <= the caller's struct_size bytes; the caller's struct_size stays.
    unsafe { std::ptr::copy_nonoverlapping((r as *const volclone_copy_report).cast::<u8>().add(4), (out as *mut u8).add(4), n - 4) };
    Ok(())
}

/// Fills `*options` (caller-owned) with the defaults and `struct_size`. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn volclone_copy_options_init(options: *mut volclone_copy_options) -> volclone_status {
    ffi_boundary! {
        try_ffi!(crate::ptr::non_null(options, "options"));
        // SAFETY: checked non-NULL; the caller provides a writable struct.
        unsafe { *options = (&CopyOptions::default()).into() };
        volclone_status::Ok
    }
}

/// Runs `f` with the caller's progress callback (called from the operation's reporter thread), or
/// with none when it is NULL: how every operation that takes a callback reports.
pub(crate) fn with_progress<T>(progress: volclone_progress_cb, user: *mut c_void, f: impl FnOnce(&dyn Progress) -> T) -> T {
    match progress {
        Some(cb) => copy::on_reporter_thread(&CProgress { cb, user }, f),
        None => f(&copy::NoProgress),
    }
}

/// Writes `value` as JSON to `*out` (freed with `volclone_string_free`) when `out` is not NULL.
///
/// # Safety
/// `out` is NULL or writable.
pub(crate) unsafe fn json_out<T: serde::Serialize>(out: *mut *mut c_char, value: &T) {
    if !out.is_null() {
        // SAFETY: non-NULL, writable per the caller's contract.
        unsafe { *out = crate::string::into_c(serde_json::to_string(value).unwrap_or_default()) };
    }
}

/// A C progress callback with its user pointer.
pub(crate) struct CProgress {
    pub(crate) cb: unsafe extern "C" fn(*mut c_void, *const volclone_progress),
    pub(crate) user: *mut c_void,
}

// The caller promises the callback and its user pointer may be used from the reporter thread.
unsafe impl Sync for CProgress {}

impl Progress for CProgress {
    fn update(&self, u: &ProgressUpdate) {
        let p = volclone_progress {
            phase: match u.phase {
                "verify" => 1,
                "send" => 2,
                _ => 0,
            },
            bytes_done: u.bytes_done,
            bytes_total: u.bytes_total,
            bytes_per_sec: u.bytes_per_sec,
        };
        // SAFETY: the callback and user pointer were supplied by the caller for this purpose.
        unsafe { (self.cb)(self.user, &p) }
    }
}

/// Copies the block device or file `source` onto `target` (at least as large; see the README).
///
/// - `options`: NULL for the defaults, else filled by `volclone_copy_options_init` first.
/// - `progress`/`user`: optional callback (NULL for none), see `volclone_progress_cb`.
/// - `cancel`: optional handle (NULL for none); trigger it from another thread to stop.
/// - `report_out`: optional (NULL for none), its `struct_size` set first
///   (`volclone_copy_report_init`); written only on success, as far as `struct_size` reaches.
///
/// Errors: `NULL_POINTER`/`INVALID_UTF8` for bad paths, `INVALID_ARGUMENT` for bad options,
/// `TARGET_TOO_SMALL`, `SAME_DEVICE`, `BUSY` (block device claimed), `IO` (message names the
/// operation, path and offset), `CANCELLED`, `VERIFY_MISMATCH`. The source is never written.
/// Thread-safety: independent copies may run on any number of threads at once.
#[unsafe(no_mangle)]
pub extern "C" fn volclone_copy(
    source: *const c_char,
    target: *const c_char,
    options: *const volclone_copy_options,
    progress: volclone_progress_cb,
    user: *mut c_void,
    cancel: *const volclone_cancel,
    report_out: *mut volclone_copy_report,
) -> volclone_status {
    ffi_boundary! {
        let src = try_ffi!(c_str(source, "source"));
        let tgt = try_ffi!(c_str(target, "target"));
        let opts = if options.is_null() {
            CopyOptions::default()
        } else {
            // SAFETY: non-NULL, points to a struct of its struct_size the caller initialised.
            try_ffi!(to_core(&try_ffi!(unsafe { read_options(options) })))
        };
        let cancel = token(cancel).unwrap_or_default();
        let result = with_progress(progress, user, |p| copy::copy(Path::new(src), Path::new(tgt), &opts, p, &cancel));
        match result {
            Ok(r) => {
                if !report_out.is_null() {
                    // SAFETY: non-NULL, writable for its struct_size per the contract.
                    try_ffi!(unsafe { write_report(report_out, &to_report(&r)) });
                }
                volclone_status::Ok
            }
            Err(e) => map_error(&e),
        }
    }
}

/// Copies `source` onto `target` like `volclone_copy`, with the options as JSON (every copy
/// option, the ones the struct lacks included) and the whole report as JSON: what the Java
/// bindings call.
///
/// - `options_json`: NULL for the defaults, else a JSON object, every field optional:
///   `workers`, `chunk_size`, `sparse` (`"auto"`, `"always"`, `"never"`), `io` (`"auto"`,
///   `"direct"`, `"buffered"`), `fsync`, `verify`, `rate_limit` (bytes per second; 0 or null for
///   none), `create_target`, `no_checkpoint` (keep none), `checkpoint_dir` (where to keep it;
///   default volclone's state directory). Not an object or an unknown field: `INVALID_ARGUMENT`
///   naming it.
/// - `progress`/`user`, `cancel`: as for `volclone_copy`.
/// - `report_json_out`: optional; on success the copy report (`bytes_total`, `bytes_read`,
///   `bytes_written`, `bytes_zero`, `bytes_hole`, `bytes_resumed`, `resume_refused`, `seconds`,
///   `zero_method`, `verify`, `notes`, ...), freed with `volclone_string_free`.
///
/// A checkpoint is kept unless `no_checkpoint`: a rerun after a crash or a cancel onto the very
/// same objects copies only the rest; onto an object re-created under the same name it starts
/// over and says why in `resume_refused`. Errors and thread-safety as for `volclone_copy`.
#[unsafe(no_mangle)]
pub extern "C" fn volclone_copy_json(
    source: *const c_char,
    target: *const c_char,
    options_json: *const c_char,
    progress: volclone_progress_cb,
    user: *mut c_void,
    cancel: *const volclone_cancel,
    report_json_out: *mut *mut c_char,
) -> volclone_status {
    ffi_boundary! {
        let src = try_ffi!(c_str(source, "source"));
        let tgt = try_ffi!(c_str(target, "target"));
        let opts = if options_json.is_null() {
            CopyOptions::default()
        } else {
            match CopyOptions::from_json(try_ffi!(c_str(options_json, "options_json"))) {
                Ok(o) => o,
                Err(e) => return map_error(&e),
            }
        };
        let cancel = token(cancel).unwrap_or_default();
        let result = with_progress(progress, user, |p| copy::copy(Path::new(src), Path::new(tgt), &opts, p, &cancel));
        match result {
            Ok(r) => {
                // SAFETY: NULL or writable per the contract.
                unsafe { json_out(report_json_out, &r) };
                volclone_status::Ok
            }
            Err(e) => map_error(&e),
        }
    }
}
