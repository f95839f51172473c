//! Cancel handles: shared (reference-counted) so another thread can cancel a running copy.

use std::sync::Arc;

use volclone_core::copy::CancelToken;

use crate::error::volclone_status;
use crate::ptr::non_null;

/// A cancel handle (opaque). Create with `volclone_cancel_new`, free with `volclone_cancel_free`.
pub struct volclone_cancel {
    _private: [u8; 0],
}

/// The Rust object behind a `volclone_cancel *`, as a reference of the caller's own: an
/// operation holds it to its end, so a `volclone_cancel_free` during the operation is safe.
pub(crate) fn token(p: *const volclone_cancel) -> Option<Arc<CancelToken>> {
    (!p.is_null()).then(|| {
        let p = p as *const CancelToken;
        // SAFETY: non-NULL pointers of this type come from volclone_cancel_new (Arc::into_raw)
        // and are alive when passed in, per the contract; the count is raised before use.
        unsafe {
            Arc::increment_strong_count(p);
            Arc::from_raw(p)
        }
    })
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

/// Requests cancellation: copies and executions using this handle stop (between chunks, or by
/// ending a running command) and return `VOLCLONE_STATUS_CANCELLED`. A handle stays triggered
/// until `volclone_cancel_reset`. Thread-safe: meant to be called from another thread.
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

/// Re-arms a triggered handle for another operation (a triggered handle stays triggered
/// otherwise). Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn volclone_cancel_reset(cancel: *const volclone_cancel) -> volclone_status {
    ffi_boundary! {
        try_ffi!(non_null(cancel, "cancel"));
        if let Some(t) = token(cancel) {
            t.reset();
        }
        volclone_status::Ok
    }
}

/// Frees the caller's reference to a cancel handle. Accepts NULL. Once per handle. A copy or
/// execution still using it keeps its own reference, so freeing it meanwhile is safe (the
/// handle can then no longer be triggered by the caller).
#[unsafe(no_mangle)]
pub extern "C" fn volclone_cancel_free(cancel: *mut volclone_cancel) {
    if !cancel.is_null() {
        // SAFETY: made by Arc::into_raw in volclone_cancel_new; freed once per the contract.
        drop(unsafe { Arc::from_raw(cancel as *const CancelToken) });
    }
}
