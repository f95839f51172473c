//! The block copier that replaces LINSTOR's `dd`: several workers copy aligned chunks with
//! positional I/O, out of order, each with one reused buffer; zero runs are not written but made
//! to read zeros by the means the target's kind guarantees (per [`SparseMode`]; the zeroing
//! layer's table is in `zeroing.rs`, and the report names the method and why); source holes are
//! not read; the target is flushed at the end and can be verified. By default
//! ([`IoMode::Auto`]) anything with a block device is copied with O_DIRECT, a pair of regular
//! files through the page cache, which is left as the copy found it ([`IoMode::Streaming`]).
//! Source and target that share storage in any way are refused, and a file target (or a loop
//! target's backing file) is locked for the whole copy.

mod buffer;
pub mod checkpoint;
mod device;
mod engine;
mod extents;
mod identity;
mod options;
mod overlap;
mod pagecache;
mod progress;
mod rate;
mod report;
mod sysblock;
mod txgpace;
mod verify;
mod zero;
mod zeroing;

pub use device::block_device_size;
pub use engine::copy;
pub use options::{CopyOptions, IoMode, MAX_BUFFER_BYTES, SparseMode, parse_size};
pub(crate) use options::rate_or_unlimited;
pub use progress::{CancelToken, NoProgress, Progress, ProgressUpdate, on_reporter_thread};
pub use report::{CopyReport, VerifyReport, ZeroMethod};
pub use zero::is_zero;
