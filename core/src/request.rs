//! The facts the planner needs about a source and a target volume: the request format,
//! version 1. Field names are a contract shared with the C and Java bindings.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::names;
use crate::strategy::Strategy;

/// The request format version this library reads and writes.
pub const REQUEST_VERSION: u32 = 1;

/// A clone request: what is known about both volumes, and the caller's options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CloneRequest {
    /// Format version; must be [`REQUEST_VERSION`].
    pub version: u32,
    /// The volume to copy from (never written).
    pub source: VolumeFacts,
    /// The volume to copy to.
    pub target: VolumeFacts,
    /// Caller's choices.
    #[serde(default)]
    pub options: PlanOptions,
}

/// LINSTOR's `DeviceProviderKind` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum ProviderKind {
    Diskless,
    Lvm,
    LvmThin,
    Zfs,
    ZfsThin,
    File,
    FileThin,
    Spdk,
    RemoteSpdk,
    EbsInit,
    EbsTarget,
    StorageSpaces,
    StorageSpacesThin,
}

impl ProviderKind {
    /// Thin-provisioned: unwritten blocks read back as zeros and cost no space.
    pub fn is_thin(self) -> bool {
        matches!(
            self,
            ProviderKind::LvmThin | ProviderKind::ZfsThin | ProviderKind::FileThin | ProviderKind::StorageSpacesThin
        )
    }

    /// A ZFS zvol (thick or thin).
    pub fn is_zfs(self) -> bool {
        matches!(self, ProviderKind::Zfs | ProviderKind::ZfsThin)
    }

    /// LINSTOR's name for the kind.
    pub fn name(self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    }
}

/// LINSTOR's `DeviceLayerKind` names, top to bottom of a volume's stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum LayerKind {
    Drbd,
    Luks,
    Nvme,
    Writecache,
    Cache,
    Bcache,
    Storage,
}

impl LayerKind {
    /// LINSTOR's name for the kind.
    pub fn name(self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    }
}

/// LINSTOR names of a layer stack, e.g. `DRBD,LUKS,STORAGE`.
pub fn layer_names(layers: &[LayerKind]) -> String {
    layers.iter().map(|l| l.name()).collect::<Vec<_>>().join(",")
}

/// How "unset" is spelt in the facts callers pass on as ZFS and LINSTOR print them: `zfs get`
/// prints `-` for a property that does not apply (`encryptionroot`, `keystatus` of an
/// unencrypted dataset) and `none` for a `keylocation` that is not the root's; callers of
/// 0.1.0 also sent `""`. Every such spelling reads as the field being absent.
pub(crate) mod unset {
    use serde::{Deserialize, Deserializer};

    /// `""` or `-`.
    pub(crate) fn is_unset(v: &str) -> bool {
        v.is_empty() || v == "-"
    }

    /// An optional string where `""` and `-` mean absent.
    pub(crate) fn string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(Option::<String>::deserialize(d)?.filter(|v| !is_unset(v)))
    }

    /// A `keylocation`: `""`, `-` and `none` (what a dataset that is not the encryption root
    /// shows) mean absent.
    pub(crate) fn key_location<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(string(d)?.filter(|v| v != "none"))
    }

    /// An optional enum where `""` and `-` mean absent.
    pub(crate) fn enumerated<'de, D: Deserializer<'de>, T: serde::de::DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
        match Option::<serde_json::Value>::deserialize(d)? {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) if is_unset(&s) => Ok(None),
            Some(v) => T::deserialize(v).map(Some).map_err(serde::de::Error::custom),
        }
    }
}

/// Where DRBD keeps its metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DrbdMetadata {
    /// At the end of the backing device (LINSTOR's default): part of what a copy carries.
    Internal,
    /// On a separate device.
    External,
    /// No DRBD.
    None,
}

/// Whether an encrypted dataset's key is loaded (`zfs get keystatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    /// Loaded: data can be read and written.
    Available,
    /// Not loaded: the zvol has no device node; only a raw send can read it.
    Unavailable,
    /// Not encrypted (also read from `-` and `""`, how `zfs get keystatus` shows it then).
    #[serde(alias = "-", alias = "")]
    None,
}

