//! ZFS access behind one trait ([`ZfsOps`]), with the `zfs` command as the default backend
//! ([`ZfsCli`]), and facts gathering for the planner ([`facts`]).

mod cli;
pub mod facts;
mod ops;
mod stream;

pub use cli::ZfsCli;
pub use ops::{SendReceive, ZfsOps};
