//! `volclone_set_log_callback`: the library's log events to a C callback (the bridge itself is
//! shared with the JNI library, in volclone-embed).

use std::ffi::{CString, c_char, c_void};
use std::sync::Arc;

use volclone_embed::log::{Host, LogSink, level_from, set_sink};
pub use volclone_embed::log::volclone_log_level;

use crate::error::volclone_status;

/// A log callback: `level` is a `volclone_log_level`, `target` the library module, `message`
/// the text; both strings are valid only during the call. Called on the thread that logs (any
/// of the library's threads, or the caller's), possibly from several threads at once.
pub type volclone_log_cb = Option<unsafe extern "C" fn(user: *mut c_void, level: u32, target: *const c_char, message: *const c_char)>;

struct CLog {
    cb: unsafe extern "C" fn(*mut c_void, u32, *const c_char, *const c_char),
    user: *mut c_void,
}
// The caller promises the callback and user pointer may be used from any thread.
unsafe impl Send for CLog {}
unsafe impl Sync for CLog {}

impl CLog {
    fn call(&self, lvl: volclone_log_level, target: &str, msg: &str) {
        let (t, m) = (CString::new(target.replace('\0', " ")).unwrap_or_default(), CString::new(msg.replace('\0', " ")).unwrap_or_default());
        // SAFETY: the callback was supplied by the caller for this purpose; the strings live
        // until it returns.
        unsafe { (self.cb)(self.user, lvl as u32, t.as_ptr(), m.as_ptr()) }
    }
}

/// Sets (or, with a NULL `cb`, removes) the log callback for the whole process, receiving the
/// library's messages up to `max_level` (a `volclone_log_level`; values above TRACE count as
/// TRACE). Without a callback the library logs nothing. Thread-safe; the previous callback may
/// still be running on another thread when this returns.
#[unsafe(no_mangle)]
pub extern "C" fn volclone_set_log_callback(cb: volclone_log_cb, user: *mut c_void, max_level: u32) -> volclone_status {
    ffi_boundary! {
        let max = level_from(max_level);
        let sink = cb.map(|cb| {
            let c = CLog { cb, user };
            Arc::new(move |lvl: volclone_log_level, target: &str, msg: &str| c.call(lvl, target, msg)) as LogSink
        });
        set_sink(Host::C, sink, max);
        volclone_status::Ok
    }
}
