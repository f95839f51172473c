//! `volclone`: the operator's command line (plan, copy, demo). A thin skin over volclone-core.

mod cli;
mod render;
mod shim;
mod signals;

use std::process::ExitCode;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("VOLCLONE_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let mut args = std::env::args_os();
    let argv0 = args.next().unwrap_or_default();
    if shim::called_as_zfs(&argv0) {
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