/// ZFS encryption facts. For the source, its own; for the target, what the target has if it
/// exists, else what a new dataset at that name inherits from its parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ZfsFacts {
    /// `encryption` property: `off`, or a cipher such as `aes-256-gcm`. `-` (or `""`) with
    /// `key_status` none reads as `off`; with a key status it counts as encrypted, as in 0.1.0.
    pub encryption: String,
    /// `encryptionroot` property (absent, `""` or `-` when not encrypted).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "unset::string")]
    pub encryption_root: Option<String>,
    /// `keystatus` property.
    pub key_status: KeyStatus,
    /// `keylocation` of the encryption root (e.g. `file:///etc/zfs/key`), when known; absent,
    /// `""`, `-` or `none` (what a dataset below the root shows) when not known.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "unset::key_location")]
    pub key_location: Option<String>,
}

impl ZfsFacts {
    /// Unencrypted facts.
    pub fn plain() -> Self {
        ZfsFacts { encryption: "off".into(), encryption_root: None, key_status: KeyStatus::None, key_location: None }
    }

    /// Whether the data is encrypted at rest by ZFS: `encryption` is not `off`, nor an unset
    /// spelling with no key status.
    pub fn is_encrypted(&self) -> bool {
        !(self.encryption == "off" || (unset::is_unset(self.encryption.trim()) && self.key_status == KeyStatus::None))
    }
}

/// What is known about one volume.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct VolumeFacts {
    /// The storage provider.
    pub provider: ProviderKind,
    /// LINSTOR storage pool name.
    pub storage_pool: String,
    /// Layer stack, top to bottom (default: `["STORAGE"]`).
    #[serde(default = "default_layers")]
    pub layers: Vec<LayerKind>,
    /// DRBD metadata placement (default: `internal` with DRBD in `layers`, else `none`; `""`
    /// and `-` mean the default).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "unset::enumerated")]
    pub drbd_metadata: Option<DrbdMetadata>,
    /// ZFS dataset (`pool/path/vol`), LV (`vg/lv`) or file path.
    pub volume: String,
    /// The device a block copy reads or writes; derived from `volume` (and `snapshot`) when
    /// absent. For a source with a `snapshot`, the snapshot's device (LINSTOR's
    /// `/dev/zvol/<vol>@CF_<hex>`, or `/dev/mapper/...CF_...` through LUKS). `""` and `-` mean absent.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "unset::string")]
    pub device_path: Option<String>,
    /// Source only: the existing snapshot to clone from (ZFS: the name after `@`, or
    /// `volume@name`; LVM-thin: the snapshot LV's name in the source's VG). Given, no snapshot
    /// is taken and this one is never changed or destroyed: every strategy reads this point in
    /// time, and its owner deletes it. `""` and `-` mean none.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "unset::string")]
    pub snapshot: Option<String>,
    /// Size of the storage volume in bytes.
    pub size_bytes: u64,
    /// Whether the volume exists already (for the target: pre-created by LINSTOR).
    #[serde(default)]
    pub exists: bool,
    /// ZFS encryption facts; required for `ZFS` and `ZFS_THIN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zfs: Option<ZfsFacts>,
}

fn default_layers() -> Vec<LayerKind> {
    vec![LayerKind::Storage]
}

impl VolumeFacts {
    /// Whether `layer` is anywhere in the stack.
    pub fn has_layer(&self, layer: LayerKind) -> bool {
        self.layers.contains(&layer)
    }

    /// DRBD metadata placement with its default applied.
    pub fn drbd_metadata(&self) -> DrbdMetadata {
        match (self.drbd_metadata, self.has_layer(LayerKind::Drbd)) {
            (Some(m), _) => m,
            (None, true) => DrbdMetadata::Internal,
            (None, false) => DrbdMetadata::None,
        }
    }

