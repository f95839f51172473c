//! `volclone` run as `zfs`: started by the pass-through `volclone-zfs` (the shim directory's
//! `zfs`, src/zfs_pass.rs) for LINSTOR's `zfs receive -F <dataset>`, or under the name `zfs`.
//! Dispatch only; the logic is volclone-core's `shim`. A command line it does not take over is executed as the
//! real `zfs` with the same argv, environment and descriptors, and nothing of volclone's
//! printed.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::ExitCode;

use volclone_core::copy::CancelToken;
use volclone_core::shim::{self, argv, real, takeover};

/// Whether volclone was started under the name `zfs`.
pub fn called_as_zfs(argv0: &std::ffi::OsStr) -> bool {
    std::path::Path::new(argv0).file_name().is_some_and(|n| n == "zfs")
}

/// The shim: takes the command line over or executes the real `zfs` with it.
pub fn main(argv0: OsString, args: Vec<OsString>) -> ExitCode {
    let me = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("/proc/self/exe"));
    let path = std::env::var("PATH").ok();
    let explicit = std::env::var("VOLCLONE_REAL_ZFS").ok();
    let real = match real::find(&me, path.as_deref(), explicit.as_deref()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("volclone (as zfs): {e}");
            return ExitCode::from(127);
        }
    };
    if let Some(m) = argv::takeover_os(&args) {
        match takeover::route(&real, &m.target) {
            takeover::Route::TakeOver(job) => return run(&job),
            takeover::Route::PassThrough(why) => tracing::debug!("zfs receive -F {}: passed through: {why}", m.target),
        }
    }
    let e = std::process::Command::new(&real).arg0(&argv0).args(&args).exec();
    eprintln!("volclone (as zfs): cannot execute {}: {e}", real.display());
    ExitCode::from(127)
}

fn run(job: &takeover::Job) -> ExitCode {
    let cancel = CancelToken::new();
    crate::signals::cancel_on_signals(&cancel);
    let (src, tgt) = (job.header.toname.clone(), job.target().to_owned());
    shim::syslog(libc::LOG_INFO, &format!("taking over zfs receive -F {tgt}: stream of {src} onto the encrypted pre-created target"));
    let started = std::time::Instant::now();
    match job.run(&cancel) {
        Ok(r) => {
            shim::syslog(
                libc::LOG_INFO,
                &format!("cloned {src} -> {tgt}: {} bytes in {:.1} s, {}", r.bytes, started.elapsed().as_secs_f64(), if r.steps.is_empty() { "nothing to do" } else { "ok" }),
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            let line = format!("cannot receive {tgt} (volclone): {e}").replace('\n', " ");
            shim::syslog(libc::LOG_ERR, &format!("clone {src} -> {tgt} failed after {:.1} s: {e}", started.elapsed().as_secs_f64()));
            eprintln!("{line}");
            ExitCode::from(1)
        }
    }
}
