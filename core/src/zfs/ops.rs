//! The ZFS operations the executor needs.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use crate::copy::{CancelToken, Progress};
use crate::error::Result;

/// A `zfs send | zfs receive` to run.
#[derive(Debug, Clone)]
pub struct SendReceive {
    /// `dataset@snap` to send.
    pub snapshot: String,
    /// Dataset to receive into (must not exist unless `force`).
    pub target: String,
    /// Raw send (`-w`); the receive is then raw too.
    pub raw: bool,
    /// `--embed`.
    pub embed: bool,
    /// `--large-block`.
    pub large_block: bool,
    /// `--compressed`.
    pub compressed: bool,
    /// `receive -F` (only for reproducing LINSTOR).
    pub force: bool,
    /// `receive -o k=v`.
    pub receive_properties: BTreeMap<String, String>,
    /// Bytes per second at most through volclone (None: unlimited).
    pub rate_limit: Option<u64>,
    /// The stream's expected size (`zfs send -nP`), for progress totals; 0 while unknown. Shared,
    /// so the estimate can arrive while the stream already runs.
    pub estimated_bytes: Arc<AtomicU64>,
    /// Resume an interrupted receive: the target's `receive_resume_token` (`zfs send -t`); the
    /// other send flags are in the token.
    pub resume_token: Option<String>,
    /// Keep a partial receive for resuming (`zfs receive -s`).
    pub resumable: bool,
    /// The stream is read from volclone's standard input (a sender already runs, such as
    /// LINSTOR's `zfs send` piped into the shim); `snapshot` is what it carries.
    pub from_stdin: bool,
}

/// Properties of several names at once: name → its properties, or `None` where it does not exist.
pub type Described = BTreeMap<String, Option<BTreeMap<String, String>>>;

/// ZFS operations. Errors name the command (or call), its status and its message.
pub trait ZfsOps: Sync {
    /// `zfs snapshot -o k=v SNAPSHOT`.
    fn snapshot(&self, snapshot: &str, properties: &BTreeMap<String, String>) -> Result<()>;
    /// Streams a send into a receive through volclone (progress, rate limit, cancel); returns bytes.
    fn send_receive(&self, sr: &SendReceive, progress: &dyn Progress, cancel: &CancelToken) -> Result<u64>;
    /// The size `zfs send -nP` expects for the stream `sr` would send.
    fn send_size(&self, sr: &SendReceive) -> Result<u64>;
    /// What a resume token resumes: the snapshot it sends (`toname`) and the bytes received so far.
    fn resume_info(&self, token: &str) -> Result<(String, u64)>;
    /// Discards a partial (resumable) receive into `dataset` (`zfs receive -A`).
    fn abort_receive(&self, dataset: &str) -> Result<()>;
    /// Every property set locally on `dataset` (`zfs get -s local all`): native ones such as
    /// `compression` or `volsize`, and user ones (`module:name`).
    fn local_properties(&self, dataset: &str) -> Result<BTreeMap<String, String>>;
    /// Writes out everything pending in `pool` (`zpool sync`), so space figures are current.
    fn sync_pool(&self, pool: &str) -> Result<()>;
    /// `zfs clone SNAPSHOT TARGET`.
    fn clone_snapshot(&self, snapshot: &str, target: &str) -> Result<()>;
    /// `zfs destroy NAME` (a dataset or a snapshot; never recursive).
    fn destroy(&self, name: &str) -> Result<()>;
    /// `zfs rename FROM TO`.
    fn rename(&self, from: &str, to: &str) -> Result<()>;
    /// `zfs set PROPERTY=VALUE DATASET`.
    fn set(&self, dataset: &str, property: &str, value: &str) -> Result<()>;
    /// `zfs inherit PROPERTY DATASET`.
    fn inherit(&self, dataset: &str, property: &str) -> Result<()>;
    /// Where a property's value comes from: `local`, `default`, `inherited from ...`, ...
    fn source_of(&self, dataset: &str, property: &str) -> Result<String>;
    /// `zfs get -Hp` of `properties`: parsable values, `-` where not applicable.
    fn get(&self, dataset: &str, properties: &[&str]) -> Result<BTreeMap<String, String>>;
    /// `properties` of every one of `names` (datasets or snapshots), `None` for those that do not
    /// exist. The command backend asks once for all of them.
    fn get_many(&self, names: &[&str], properties: &[&str]) -> Result<Described> {
        names.iter().map(|n| Ok((n.to_string(), if self.exists(n)? { Some(self.get(n, properties)?) } else { None }))).collect()
    }
    /// Whether a dataset or snapshot exists.
    fn exists(&self, name: &str) -> Result<bool>;
    /// Snapshots of a dataset (names with `@`), and its child datasets.
    fn dependents(&self, dataset: &str) -> Result<Vec<String>>;
    /// `zfs load-key DATASET`.
    fn load_key(&self, dataset: &str) -> Result<()>;
    /// The OpenZFS version (`zfs version`), e.g. `zfs-2.1.11-1+deb12u1`.
    fn version(&self) -> Result<String>;
}