    /// ZFS encryption is on (the source's own, or what the target has or will inherit).
    pub fn zfs_encrypted(&self) -> bool {
        self.zfs.as_ref().is_some_and(ZfsFacts::is_encrypted)
    }

    /// Data is encrypted at rest: by ZFS, or by a LUKS layer.
    pub fn encrypted_at_rest(&self) -> bool {
        self.zfs_encrypted() || self.has_layer(LayerKind::Luks)
    }

    /// ZFS key status (`none` for non-ZFS volumes).
    pub fn key_status(&self) -> KeyStatus {
        self.zfs.as_ref().map_or(KeyStatus::None, |z| z.key_status)
    }

    /// The device path for block I/O: `device_path`, else derived from provider and volume.
    pub fn device(&self) -> String {
        if let Some(p) = &self.device_path {
            return p.clone();
        }
        match self.provider {
            ProviderKind::Zfs | ProviderKind::ZfsThin => format!("/dev/zvol/{}", self.volume),
            ProviderKind::Lvm | ProviderKind::LvmThin => format!("/dev/{}", self.volume),
            _ => self.volume.clone(),
        }
    }

    /// The snapshot's own name (the part after `@` for ZFS), when one is given.
    pub fn snapshot_name(&self) -> Option<&str> {
        self.snapshot.as_deref().map(|s| s.rsplit_once('@').map_or(s, |(_, n)| n))
    }

    /// For a ZFS source with a snapshot: `volume@name`.
    pub fn zfs_snapshot(&self) -> Option<String> {
        self.snapshot_name().filter(|_| self.provider.is_zfs()).map(|n| format!("{}@{n}", self.volume))
    }

    /// The device a block copy reads: `device_path`, else the snapshot's device when a snapshot
    /// is given (`/dev/zvol/<vol>@<snap>`, `/dev/<vg>/<snap lv>`), else [`VolumeFacts::device`].
    pub fn read_device(&self) -> String {
        match (&self.device_path, self.snapshot_name()) {
            (Some(p), _) => p.clone(),
            (None, Some(snap)) if self.provider.is_zfs() => format!("/dev/zvol/{}@{snap}", self.volume),
            (None, Some(snap)) if matches!(self.provider, ProviderKind::Lvm | ProviderKind::LvmThin) => {
                format!("/dev/{}/{snap}", self.container())
            }
            _ => self.device(),
        }
    }

    /// For ZFS, the pool (first component of the dataset); for LVM, the volume group.
    pub fn container(&self) -> &str {
        self.volume.split('/').next().unwrap_or("")
    }
}

/// The caller's choices.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PlanOptions {
    /// Allow `ZFS_CLONE` (LINSTOR's `UseZFSClone`).
    #[serde(default)]
    pub use_zfs_clone: bool,
    /// Allow copies that store an encrypted source as plaintext.
    #[serde(default)]
    pub allow_decrypt: bool,
    /// Strategies the caller does not want (names; `DD` means `BLOCK_COPY`).
    #[serde(default)]
    pub forbid: Vec<Strategy>,
    /// OpenZFS version on the node (e.g. `2.1.11`), when known (`""` and `-`: not known).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "unset::string")]
    pub zfs_version: Option<String>,
    /// Reproduce LINSTOR 1.34's stock choice instead of volclone's rules.
    #[serde(default)]
    pub linstor_stock: bool,
}

/// The largest request accepted, in bytes (a real one is under 2 KiB).
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;

impl CloneRequest {
    /// Parses and validates a JSON request. Errors name the field (or line and column) and the fix.
    pub fn from_json(text: &str) -> Result<Self> {
        if text.len() > MAX_REQUEST_BYTES {
            return Err(Error::InvalidRequest(format!(
                "the request has {} bytes, over the {MAX_REQUEST_BYTES}-byte limit: a request describes two volumes in well under 2 KiB",
                text.len()
            )));
        }
        let req: CloneRequest = serde_json::from_str(text).map_err(|e| {
            let what = match e.classify() {
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof => "malformed JSON",
                _ => "bad request field",
            };
            Error::InvalidRequest(format!("{what} at line {} column {}: {}", e.line(), e.column(), strip_position(&e)))
        })?;
        req.validate()?;
        Ok(req)
    }

