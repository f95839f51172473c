//! volclone-core: all of volclone's logic.
//!
//! - [`request`]: the facts about a source and a target volume (request format, version 1).
//! - [`planner`]: a pure function from those facts to an ordered [`plan::Plan`].
//! - [`copy`]: the parallel, zero-aware block copier that replaces LINSTOR's `dd`.
//!
//! The CLI, the C ABI and the JNI bindings are thin skins over this crate.
#![deny(missing_docs)]

pub mod copy;
pub mod error;
pub mod exec;
pub mod examples;
pub mod names;
pub mod options_json;
pub mod plan;
pub mod planner;
pub mod request;
pub mod state;
#[cfg(feature = "schema")]
pub mod schema;
pub mod shim;
pub mod strategy;
pub mod zfs;

pub use error::{Error, ErrorKind};
pub use plan::Plan;
pub use request::CloneRequest;
pub use strategy::Strategy;

/// The library's version (the crate version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
