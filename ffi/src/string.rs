//! Strings the library hands out.

use std::ffi::{CString, c_char};

/// Moves a Rust string to C (interior NULs cannot occur in JSON output; they become spaces).
pub(crate) fn into_c(s: String) -> *mut c_char {
    CString::new(s.replace('\0', " ")).unwrap_or_default().into_raw()
}

/// Frees a string returned by volclone (e.g. a plan). Accepts NULL. Free each string once;
/// any thread may free it.
#[unsafe(no_mangle)]
pub extern "C" fn volclone_string_free(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: `s` came from `into_c` (CString::into_raw) and is freed once, per the contract.
        drop(unsafe { CString::from_raw(s) });
    }
}