    /// Serializes the request as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks what serde cannot: version, sizes, and ZFS facts where they are needed: what makes
    /// a request one the planner can reason about. Names are checked apart
    /// ([`CloneRequest::names_error`]): a request 0.1.0 accepted stays accepted, and a name no
    /// command may be given makes every strategy rejected, never run.
    pub fn validate(&self) -> Result<()> {
        if self.version != REQUEST_VERSION {
            return Err(Error::InvalidRequest(format!(
                "version {} is not supported: this volclone reads version {REQUEST_VERSION}",
                self.version
            )));
        }
        validate_volume("source", &self.source)?;
        validate_volume("target", &self.target)?;
        if self.target.snapshot.is_some() {
            return Err(Error::InvalidRequest("target.snapshot is set: only the source is read from a snapshot; remove it".into()));
        }
        if let Some(v) = &self.options.zfs_version {
            ZfsVersion::parse(v)?;
        }
        Ok(())
    }

    /// Why a name in the request cannot be given to a command (by ZFS's, LVM's or the path
    /// grammar: a leading `-`, a control character, `..`, a character the tool refuses), or
    /// `None`. The planner then rejects every strategy with this reason, and the executor runs
    /// nothing.
    pub fn names_error(&self) -> Option<Error> {
        let check = || -> Result<()> {
            validate_names("source", &self.source)?;
            validate_names("target", &self.target)?;
            if let Some(v) = &self.options.zfs_version {
                names::label("options.zfs_version", v, 64)?;
            }
            Ok(())
        };
        check().err()
    }

    /// The parsed `options.zfs_version` (already validated).
    pub fn zfs_version(&self) -> Option<ZfsVersion> {
        self.options.zfs_version.as_deref().and_then(|v| ZfsVersion::parse(v).ok())
    }
}

fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

/// The names of one side, each by its own grammar (see [`crate::names`]).
fn validate_names(side: &str, v: &VolumeFacts) -> Result<()> {
    let f = |name: &str| format!("{side}.{name}");
    names::label(&f("storage_pool"), &v.storage_pool, 255)?;
    match v.provider {
        ProviderKind::Zfs | ProviderKind::ZfsThin => names::zfs_dataset(&f("volume"), &v.volume)?,
        ProviderKind::Lvm | ProviderKind::LvmThin => names::lvm_volume(&f("volume"), &v.volume)?,
        ProviderKind::File | ProviderKind::FileThin => names::path(&f("volume"), &v.volume)?,
        _ => {
            names::label(&f("volume"), &v.volume, names::PATH_MAX)?;
            if v.volume.starts_with('-') {
                return Err(Error::InvalidRequest(format!("{} starts with '-': give a name that cannot read as an option", f("volume"))));
            }
        }
    }
    if let Some(p) = &v.device_path {
        names::path(&f("device_path"), p)?;
    }
    if let Some(snap) = &v.snapshot {
        if let Some((vol, _)) = snap.rsplit_once('@')
            && vol != v.volume
        {
            return Err(Error::InvalidRequest(format!(
                "{} {snap:?} is a snapshot of {vol}, not of {}: give a snapshot of the volume",
                f("snapshot"),
                v.volume
            )));
        }
        let name = v.snapshot_name().unwrap_or_default();
        match v.provider {
            ProviderKind::Zfs | ProviderKind::ZfsThin => names::zfs_snapshot_name(&f("snapshot"), &v.volume, name)?,
            ProviderKind::Lvm | ProviderKind::LvmThin => names::lvm_name(&f("snapshot"), name)?,
            other => {
                return Err(Error::InvalidRequest(format!(
                    "{} is set for provider {}: snapshots are read on ZFS and LVM; give the snapshot's device as device_path instead",
                    f("snapshot"),
                    other.name()
                )));
            }
        }
    }
    if let Some(z) = &v.zfs {
        names::label(&f("zfs.encryption"), &z.encryption, 64)?;
        if let Some(root) = &z.encryption_root {
            names::zfs_dataset(&f("zfs.encryption_root"), root)?;
        }
        if let Some(l) = &z.key_location {
            names::label(&f("zfs.key_location"), l, names::PATH_MAX)?;
        }
    }
    Ok(())
}

