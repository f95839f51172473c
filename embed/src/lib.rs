//! What libvolclone (the C ABI) and libvolclone_jni (the JVM's natives) share, with no exported
//! symbol of its own: the status codes and the bridge from the library's `tracing` events to
//! the host's logger. Two libraries, so each exports only its own surface.
#![allow(non_camel_case_types)]
#![deny(missing_docs)]

pub mod log;
mod status;

pub use status::volclone_status;
