//! Clone strategies: LINSTOR's four (with `DD` as [`Strategy::BlockCopy`]) plus raw send.

use serde::{Deserialize, Serialize};

/// A way to clone a volume. Names and priorities follow LINSTOR's
/// `DeviceHandler.CloneStrategy`; lower priority numbers are preferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Strategy {
    /// `lvcreate --snapshot` of the source thin LV (same thin pool only).
    LvmThinClone,
    /// `zfs clone SRC@snap TGT` (same zpool, only with `use_zfs_clone`).
    ZfsClone,
    /// `zfs send` (not raw) piped to `zfs receive`: decrypted on send, re-encrypted on receive.
    ZfsCopy,
    /// `zfs send -w` (raw): ciphertext is copied as is, the target keeps the source's key.
    ZfsRawCopy,
    /// volclone's parallel block copy (LINSTOR's `DD` slot).
    #[serde(alias = "DD")]
    BlockCopy,
}

impl Strategy {
    /// Every strategy, in priority order.
    pub const ALL: [Strategy; 5] = [
        Strategy::LvmThinClone,
        Strategy::ZfsClone,
        Strategy::ZfsCopy,
        Strategy::ZfsRawCopy,
        Strategy::BlockCopy,
    ];

    /// LINSTOR's priority number: the lowest usable one wins.
    pub fn priority(self) -> u32 {
        match self {
            Strategy::LvmThinClone | Strategy::ZfsClone => 0,
            Strategy::ZfsCopy => 10,
            Strategy::ZfsRawCopy => 11,
            Strategy::BlockCopy => 90,
        }
    }

    /// Whether LINSTOR must open (activate) both devices before the clone runs.
    pub fn needs_open_devices(self) -> bool {
        !matches!(self, Strategy::LvmThinClone | Strategy::ZfsClone)
    }

    /// volclone's name for the strategy (as in the JSON formats).
    pub fn name(self) -> &'static str {
        match self {
            Strategy::LvmThinClone => "LVM_THIN_CLONE",
            Strategy::ZfsClone => "ZFS_CLONE",
            Strategy::ZfsCopy => "ZFS_COPY",
            Strategy::ZfsRawCopy => "ZFS_RAW_COPY",
            Strategy::BlockCopy => "BLOCK_COPY",
        }
    }

    /// The name in LINSTOR's `DeviceHandler.CloneStrategy` enum, one-to-one: `DD` for the block
    /// copy, `ZFS_RAW_COPY` (the value a fork adds) for the raw send, the same name otherwise.
    /// Never another strategy's name: a raw send mapped to `ZFS_COPY` would run exactly the
    /// send that the plan rejected.
    pub fn linstor_name(self) -> &'static str {
        match self {
            Strategy::BlockCopy => "DD",
            other => other.name(),
        }
    }

    /// Parses a name as written in requests: volclone's names, and `DD` for [`Strategy::BlockCopy`].
    pub fn from_name(name: &str) -> Option<Strategy> {
        if name == "DD" {
            return Some(Strategy::BlockCopy);
        }
        Strategy::ALL.into_iter().find(|s| s.name() == name)
    }
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
