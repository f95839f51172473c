//! One error type for the whole library, and the stable kind that the C and Java bindings map
//! to their status codes.

use std::path::PathBuf;

/// What went wrong, with the names and numbers an operator needs to fix it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request (JSON or struct) is malformed or inconsistent.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// An argument or option is out of range or malformed.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The planner found no usable strategy; the message lists why each was rejected.
    #[error("no clone strategy can be used: {0}")]
    NoStrategy(String),
    /// An I/O call failed.
    #[error("{op} {path}{}: {source}", offset.map(|o| format!(" at byte offset {o}")).unwrap_or_default())]
    Io {
        /// The operation, e.g. `read`, `write`, `open target`.
        op: &'static str,
        /// The file or device.
        path: PathBuf,
        /// The byte offset, for reads and writes.
        offset: Option<u64>,
        /// The OS error.
        source: std::io::Error,
    },
    /// The target is smaller than the source.
    #[error(
        "target {target} has {target_size} bytes, less than the {source_size} bytes of source {source_name}: grow the target to at least {source_size} bytes"
    )]
    TargetTooSmall {
        /// The source's name.
        source_name: String,
        /// The source's size in bytes.
        source_size: u64,
        /// The target's name.
        target: String,
        /// The target's size in bytes.
        target_size: u64,
    },
    /// Source and target share storage: the same file or device, or one built on the other.
    #[error("source {source_name} and target {target} overlap: {detail}: give a target that shares no storage with the source")]
    SameDevice {
        /// The source as given.
        source_name: String,
        /// The target as given.
        target: String,
        /// How they overlap.
        detail: String,
    },
    /// The source changed size during the copy: the copy is not a point-in-time image of it.
    #[error("source {path} changed size during the copy ({before} -> {after} bytes): copy from a snapshot, or stop writers")]
    SourceChanged {
        /// The source.
        path: PathBuf,
        /// Its size when the copy started.
        before: u64,
        /// Its size when the copy ended.
        after: u64,
    },
    /// The target is in use (mounted, held open exclusively, or claimed by another driver).
    #[error("target {path} is in use: {detail}")]
    Busy {
        /// The device or file.
        path: PathBuf,
        /// What the OS said.
        detail: String,
    },
    /// The operation was cancelled through its cancel token.
    #[error("cancelled after {done} of {total} bytes")]
    Cancelled {
        /// Bytes done when the cancel was seen.
        done: u64,
        /// Bytes in all.
        total: u64,
    },
    /// `verify` found the target differs from the source.
    #[error("verify failed: target differs from source in the {len} bytes at offset {offset}")]
    VerifyMismatch {
        /// Start of the first differing region.
        offset: u64,
        /// Length of that region.
        len: u64,
    },
    /// A bug inside volclone (a worker thread panicked); the message says what was running.
    #[error("internal error (a bug, please report it): {0}")]
    Internal(String),
    /// An operation failed, and undoing what it had made failed too: the error is the first
    /// failure's (its kind too); `leftovers` names what is left and why it could not go.
    #[error("{error}; and what this run made could not all be removed: {leftovers}")]
    Leftovers {
        /// The failure that started the undo.
        error: Box<Error>,
        /// What is left, each with the reason.
        leftovers: String,
    },
    /// An external command (e.g. `zfs`) failed.
    #[error("command `{command}` failed with {status}: {stderr}")]
    CommandFailed {
        /// The command line.
        command: String,
        /// Its exit status, as text.
        status: String,
        /// Its standard error, trimmed.
        stderr: String,
    },
}

/// The stable category of an [`Error`]; the C status codes and Java exception codes map 1:1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// See [`Error::InvalidRequest`].
    InvalidRequest,
    /// See [`Error::InvalidArgument`].
    InvalidArgument,
    /// See [`Error::NoStrategy`].
    NoStrategy,
    /// See [`Error::Io`].
    Io,
    /// See [`Error::TargetTooSmall`].
    TargetTooSmall,
    /// See [`Error::SameDevice`].
    SameDevice,
    /// See [`Error::Busy`].
    Busy,
    /// See [`Error::Cancelled`].
    Cancelled,
    /// See [`Error::VerifyMismatch`].
    VerifyMismatch,
    /// See [`Error::CommandFailed`].
    CommandFailed,
    /// See [`Error::Internal`].
    Internal,
}

impl Error {
    /// The error's stable category.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidRequest(_) => ErrorKind::InvalidRequest,
            Error::InvalidArgument(_) => ErrorKind::InvalidArgument,
            Error::NoStrategy(_) => ErrorKind::NoStrategy,
            Error::Io { .. } | Error::SourceChanged { .. } => ErrorKind::Io,
            Error::TargetTooSmall { .. } => ErrorKind::TargetTooSmall,
            Error::SameDevice { .. } => ErrorKind::SameDevice,
            Error::Busy { .. } => ErrorKind::Busy,
            Error::Cancelled { .. } => ErrorKind::Cancelled,
            Error::VerifyMismatch { .. } => ErrorKind::VerifyMismatch,
            Error::CommandFailed { .. } => ErrorKind::CommandFailed,
            Error::Internal(_) => ErrorKind::Internal,
            Error::Leftovers { error, .. } => error.kind(),
        }
    }

    /// Builds an [`Error::Io`].
    pub fn io(op: &'static str, path: impl Into<PathBuf>, offset: Option<u64>, source: std::io::Error) -> Self {
        Error::Io { op, path: path.into(), offset, source }
    }
}

/// The text of a panic payload (a `&str` or `String` message, else a placeholder).
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
