//! The library version.

use std::ffi::c_char;

/// The library version as "MAJOR.MINOR.PATCH". Static; never NULL; do not free. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn volclone_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
