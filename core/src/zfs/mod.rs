//! ZFS access behind one trait ([`ZfsOps`]), with the `zfs` command as the default backend
//! ([`ZfsCli`]), `libzfs_core` behind the feature `libzfs-core` (`Lzc`), and facts gathering
//! for the planner ([`facts`]).

mod cache;
mod cli;
pub mod facts;
#[cfg(feature = "libzfs-core")]
mod lzc;
mod ops;
mod stream;
pub mod stream_header;

pub use cache::Cached;
pub use cli::{ZfsCli, parse_get};
pub(crate) use cli::zpool_program;
#[cfg(feature = "libzfs-core")]
pub use lzc::Lzc;
pub use ops::{Described, SendReceive, ZfsOps};
