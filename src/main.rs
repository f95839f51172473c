//! `volclone`: the operator's command line (plan, copy, demo). A thin skin over volclone-core.

mod cli;
mod render;
mod signals;

use std::process::ExitCode;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("VOLCLONE_LOG"))
        .with_writer(std::io::stderr)
        .init();
    match cli::run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("volclone: {e}");
            ExitCode::from(cli::EXIT_ERROR)
        }
    }
}
