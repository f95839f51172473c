//! Planning from a JSON request to a JSON plan.

use std::ffi::c_char;

use volclone_core::planner;

use crate::error::{map_error, volclone_status};
use crate::ptr::{c_str, non_null};
use crate::string::into_c;

/// Plans a clone. `request_json` is a request in volclone's format (version 1); on success
/// `*plan_json_out` receives the plan as JSON (the format of `volclone plan --json`).
///
/// Returns `VOLCLONE_STATUS_OK` when a strategy was chosen, `VOLCLONE_STATUS_NO_STRATEGY` when
/// none can be used (the plan is still written: its `rejected` list says why), and an error
/// status (nothing written) for a NULL pointer, invalid UTF-8 or an invalid request.
///
/// Ownership: the caller frees `*plan_json_out` with `volclone_string_free`.
/// Thread-safety: may be called from any number of threads at once.
#[unsafe(no_mangle)]
pub extern "C" fn volclone_plan_json(request_json: *const c_char, plan_json_out: *mut *mut c_char) -> volclone_status {
    ffi_boundary! {
        let text = try_ffi!(c_str(request_json, "request_json"));
        try_ffi!(non_null(plan_json_out, "plan_json_out"));
        let plan = match planner::plan_json(text) {
            Ok(p) => p,
            Err(e) => return map_error(&e),
        };
        let status = if plan.chosen.is_some() {
            volclone_status::Ok
        } else {
            crate::error::fail(volclone_status::NoStrategy, &format!("no clone strategy can be used: {}", plan.rejection_summary()))
        };
        // SAFETY: checked non-NULL above; the caller provides a writable pointer.
        unsafe { *plan_json_out = into_c(plan.to_json()) };
        status
    }
}
