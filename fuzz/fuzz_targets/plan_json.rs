//! Fuzzes the C entry point `volclone_plan_json` with arbitrary bytes: it must return a status
//! and never crash, and a plan it returns must be freed with `volclone_string_free`.
#![no_main]

use std::ffi::CString;

use libfuzzer_sys::fuzz_target;
use volclone::{volclone_plan_json, volclone_status, volclone_string_free};

fuzz_target!(|data: &[u8]| {
    let bytes: Vec<u8> = data.iter().copied().filter(|&b| b != 0).collect();
    let input = CString::new(bytes).expect("NULs removed");
    let mut out = std::ptr::null_mut();
    let st = volclone_plan_json(input.as_ptr(), &mut out);
    match st {
        volclone_status::Ok | volclone_status::NoStrategy => assert!(!out.is_null()),
        volclone_status::InvalidRequest | volclone_status::InvalidUtf8 => assert!(out.is_null()),
        other => panic!("unexpected status {other:?}"),
    }
    volclone_string_free(out);
});
