//! Reads the facts the planner needs from the system: encryption, encryption root, key status
//! and location, volsize, refreservation, existence. A missing target is described by what it
//! would inherit from its parent.

use crate::error::{Error, Result};
use crate::request::{KeyStatus, LayerKind, ProviderKind, VolumeFacts, ZfsFacts};

use super::ZfsOps;

const PROPS: [&str; 7] = ["type", "volsize", "refreservation", "encryption", "encryptionroot", "keystatus", "keylocation"];

fn value(v: Option<&String>) -> Option<String> {
    v.filter(|s| !s.is_empty() && *s != "-").cloned()
}

fn zfs_facts(ops: &dyn ZfsOps, dataset: &str) -> Result<(ZfsFacts, std::collections::BTreeMap<String, String>)> {
    let p = ops.get(dataset, &PROPS)?;
    let encryption = value(p.get("encryption")).unwrap_or_else(|| "off".into());
    let encrypted = encryption != "off";
    let key_status = match value(p.get("keystatus")).as_deref() {
        _ if !encrypted => KeyStatus::None,
        Some("available") => KeyStatus::Available,
        _ => KeyStatus::Unavailable,
    };
    let encryption_root = if encrypted { value(p.get("encryptionroot")) } else { None };
    // keylocation lives on the encryption root.
    let key_location = match &encryption_root {
        Some(root) if root != dataset => value(ops.get(root, &["keylocation"])?.get("keylocation")),
        Some(_) => value(p.get("keylocation")),
        None => None,
    }
    .filter(|l| l != "none");
    Ok((ZfsFacts { encryption, encryption_root, key_status, key_location }, p))
}

fn parent(dataset: &str) -> Result<&str> {
    dataset
        .rsplit_once('/')
        .map(|(p, _)| p)
        .ok_or_else(|| Error::InvalidArgument(format!("{dataset} has no parent dataset: give pool/.../volume")))
}

/// Facts of an existing zvol.
pub fn existing_volume(ops: &dyn ZfsOps, dataset: &str) -> Result<VolumeFacts> {
    if !ops.exists(dataset)? {
        return Err(Error::InvalidArgument(format!("{dataset} does not exist: give an existing zvol")));
    }
    let (zfs, p) = zfs_facts(ops, dataset)?;
    if p.get("type").map(String::as_str) != Some("volume") {
        return Err(Error::InvalidArgument(format!("{dataset} is a {}, not a zvol: volclone clones volumes", p.get("type").map_or("?", |s| s))));
    }
    let size_bytes = value(p.get("volsize")).and_then(|v| v.parse().ok()).unwrap_or(0);
    let thin = matches!(value(p.get("refreservation")).as_deref(), None | Some("0") | Some("none"));
    Ok(zvol(dataset, if thin { ProviderKind::ZfsThin } else { ProviderKind::Zfs }, size_bytes, true, zfs))
}

/// Facts of a source given as a zvol (`pool/vol`) or as an existing snapshot of one
/// (`pool/vol@snap`, such as LINSTOR's `@CF_<hex>`): the zvol's facts, with the snapshot to read.
pub fn source_volume(ops: &dyn ZfsOps, name: &str) -> Result<VolumeFacts> {
    let Some((dataset, snap)) = name.split_once('@') else { return existing_volume(ops, name) };
    let mut v = existing_volume(ops, dataset)?;
    if !ops.exists(name)? {
        return Err(Error::InvalidArgument(format!("snapshot {name} does not exist: give an existing snapshot of {dataset}")));
    }
    // The snapshot's size is the one that is copied (the zvol may have grown since).
    if let Some(size) = value(ops.get(name, &["volsize"])?.get("volsize")).and_then(|v| v.parse().ok()) {
        v.size_bytes = size;
    }
    v.snapshot = Some(snap.to_owned());
    Ok(v)
}

/// Facts of a target: its own if it exists; else a new zvol of `size_bytes` and `provider`
/// with the encryption it would inherit from its parent.
pub fn target_volume(ops: &dyn ZfsOps, dataset: &str, provider: ProviderKind, size_bytes: u64) -> Result<VolumeFacts> {
    if ops.exists(dataset)? {
        return existing_volume(ops, dataset);
    }
    // An earlier run destroyed the pre-created target and was stopped before its copy took the
    // name: the copy stands in for it, so the rerun finishes the swap.
    let landing = format!("{dataset}{}", crate::planner::TEMP_SUFFIX);
    if ops.exists(&landing)? && property(ops, &landing, crate::exec::TAG_PROPERTY)?.is_some() {
        let mut v = existing_volume(ops, &landing)?;
        v.volume = dataset.to_owned();
        return Ok(v);
    }
    let parent = parent(dataset)?;
    if !ops.exists(parent)? {
        return Err(Error::InvalidArgument(format!("the target's parent {parent} does not exist: create it first")));
    }
    let (zfs, _) = zfs_facts(ops, parent)?;
    Ok(zvol(dataset, provider, size_bytes, false, zfs))
}

/// One property of `name`, `None` where it is unset (`-`) or empty.
pub fn property(ops: &dyn ZfsOps, name: &str, property: &str) -> Result<Option<String>> {
    Ok(value(ops.get(name, &[property])?.get(property)))
}

/// A zvol's facts as the planner takes them (storage pool = the zpool, no layers above).
fn zvol(dataset: &str, provider: ProviderKind, size_bytes: u64, exists: bool, zfs: ZfsFacts) -> VolumeFacts {
    VolumeFacts {
        provider,
        storage_pool: pool_of(dataset).into(),
        layers: vec![LayerKind::Storage],
        drbd_metadata: None,
        volume: dataset.into(),
        device_path: None,
        snapshot: None,
        size_bytes,
        exists,
        zfs: Some(zfs),
    }
}

/// The zpool of a dataset name.
pub fn pool_of(dataset: &str) -> &str {
    dataset.split(['/', '@']).next().unwrap_or(dataset)
}

/// What a satellite needs to know of a ZFS dataset at decision time, read by volclone so that
/// the caller parses no `zfs get` output.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DatasetFacts {
    /// The dataset as asked.
    pub dataset: String,
    /// Whether it exists. When not, `zfs` holds what a new dataset there would inherit from
    /// its parent.
    pub exists: bool,
    /// Encryption facts (the dataset's own, or inherited).
    pub zfs: ZfsFacts,
    /// The OpenZFS version (`zfs version`), when it can be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zfs_version: Option<String>,
}

/// Reads the encryption facts of `dataset` (or, if it does not exist yet, of its parent) and
/// the ZFS version.
pub fn dataset_facts(ops: &dyn ZfsOps, dataset: &str) -> Result<DatasetFacts> {
    crate::names::zfs_dataset("dataset", dataset)?;
    let exists = ops.exists(dataset)?;
    let of = if exists { dataset } else { parent(dataset)? };
    if !exists && !ops.exists(of)? {
        return Err(Error::InvalidArgument(format!("neither {dataset} nor its parent {of} exists: give a dataset under an existing parent")));
    }
    let (zfs, _) = zfs_facts(ops, of)?;
    let zfs_version = ops.version().ok();
    Ok(DatasetFacts { dataset: dataset.to_owned(), exists, zfs, zfs_version })
}
