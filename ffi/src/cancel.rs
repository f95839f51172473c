//! Cancel handles: shared (reference-counted) so another thread can cancel a running copy.

use std::sync::Arc;

use volclone_core::copy::CancelToken;

use crate::error::volclone_status;
use crate::ptr::non_null;

/// A cancel handle (opaque). Create with `volclone_cancel_new`, free with `volclone_cancel_free`.
pub struct volclone_cancel {
    _private: [u8; 0],
}

/// The Rust object behind a `volclone_cancel *`.
pub(crate) fn token<'a>(p: *const volclone_cancel) -> Option<&'a CancelToken> {
    // SAFETY: non-NULL pointers of this type come from volclone_cancel_new (Arc::into_raw) and
    // stay alive until volclone_cancel_free, per the contract.
    (!p.is_null()).then(|| unsafe { &*(p as *const CancelToken) })
}

/// Makes a new cancel handle in `*out`.
///
/// Ownership: free it with `volclone_cancel_free` after the copies using it have returned.
/// Thread-safe: the handle may be shared by any threads.
#[unsafe(no_mangle)]
pub extern "C" fn volclone_cancel_new(out: *mut *mut volclone_cancel) -> volclone_status {
    ffi_boundary! {
        try_ffi!(non_null(out, "out"));
        let raw = Arc::into_raw(Arc::new(CancelToken::new())) as *mut volclone_cancel;
        // SAFETY: checked non-NULL.
        unsafe { *out = raw };
        volclone_status::Ok
    }
}

/// Requests cancellation: copies using this handle stop between chunks and return
/// `VOLCLONE_STATUS_CANCELLED`. Thread-safe: meant to be called from another thread.
#[unsafe(no_mangle)]
pub extern "C" fn volclone_cancel_trigger(cancel: *const volclone_cancel) -> volclone_status {
    ffi_boundary! {
        try_ffi!(non_null(cancel, "cancel"));
        if let Some(t) = token(cancel) {
            t.cancel();
        }
        volclone_status::Ok
    }
}

/// Frees a cancel handle. Accepts NULL. Not while a copy still uses it, and only once.
#[unsafe(no_mangle)]
pub extern "C" fn volclone_cancel_free(cancel: *mut volclone_cancel) {
    if !cancel.is_null() {
        // SAFETY: made by Arc::into_raw in volclone_cancel_new; freed once per the contract.
        drop(unsafe { Arc::from_raw(cancel as *const CancelToken) });
    }
}
