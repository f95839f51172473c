//! libvolclone_jni: the JNI natives of `io.volclone.Native` (java-bindings/), the same core calls
//! as the C ABI. A library of its own, carried in the jar, so the C library exports only the
//! header's functions and the JVM loads nothing else.
//!
//! Every body runs in [`error::run`]: `Err` becomes a Java exception (domain errors a checked
//! `io.volclone.VolcloneException` with the C status code), a panic a `RuntimeException`, and the
//! native returns a default value. Nothing unwinds into the JVM.

#![deny(missing_docs)]

mod cancel;
mod copy;
mod error;
mod exec;
mod log;
mod plan;
mod progress;
