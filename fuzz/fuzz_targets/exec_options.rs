//! Fuzzes what `volclone_execute` and JNI's `Native.execute` receive before anything runs: the
//! options JSON (`ExecOptions::from_json`, its `copy` group `CopyOptions::from_json`) and the
//! request (`CloneRequest::from_json`, the names check, the planner). Nothing is executed: every
//! input must give an error or a plan, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use volclone_core::copy::CopyOptions;
use volclone_core::exec::ExecOptions;
use volclone_core::{CloneRequest, planner};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // One input, read three ways: as execute options, as copy options, as a request.
    if let Ok(o) = ExecOptions::from_json(text) {
        assert!(o.block_copy_options().validate().is_ok(), "accepted options validate: {text}");
        assert_ne!(o.block_copy_options().rate_limit, Some(0), "0 is no rate: {text}");
    }
    if let Ok(o) = CopyOptions::from_json(text) {
        assert!(o.validate().is_ok());
    }
    if let Ok(req) = CloneRequest::from_json(text) {
        let plan = planner::plan(&req);
        if req.names_error().is_some() {
            assert!(plan.chosen.is_none(), "a request whose names no command may take gets no strategy");
        }
        assert_eq!(plan.chosen, plan.candidates.first().map(|c| c.strategy));
    }
});