fn validate_volume(side: &str, v: &VolumeFacts) -> Result<()> {
    let bad = |msg: String| Err(Error::InvalidRequest(format!("{side}: {msg}")));
    if v.volume.trim().is_empty() {
        return bad("`volume` is empty: give the ZFS dataset, LV (vg/lv) or file path".into());
    }
    if v.size_bytes == 0 {
        return bad("`size_bytes` is 0: give the volume's size in bytes".into());
    }
    if v.layers.is_empty() {
        return bad("`layers` is empty: list the stack top to bottom, ending in STORAGE".into());
    }
    if matches!(v.provider, ProviderKind::Diskless) {
        return bad("provider DISKLESS has no data to clone: pick a diskful resource".into());
    }
    if v.drbd_metadata.is_some_and(|m| m != DrbdMetadata::None) && !v.has_layer(LayerKind::Drbd) {
        return bad("`drbd_metadata` is set but `layers` has no DRBD: add DRBD or set it to none".into());
    }
    match (&v.zfs, v.provider.is_zfs()) {
        (None, true) => {
            return bad(format!(
                "`zfs` facts are required for provider {}: give encryption, encryption_root and key_status \
                 (`zfs get encryption,encryptionroot,keystatus {}`)",
                v.provider.name(),
                v.volume
            ));
        }
        (Some(_), false) => {
            return bad(format!("`zfs` facts given for non-ZFS provider {}: remove them", v.provider.name()));
        }
        (Some(z), true) => {
            if z.encryption.trim().is_empty() {
                return bad("`zfs.encryption` is empty: give `off` or the cipher".into());
            }
            match (z.is_encrypted(), z.key_status) {
                (true, KeyStatus::None) => {
                    return bad(format!(
                        "`zfs.encryption` is {} but `zfs.key_status` is none: give available or unavailable",
                        z.encryption
                    ));
                }
                (false, KeyStatus::Available | KeyStatus::Unavailable) => {
                    return bad("`zfs.encryption` is off but `zfs.key_status` is not none: give none".into());
                }
                _ => {}
            }
        }
        (None, false) => {}
    }
    Ok(())
}

/// An OpenZFS version, e.g. parsed from `2.1.11`, `zfs-2.1.11-1+deb12u1` or `2.3.2-2~bpo12+2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ZfsVersion {
    /// Major number.
    pub major: u32,
    /// Minor number.
    pub minor: u32,
    /// Patch number (0 when absent).
    pub patch: u32,
}

impl ZfsVersion {
    /// The first version with native encryption and raw send (`zfs send -w`).
    pub const RAW_SEND: ZfsVersion = ZfsVersion { major: 0, minor: 8, patch: 0 };

    /// Parses a version string; the error names the value and the expected form.
    pub fn parse(text: &str) -> Result<Self> {
        let core = text.trim().trim_start_matches("zfs-").split(['-', '~', '+']).next().unwrap_or("");
        let mut parts = core.split('.').map(|p| p.parse::<u32>());
        let bad = || Error::InvalidRequest(format!("options.zfs_version {text:?} is not a version: give e.g. \"2.1.11\""));
        let major = parts.next().and_then(|r| r.ok()).ok_or_else(bad)?;
        let minor = parts.next().and_then(|r| r.ok()).ok_or_else(bad)?;
        let patch = match parts.next() {
            Some(r) => r.map_err(|_| bad())?,
            None => 0,
        };
        Ok(ZfsVersion { major, minor, patch })
    }
}

impl std::fmt::Display for ZfsVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}
