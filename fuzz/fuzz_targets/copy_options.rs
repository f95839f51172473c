//! Fuzzes the copy options of the C `volclone_copy_json` and Java's `BlockCopier.copy` through
//! the C entry point itself, onto a source that does not exist: options are read and checked
//! first (a status, never a crash), and nothing is ever copied.
#![no_main]

use std::ffi::CString;

use libfuzzer_sys::fuzz_target;
use volclone::{volclone_copy_json, volclone_status, volclone_string_free};

fuzz_target!(|data: &[u8]| {
    let bytes: Vec<u8> = data.iter().copied().filter(|&b| b != 0).collect();
    let opts = CString::new(bytes).expect("NULs removed");
    let (src, dst) = (c"/nonexistent/volclone-fuzz-source", c"/nonexistent/volclone-fuzz-target");
    let mut report = std::ptr::null_mut();
    let st = volclone_copy_json(src.as_ptr(), dst.as_ptr(), opts.as_ptr(), None, std::ptr::null_mut(), std::ptr::null(), &mut report);
    match st {
        // Options that parse reach the source, which is not there.
        volclone_status::Io | volclone_status::InvalidArgument | volclone_status::InvalidUtf8 => assert!(report.is_null()),
        other => panic!("unexpected status {other:?}"),
    }
    volclone_string_free(report);
});
