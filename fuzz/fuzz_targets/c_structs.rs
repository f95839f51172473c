//! Fuzzes the C ABI's size-versioned structs: `volclone_copy` given an options struct of any
//! `struct_size` and any bytes (a caller's older, newer or garbage struct), onto a source that
//! does not exist. The library reads at most `struct_size` bytes (the buffer always holds that
//! many) and answers with a status, never a crash or a read beyond.
#![no_main]

use libfuzzer_sys::fuzz_target;
use volclone::{volclone_copy, volclone_copy_options, volclone_status};

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    // The struct as the caller's memory holds it: exactly `struct_size` bytes (capped to the
    // input), so an over-read is an ASan error.
    let declared = u32::from_ne_bytes(data[..4].try_into().unwrap()) as usize;
    let len = declared.min(data.len()).max(4);
    let mut buf = vec![0u8; len];
    buf.copy_from_slice(&data[..len]);
    buf[..4].copy_from_slice(&(len as u32).to_ne_bytes());
    let st = volclone_copy(
        c"/nonexistent/volclone-fuzz-source".as_ptr(),
        c"/nonexistent/volclone-fuzz-target".as_ptr(),
        buf.as_ptr().cast::<volclone_copy_options>(),
        None,
        std::ptr::null_mut(),
        std::ptr::null(),
        std::ptr::null_mut(),
    );
    assert!(matches!(st, volclone_status::Io | volclone_status::InvalidArgument), "unexpected status {st:?}");
});
