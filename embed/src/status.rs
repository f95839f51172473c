//! The status codes of the C ABI, which the Java bindings use too (`VolcloneException.status`).

use volclone_core::ErrorKind;

/// What a call did. The numbers are stable and never reused.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum volclone_status {
    /// Success.
    Ok = 0,
    /// An argument is out of range or malformed (see the last error message).
    InvalidArgument = 1,
    /// The JSON request is malformed or inconsistent.
    InvalidRequest = 2,
    /// The planner found no usable strategy (the plan says why).
    NoStrategy = 3,
    /// An I/O call failed.
    Io = 4,
    /// The target is smaller than the source.
    TargetTooSmall = 5,
    /// Source and target are the same file or device.
    SameDevice = 6,
    /// The target is in use.
    Busy = 7,
    /// Cancelled through a cancel handle.
    Cancelled = 8,
    /// Verification found a difference.
    VerifyMismatch = 9,
    /// An external command failed.
    CommandFailed = 10,
    /// A required pointer was NULL.
    NullPointer = 11,
    /// A string was not valid UTF-8.
    InvalidUtf8 = 12,
    /// A bug: the library panicked; the call had no effect beyond what the message says.
    Panic = 13,
}

impl From<ErrorKind> for volclone_status {
    fn from(k: ErrorKind) -> Self {
        match k {
            ErrorKind::InvalidRequest => volclone_status::InvalidRequest,
            ErrorKind::InvalidArgument => volclone_status::InvalidArgument,
            ErrorKind::NoStrategy => volclone_status::NoStrategy,
            ErrorKind::Io => volclone_status::Io,
            ErrorKind::TargetTooSmall => volclone_status::TargetTooSmall,
            ErrorKind::SameDevice => volclone_status::SameDevice,
            ErrorKind::Busy => volclone_status::Busy,
            ErrorKind::Cancelled => volclone_status::Cancelled,
            ErrorKind::VerifyMismatch => volclone_status::VerifyMismatch,
            ErrorKind::CommandFailed => volclone_status::CommandFailed,
            ErrorKind::Internal => volclone_status::Panic,
        }
    }
}
