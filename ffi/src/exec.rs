//! Running a clone (plan + execute) and reading a dataset's ZFS facts, both JSON in and out.

use std::ffi::{c_char, c_void};

use volclone_core::CloneRequest;
use volclone_core::exec::{self, ExecOptions};
use volclone_core::zfs::{ZfsCli, facts};

use crate::cancel::{token, volclone_cancel};
use crate::copy::{json_out, volclone_progress_cb, with_progress};
use crate::error::{map_error, volclone_status};
use crate::ptr::{c_str, non_null};
use crate::string::into_c;

/// Plans a clone from `request_json` (volclone's request format) and runs the chosen strategy
/// for real (ZFS through the `zfs` command, LVM through the `lvm` commands, block copies in
/// process), exactly as `volclone run` does.
///
/// - `options_json`: NULL for the defaults, else a JSON object `{"copy": {...}, "rate_limit": N,
///   "no_resume": false}`, every field optional: `copy` takes the fields of
///   `volclone_copy_json`'s options; `rate_limit` (bytes per second, 0 or null for none) bounds
///   whatever the strategy moves, a send stream or a block copy (`copy.rate_limit`, when set,
///   wins for a block copy); `no_resume` receives without `zfs receive -s` (faster, but a stream
///   cut short is sent again whole). Not an object, `copy` not an object, or an unknown field
///   anywhere: `INVALID_ARGUMENT` naming it.
/// - `progress`/`user`: optional callback (see `volclone_progress_cb`), with a total for every
///   strategy (a send reports ZFS's estimate of its stream).
/// - `cancel`: optional handle; triggering it stops the clone and undoes what it made.
/// - `report_json_out`: optional; on success `{"strategy", "steps", "skipped", "bytes",
///   "bytes_saved", "already_complete", "bytes_resumed", "resume_refused", "seconds"}`, freed with
///   `volclone_string_free`. A block copy resumed from an interrupted run onto the very same
///   objects says so in `bytes_resumed`; a checkpoint found and set aside (other objects under
///   the same names) in `resume_refused`.
///
/// Errors: `INVALID_REQUEST` (the message names the field), `NO_STRATEGY` (why each was
/// rejected), `COMMAND_FAILED` (the command, its status and stderr), `IO`, `CANCELLED`, and the
/// block copy's refusals. Before the target is replaced a failure undoes everything the run
/// made; the source is never written. Thread-safety: clones of different targets may run at
/// once on any threads.
#[unsafe(no_mangle)]
pub extern "C" fn volclone_execute(
    request_json: *const c_char,
    options_json: *const c_char,
    progress: volclone_progress_cb,
    user: *mut c_void,
    cancel: *const volclone_cancel,
    report_json_out: *mut *mut c_char,
) -> volclone_status {
    ffi_boundary! {
        let text = try_ffi!(c_str(request_json, "request_json"));
        let req = match CloneRequest::from_json(text) {
            Ok(r) => r,
            Err(e) => return map_error(&e),
        };
        let opts = if options_json.is_null() {
            ExecOptions::default()
        } else {
            match ExecOptions::from_json(try_ffi!(c_str(options_json, "options_json"))) {
                Ok(v) => v,
                Err(e) => return map_error(&e),
            }
        };
        let cancel = token(cancel).unwrap_or_default();
        match with_progress(progress, user, |p| exec::plan_and_execute(&req, &opts, p, &cancel)) {
            Ok(r) => {
                // SAFETY: NULL or writable per the contract.
                unsafe { json_out(report_json_out, &r) };
                volclone_status::Ok
            }
            Err(e) => map_error(&e),
        }
    }
}

/// Reads what a satellite needs of ZFS dataset `dataset` at decision time: whether it exists,
/// its encryption facts (for a dataset not created yet: what it would inherit from its parent)
/// in the request's `zfs` format, and the ZFS version: `{"dataset", "exists", "zfs":
/// {"encryption", "encryption_root", "key_status", "key_location"}, "zfs_version"}` in
/// `*facts_json_out` (freed with `volclone_string_free`). Runs the `zfs` command.
/// Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn volclone_zfs_facts(dataset: *const c_char, facts_json_out: *mut *mut c_char) -> volclone_status {
    ffi_boundary! {
        let name = try_ffi!(c_str(dataset, "dataset"));
        try_ffi!(non_null(facts_json_out, "facts_json_out"));
        match facts::dataset_facts(&ZfsCli::default(), name) {
            Ok(f) => {
                // SAFETY: checked non-NULL.
                unsafe { *facts_json_out = into_c(serde_json::to_string(&f).unwrap_or_default()) };
                volclone_status::Ok
            }
            Err(e) => map_error(&e),
        }
    }
}
