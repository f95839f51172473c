//! Checked conversions of C pointers: NULL and bad UTF-8 become status codes.

use std::ffi::{CStr, c_char};

use crate::error::{fail, volclone_status};

/// A C string argument as `&str`, or the status to return.
pub(crate) fn c_str<'a>(p: *const c_char, name: &str) -> Result<&'a str, volclone_status> {
    if p.is_null() {
        return Err(fail(volclone_status::NullPointer, &format!("{name} is NULL: pass a NUL-terminated string")));
    }
    // SAFETY: the caller promises a NUL-terminated string that outlives the call.
    unsafe { CStr::from_ptr(p) }
        .to_str()
        .map_err(|e| fail(volclone_status::InvalidUtf8, &format!("{name} is not valid UTF-8 ({e}): pass UTF-8 text")))
}

/// Fails with `NullPointer` when `p` is NULL.
pub(crate) fn non_null<T>(p: *const T, name: &str) -> Result<(), volclone_status> {
    if p.is_null() {
        return Err(fail(volclone_status::NullPointer, &format!("{name} is NULL")));
    }
    Ok(())
}

/// `try_ffi!(expr)`: evaluates a `Result<T, volclone_status>`, returning the status on `Err`.
macro_rules! try_ffi {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(status) => return status,
        }
    };
}
