//! Fuzzes the checkpoint file reader: whatever a state directory holds (a damaged file, another
//! format, a hostile one), reading it gives the bytes it claims or why it is set aside, never a
//! panic, and never more bytes than the layout it names has.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(done) = volclone_core::copy::checkpoint::parse_file(text) {
        let v: serde_json::Value = serde_json::from_str(text).expect("parsed once");
        let size = v["layout"]["size"].as_u64().expect("a layout size");
        assert!(done <= size, "claims {done} of {size} bytes");
    }
});
