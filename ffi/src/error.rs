//! The status enum and the per-thread last error message.

use std::cell::RefCell;
use std::ffi::{CString, c_char};

use volclone_core::Error;
pub use volclone_embed::volclone_status;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// The longest last-error message kept, in bytes (a message naming a huge input is cut).
pub const LAST_ERROR_MAX: usize = 4096;

/// Stores `msg` (at most [`LAST_ERROR_MAX`] bytes of it) as this thread's last error and returns
/// `status`.
pub(crate) fn fail(status: volclone_status, msg: &str) -> volclone_status {
    let msg = if msg.len() > LAST_ERROR_MAX {
        let mut end = LAST_ERROR_MAX - 64;
        while !msg.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}... ({} bytes cut)", &msg[..end], msg.len() - end)
    } else {
        msg.to_owned()
    };
    let c = CString::new(msg.replace('\0', " ")).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = c);
    status
}

/// Maps a core error to its status, keeping the message.
pub(crate) fn map_error(e: &Error) -> volclone_status {
    fail(e.kind().into(), &e.to_string())
}

/// Clears the last error at the start of a call.
pub(crate) fn clear() {
    LAST_ERROR.with(|e| *e.borrow_mut() = CString::default());
}

/// The message of the last failed call on this thread ("" if the last call succeeded).
///
/// The pointer stays valid until the next volclone call on the same thread; do not free it.
/// Thread-safe: each thread has its own message.
#[unsafe(no_mangle)]
pub extern "C" fn volclone_last_error() -> *const c_char {
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}

/// A static, human-readable name of a status ("ok", "busy", ...); any other value, such as a
/// status of a newer library, is "unknown status". Takes the status as a plain integer, so every
/// `uint32_t` is safe. Never NULL; do not free. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn volclone_status_name(status: u32) -> *const c_char {
    const ALL: [volclone_status; 14] = [
        volclone_status::Ok,
        volclone_status::InvalidArgument,
        volclone_status::InvalidRequest,
        volclone_status::NoStrategy,
        volclone_status::Io,
        volclone_status::TargetTooSmall,
        volclone_status::SameDevice,
        volclone_status::Busy,
        volclone_status::Cancelled,
        volclone_status::VerifyMismatch,
        volclone_status::CommandFailed,
        volclone_status::NullPointer,
        volclone_status::InvalidUtf8,
        volclone_status::Panic,
    ];
    let Some(&known) = ALL.iter().find(|s| **s as u32 == status) else {
        return c"unknown status".as_ptr();
    };
    let s: &'static [u8] = match known {
        volclone_status::Ok => b"ok\0",
        volclone_status::InvalidArgument => b"invalid argument\0",
        volclone_status::InvalidRequest => b"invalid request\0",
        volclone_status::NoStrategy => b"no strategy\0",
        volclone_status::Io => b"I/O error\0",
        volclone_status::TargetTooSmall => b"target too small\0",
        volclone_status::SameDevice => b"same device\0",
        volclone_status::Busy => b"busy\0",
        volclone_status::Cancelled => b"cancelled\0",
        volclone_status::VerifyMismatch => b"verify mismatch\0",
        volclone_status::CommandFailed => b"command failed\0",
        volclone_status::NullPointer => b"null pointer\0",
        volclone_status::InvalidUtf8 => b"invalid UTF-8\0",
        volclone_status::Panic => b"panic (a bug in volclone)\0",
    };
    s.as_ptr().cast()
}
