//! Reads the facts the planner needs from the system: encryption, encryption root, key status
//! and location, volsize, refreservation, existence. A missing target is described by what it
//! would inherit from its parent.

use crate::error::{Error, Result};
use crate::request::{KeyStatus, LayerKind, ProviderKind, VolumeFacts, ZfsFacts};

use std::collections::BTreeMap;

use super::{Described, ZfsOps};

const PROPS: [&str; 7] = ["type", "volsize", "refreservation", "encryption", "encryptionroot", "keystatus", "keylocation"];

fn value(v: Option<&String>) -> Option<String> {
    v.filter(|s| !s.is_empty() && *s != "-").cloned()
}

/// The names whose properties describe `dataset`: itself and every ancestor (its encryption
/// root is one of them), so one [`ZfsOps::get_many`] answers everything.
fn with_ancestors(dataset: &str) -> Vec<String> {
    let mut v = vec![dataset.to_owned()];
    let mut d = dataset;
    while let Some((p, _)) = d.rsplit_once('/') {
        v.push(p.to_owned());
        d = p;
    }
    v
}

/// Reads `properties` of `names` at once.
fn describe(ops: &dyn ZfsOps, names: &[String], properties: &[&str]) -> Result<Described> {
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    ops.get_many(&names, properties)
}

/// The properties of `name` in `d` (None: it does not exist).
fn props_of<'d>(d: &'d Described, name: &str) -> Option<&'d BTreeMap<String, String>> {
    d.get(name).and_then(Option::as_ref)
}

/// The encryption facts of `dataset` from its and its ancestors' properties in `d`.
fn zfs_facts(ops: &dyn ZfsOps, d: &Described, dataset: &str) -> Result<ZfsFacts> {
    let empty = BTreeMap::new();
    let p = props_of(d, dataset).unwrap_or(&empty);
    let encryption = value(p.get("encryption")).unwrap_or_else(|| "off".into());
    let encrypted = encryption != "off";
    let key_status = match value(p.get("keystatus")).as_deref() {
        _ if !encrypted => KeyStatus::None,
        Some("available") => KeyStatus::Available,
        _ => KeyStatus::Unavailable,
    };
    let encryption_root = if encrypted { value(p.get("encryptionroot")) } else { None };
    // keylocation lives on the encryption root (an ancestor, read with the rest).
    let key_location = match &encryption_root {
        Some(root) => match props_of(d, root) {
            Some(r) => value(r.get("keylocation")),
            None => value(ops.get(root, &["keylocation"])?.get("keylocation")),
        },
        None => None,
    }
    .filter(|l| l != "none");
    Ok(ZfsFacts { encryption, encryption_root, key_status, key_location })
}

fn parent(dataset: &str) -> Result<&str> {
    dataset
        .rsplit_once('/')
        .map(|(p, _)| p)
        .ok_or_else(|| Error::InvalidArgument(format!("{dataset} has no parent dataset: give pool/.../volume")))
}

/// Facts of an existing zvol, from `d` (which holds it and its ancestors).
fn volume_from(ops: &dyn ZfsOps, d: &Described, dataset: &str) -> Result<VolumeFacts> {
    let Some(p) = props_of(d, dataset) else {
        return Err(Error::InvalidArgument(format!("{dataset} does not exist: give an existing zvol")));
    };
    if p.get("type").map(String::as_str) != Some("volume") {
        return Err(Error::InvalidArgument(format!("{dataset} is a {}, not a zvol: volclone clones volumes", p.get("type").map_or("?", |s| s))));
    }
    let size_bytes = value(p.get("volsize")).and_then(|v| v.parse().ok()).unwrap_or(0);
    let thin = matches!(value(p.get("refreservation")).as_deref(), None | Some("0") | Some("none"));
    let zfs = zfs_facts(ops, d, dataset)?;
    Ok(zvol(dataset, if thin { ProviderKind::ZfsThin } else { ProviderKind::Zfs }, size_bytes, true, zfs))
}

fn source_names(name: &str) -> Vec<String> {
    let dataset = name.split('@').next().unwrap_or(name);
    let mut names = with_ancestors(dataset);
    if name.contains('@') {
        names.push(name.to_owned());
    }
    names
}

