//! libvolclone: the C ABI over volclone-core. One module per C concept; no logic of its own.
//!
//! Conventions (as rustls-ffi): every function returns a [`volclone_status`] (or a value that
//! cannot fail); inputs first, then outputs; outputs are written only on success; objects made by
//! the library are freed by the matching `_free`, which accepts NULL; no panic crosses the
//! boundary (it becomes `VOLCLONE_STATUS_PANIC`). The message of the last error is kept per
//! thread ([`volclone_last_error`]).
#![allow(non_camel_case_types)]
// Exported functions take raw pointers from C and check them (ptr.rs) before any use.
#![allow(clippy::not_unsafe_ptr_arg_deref)]
#![deny(missing_docs)]

#[macro_use]
mod panic;
#[macro_use]
mod ptr;
mod cancel;
mod copy;
mod error;
mod exec;
mod log;
mod plan;
mod string;
mod version;

pub use cancel::*;
pub use copy::*;
pub use error::*;
pub use exec::*;
pub use log::*;
pub use plan::*;
pub use string::*;
pub use version::*;
