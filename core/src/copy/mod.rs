//! The block copier that replaces LINSTOR's `dd`: several workers copy aligned chunks with
//! positional I/O, out of order, each with one reused buffer; zero runs are skipped, punched or
//! zeroed-out instead of written (per [`SparseMode`]); source holes are not read; the target is
//! flushed at the end and can be verified. Block-device targets get O_DIRECT by default
//! ([`IoMode::Auto`]).

mod buffer;
mod device;
mod engine;
mod extents;
mod options;
mod progress;
mod rate;
mod report;
mod verify;
mod zero;

pub use device::block_device_size;
pub use engine::copy;
pub use options::{CopyOptions, IoMode, SparseMode, parse_size};
pub use progress::{CancelToken, NoProgress, Progress, ProgressUpdate};
pub use report::{CopyReport, VerifyReport, ZeroMethod};
pub use zero::is_zero;