/// Facts of a source given as a zvol (`pool/vol`) or as an existing snapshot of one
/// (`pool/vol@snap`, such as LINSTOR's `@CF_<hex>`): the zvol's facts, with the snapshot to read.
fn source_from(ops: &dyn ZfsOps, d: &Described, name: &str) -> Result<VolumeFacts> {
    let Some((dataset, snap)) = name.split_once('@') else { return volume_from(ops, d, name) };
    let mut v = volume_from(ops, d, dataset)?;
    let Some(s) = props_of(d, name) else {
        return Err(Error::InvalidArgument(format!("snapshot {name} does not exist: give an existing snapshot of {dataset}")));
    };
    // The snapshot's size is the one that is copied (the zvol may have grown since).
    if let Some(size) = value(s.get("volsize")).and_then(|v| v.parse().ok()) {
        v.size_bytes = size;
    }
    v.snapshot = Some(snap.to_owned());
    Ok(v)
}

fn landing(dataset: &str) -> String {
    format!("{dataset}{}", crate::planner::TEMP_SUFFIX)
}

fn target_names(dataset: &str) -> Vec<String> {
    let mut names = with_ancestors(dataset);
    names.push(landing(dataset));
    names
}

/// Facts of a target: its own if it exists; else a new zvol of `size_bytes` and `provider`
/// with the encryption it would inherit from its parent.
fn target_from(ops: &dyn ZfsOps, d: &Described, dataset: &str, provider: ProviderKind, size_bytes: u64) -> Result<VolumeFacts> {
    if props_of(d, dataset).is_some() {
        return volume_from(ops, d, dataset);
    }
    // An earlier run may have destroyed the pre-created target and been stopped before its copy
    // took the name: the copy, at the landing name, then stands in for it.
    let landing = landing(dataset);
    if props_of(d, &landing).and_then(|p| value(p.get(crate::exec::TAG_PROPERTY))).is_some() {
        // The landing name's ancestors are the target's.
        let mut v = volume_from(ops, d, &landing)?;
        v.volume = dataset.to_owned();
        return Ok(v);
    }
    let parent = parent(dataset)?;
    if props_of(d, parent).is_none() {
        return Err(Error::InvalidArgument(format!("the target's parent {parent} does not exist: create it first")));
    }
    let zfs = zfs_facts(ops, d, parent)?;
    Ok(zvol(dataset, provider, size_bytes, false, zfs))
}

/// The facts of both sides of `volclone clone SOURCE TARGET` from one look at ZFS: the source
/// (a zvol, or an existing snapshot of one) and the target (its own facts, or a new zvol of
/// `size_bytes` (default the source's) with what it would inherit from its parent). (The executor looks again once it holds the
/// target's lock: what was true before may not be then.)
pub fn clone_volumes(ops: &dyn ZfsOps, source: &str, target: &str, provider: ProviderKind, size_bytes: Option<u64>) -> Result<(VolumeFacts, VolumeFacts)> {
    let mut names = source_names(source);
    names.extend(target_names(target));
    names.sort();
    names.dedup();
    let mut props = PROPS.to_vec();
    props.push(crate::exec::TAG_PROPERTY);
    let d = describe(ops, &names, &props)?;
    let src = source_from(ops, &d, source)?;
    let tgt = target_from(ops, &d, target, provider, size_bytes.unwrap_or(src.size_bytes))?;
    Ok((src, tgt))
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
    let d = describe(ops, &with_ancestors(dataset), &PROPS)?;
    let exists = props_of(&d, dataset).is_some();
    let of = if exists { dataset } else { parent(dataset)? };
    if props_of(&d, of).is_none() {
        return Err(Error::InvalidArgument(format!("neither {dataset} nor its parent {of} exists: give a dataset under an existing parent")));
    }
    let zfs = zfs_facts(ops, &d, of)?;
    let zfs_version = ops.version().ok();
    Ok(DatasetFacts { dataset: dataset.to_owned(), exists, zfs, zfs_version })
}
