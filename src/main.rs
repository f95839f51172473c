//! `volclone`: the operator's command line (plan, copy, demo). A thin skin over volclone-core.

mod cli;
mod render;
mod shim;
mod signals;

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os();
    let argv0 = args.next().unwrap_or_default();
    let shim = shim::called_as_zfs(&argv0) || std::env::var_os(volclone_core::shim::AS_ZFS_ENV).is_some();
    // SAFETY: first thing in main, before any thread: nothing reads the environment meanwhile.
    unsafe { std::env::remove_var(volclone_core::shim::AS_ZFS_ENV) };
    // As the shim, a pass-through is on the path of every zfs call a satellite makes: no log
    // set-up unless logs are asked for.
    if !shim || std::env::var_os("VOLCLONE_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_env("VOLCLONE_LOG"))
            .with_writer(std::io::stderr)
            .init();
    }
    if shim {
        return shim::main(argv0, args.collect());
    }
    match cli::run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("volclone: {e}");
            ExitCode::from(cli::EXIT_ERROR)
        }
    }
}
