//! The panic boundary every exported body runs in.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::error::{clear, fail, volclone_status};

/// Runs `f`, turning a panic into `VOLCLONE_STATUS_PANIC` with the panic message.
pub(crate) fn boundary(f: impl FnOnce() -> volclone_status) -> volclone_status {
    clear();
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(s) => s,
        Err(p) => {
            let msg = volclone_core::error::panic_text(&*p);
            fail(volclone_status::Panic, &format!("volclone panicked (a bug, please report): {msg}"))
        }
    }
}

/// `ffi_boundary! { body }`: the body returns a `volclone_status`; panics are caught.
macro_rules! ffi_boundary {
    ($($body:tt)*) => {
        $crate::panic::boundary(move || { $($body)* })
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn a_panic_becomes_a_status_with_its_message() {
        let st = boundary(|| panic!("boom {}", 42));
        assert_eq!(st, volclone_status::Panic);
        let msg = unsafe { CStr::from_ptr(crate::error::volclone_last_error()) }.to_str().unwrap();
        assert!(msg.contains("boom 42"), "{msg}");
        assert_eq!(boundary(|| volclone_status::Ok), volclone_status::Ok);
        assert_eq!(unsafe { CStr::from_ptr(crate::error::volclone_last_error()) }.to_bytes(), b"");
    }
}
