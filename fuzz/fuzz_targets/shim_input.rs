//! Fuzzes the `zfs` shim's two readers of outside input: the argv matcher (only exactly
//! `receive -F <dataset>` is taken over) and the send-stream header reader.
#![no_main]

use libfuzzer_sys::fuzz_target;
use volclone_core::shim::argv;
use volclone_core::zfs::stream_header;

fuzz_target!(|data: &[u8]| {
    if let Some(h) = stream_header::parse(data) {
        assert!(!h.toname.is_empty() && data.len() >= stream_header::HEADER_BYTES);
    }
    let text = String::from_utf8_lossy(data);
    let args: Vec<&str> = text.split('\0').take(6).collect();
    if let Some(m) = argv::takeover(&args) {
        assert_eq!(args, ["receive", "-F", m.target.as_str()]);
        assert!(!m.target.starts_with('-') && !m.target.contains('@'));
    }
});
