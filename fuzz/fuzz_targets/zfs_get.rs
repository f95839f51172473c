//! Fuzzes the reader of `zfs get -Hp -o name,property,value` output (stdout and stderr, as the
//! command backend parses them for every fact it gathers): a result or an error, never a panic;
//! every name asked for is in a result.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The input: names on the first line (space-separated), stdout, then stderr after a line "--".
    let mut parts = text.splitn(2, '\n');
    let names: Vec<&str> = parts.next().unwrap_or("").split(' ').filter(|n| !n.is_empty()).take(8).collect();
    let rest = parts.next().unwrap_or("");
    let (stdout, stderr) = rest.split_once("\n--\n").unwrap_or((rest, ""));
    if let Ok(d) = volclone_core::zfs::parse_get(&names, stdout, stderr) {
        for n in &names {
            assert!(d.contains_key(*n), "{n} asked for, not in the result");
        }
    }
});
