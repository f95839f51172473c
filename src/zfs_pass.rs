//! `volclone-zfs`: the `zfs` of the shim directory (`volclone linstor-shim install DIR`, the
//! Debian package's `/usr/lib/volclone/shim/zfs`). It is on the path of every `zfs` command a
//! satellite runs, so it does the least it can: a command line that is not LINSTOR's
//! `zfs receive -F <dataset>` (volclone-core's `shim::argv`) is executed as the real `zfs`
//! (`execv` of the very argv: same arguments, environment, descriptors, signal dispositions and
//! mask; there is no Rust runtime start-up to touch them), and that one form is handed to the
//! `volclone` beside it, which decides whether to take it over or pass it through.

#![no_main]

use std::ffi::{CStr, CString, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use volclone_core::shim::{AS_ZFS_ENV, argv, real};

/// The C entry point: no Rust runtime start-up (it would change SIGPIPE's disposition, which
/// the real `zfs` must inherit as the caller left it, and costs time on every call).
#[unsafe(no_mangle)]
extern "C" fn main(argc: libc::c_int, argv_c: *const *const libc::c_char) -> libc::c_int {
    // SAFETY: the C runtime's argv: argc valid NUL-terminated strings, then a null pointer.
    let args: Vec<&OsStr> = (0..argc.max(0) as usize).map(|i| OsStr::from_bytes(unsafe { CStr::from_ptr(*argv_c.add(i)) }.to_bytes())).collect();
    let program = match choose(&args) {
        Ok(p) => p,
        Err(why) => {
            eprintln!("volclone (as zfs): {why}");
            return 127;
        }
    };
    let Ok(path) = CString::new(program.as_os_str().as_bytes()) else {
        eprintln!("volclone (as zfs): {} has a NUL byte in its name", program.display());
        return 127;
    };
    // SAFETY: `path` is a valid C string; `argv_c` is the caller's argv, null-terminated.
    unsafe { libc::execv(path.as_ptr(), argv_c) };
    eprintln!("volclone (as zfs): cannot execute {}: {}", program.display(), std::io::Error::last_os_error());
    127
}

/// The program to execute with the caller's argv: `volclone` (marked to run as `zfs`) for the
/// takeover form, else the real `zfs`.
fn choose(args: &[&OsStr]) -> Result<PathBuf, String> {
    let me = std::fs::read_link("/proc/self/exe").map_err(|e| format!("cannot find its own executable (/proc/self/exe): {e}"))?;
    if argv::takeover_os(args.get(1..).unwrap_or_default()).is_some() {
        let main = me.with_file_name(real::MAIN);
        // SAFETY: single-threaded (no runtime, no thread started): nothing reads the
        // environment concurrently. volclone removes the mark before running anything.
        unsafe { std::env::set_var(AS_ZFS_ENV, "1") };
        return Ok(main);
    }
    let path = std::env::var("PATH").ok();
    let explicit = std::env::var("VOLCLONE_REAL_ZFS").ok();
    real::find(&me, path.as_deref(), explicit.as_deref())
}
