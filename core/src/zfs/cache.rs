//! What the executor knows of ZFS between its own changes. Every look (does it exist, is it
//! tagged, is a receive to resume) would otherwise be one `zfs` process, and on a slow machine
//! a dozen of them cost more than a small clone's stream. [`Cached`] asks once for every name a
//! plan touches ([`ZfsOps::get_many`]: one `zfs get`) and answers from that; each change through
//! it updates what it knows by what the change does in ZFS (a snapshot or a received dataset
//! exists, a destroyed one does not, a rename moves a name with its snapshots, a property set on
//! a dataset changes what its snapshots and children inherit), and a failed change forgets
//! everything. Another process's changes are not seen: the executor holds the target's lock
//! while it uses one.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::ops::{Described, SendReceive, ZfsOps};
use crate::copy::{CancelToken, Progress};
use crate::error::Result;

/// Properties a `zpool sync` can change.
const SPACE: [&str; 5] = ["used", "referenced", "logicalreferenced", "usedbydataset", "written"];

/// A [`ZfsOps`] that remembers what it was told (see the module docs).
pub struct Cached<'a> {
    inner: &'a dyn ZfsOps,
    /// Name → its properties as read (None: does not exist). A name with an empty map is known
    /// to exist, its properties unknown.
    known: Mutex<Known>,
}

impl<'a> Cached<'a> {
    /// A cache in front of `inner`, knowing nothing yet.
    pub fn new(inner: &'a dyn ZfsOps) -> Self {
        Cached { inner, known: Mutex::new(BTreeMap::new()) }
    }

    /// Reads `properties` of every name at once (one `zfs get` with the command backend).
    pub fn prefetch(&self, names: &[&str], properties: &[&str]) -> Result<()> {
        let got = self.inner.get_many(names, properties)?;
        self.lock().extend(got);
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Known> {
        self.known.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies `update` after a successful change; a failed change forgets everything.
    fn change<T>(&self, r: Result<T>, update: impl FnOnce(&mut Known)) -> Result<T> {
        let mut k = self.lock();
        match &r {
            Ok(_) => update(&mut k),
            Err(_) => k.clear(),
        }
        r
    }
}

/// What a [`Cached`] knows: name → properties (None: does not exist; empty: exists).
type Known = BTreeMap<String, Option<BTreeMap<String, String>>>;

/// Whether `name` is `dataset` itself or lies under it (a snapshot `dataset@s`, a child `dataset/c`).
fn within(name: &str, dataset: &str) -> bool {
    name.strip_prefix(dataset).is_some_and(|rest| rest.is_empty() || rest.starts_with('@') || rest.starts_with('/'))
}

/// `name` exists; its properties are not known.
fn exists(k: &mut Known, name: &str) {
    k.insert(name.to_owned(), Some(BTreeMap::new()));
}

/// Nothing is known of `dataset` and what lies under it.
fn forget(k: &mut Known, dataset: &str) {
    k.retain(|n, _| !within(n, dataset));
}

/// `property` of `dataset` and what inherits from it (its snapshots and children) is unknown.
fn forget_property(k: &mut Known, dataset: &str, property: &str) {
    for (_, props) in k.iter_mut().filter(|(n, _)| within(n, dataset)) {
        if let Some(p) = props {
            p.remove(property);
        }
    }
}

impl ZfsOps for Cached<'_> {
    fn snapshot(&self, snapshot: &str, properties: &BTreeMap<String, String>) -> Result<()> {
        self.change(self.inner.snapshot(snapshot, properties), |k| exists(k, snapshot))
    }

    fn send_receive(&self, sr: &SendReceive, progress: &dyn Progress, cancel: &CancelToken) -> Result<u64> {
        let r = self.inner.send_receive(sr, progress, cancel);
        self.change(r, |k| {
            forget(k, &sr.target);
            exists(k, &sr.target);
            // A resumed stream's snapshot name is in its token: only the dataset is known then.
            if let (Some((_, snap)), None) = (sr.snapshot.rsplit_once('@'), &sr.resume_token) {
                exists(k, &format!("{}@{snap}", sr.target));
            }
        })
    }

    fn send_size(&self, sr: &SendReceive) -> Result<u64> {
        self.inner.send_size(sr)
    }

    fn resume_info(&self, token: &str) -> Result<(String, u64)> {
        self.inner.resume_info(token)
    }

    fn abort_receive(&self, dataset: &str) -> Result<()> {
        // The partial receive may have been all there was of `dataset`.
        self.change(self.inner.abort_receive(dataset), |k| forget(k, dataset))
    }

    fn local_properties(&self, dataset: &str) -> Result<BTreeMap<String, String>> {
        self.inner.local_properties(dataset)
    }

    fn sync_pool(&self, pool: &str) -> Result<()> {
        // Space figures change; names and other properties do not.
        self.change(self.inner.sync_pool(pool), |k| {
            for props in k.iter_mut().filter(|(n, _)| within(n, pool)).filter_map(|(_, p)| p.as_mut()) {
                props.retain(|p, _| !SPACE.contains(&p.as_str()));
            }
        })
    }

    fn clone_snapshot(&self, snapshot: &str, target: &str) -> Result<()> {
        self.change(self.inner.clone_snapshot(snapshot, target), |k| {
            forget(k, target);
            exists(k, target);
        })
    }

    fn destroy(&self, name: &str) -> Result<()> {
        self.change(self.inner.destroy(name), |k| {
            forget(k, name);
            k.insert(name.to_owned(), None);
        })
    }

    fn rename(&self, from: &str, to: &str) -> Result<()> {
        self.change(self.inner.rename(from, to), |k| {
            // Snapshots and children move with the dataset.
            let moved: Vec<(String, Option<BTreeMap<String, String>>)> =
                k.iter().filter(|(n, _)| within(n, from)).map(|(n, p)| (format!("{to}{}", &n[from.len()..]), p.clone())).collect();
            forget(k, from);
            forget(k, to);
            k.extend(moved);
            k.insert(from.to_owned(), None);
            exists(k, to);
        })
    }

    fn set(&self, dataset: &str, property: &str, value: &str) -> Result<()> {
        self.change(self.inner.set(dataset, property, value), |k| {
            forget_property(k, dataset, property);
            if let Some(Some(p)) = k.get_mut(dataset) {
                p.insert(property.to_owned(), value.to_owned());
            }
        })
    }

    fn inherit(&self, dataset: &str, property: &str) -> Result<()> {
        self.change(self.inner.inherit(dataset, property), |k| forget_property(k, dataset, property))
    }

    fn source_of(&self, dataset: &str, property: &str) -> Result<String> {
        self.inner.source_of(dataset, property)
    }

    fn get(&self, dataset: &str, properties: &[&str]) -> Result<BTreeMap<String, String>> {
        if let Some(Some(have)) = self.lock().get(dataset)
            && properties.iter().all(|p| have.contains_key(*p))
        {
            return Ok(properties.iter().map(|p| (p.to_string(), have[*p].clone())).collect());
        }
        let got = self.inner.get(dataset, properties)?;
        if let Some(Some(have)) = self.lock().get_mut(dataset) {
            have.extend(got.clone());
        }
        Ok(got)
    }

    fn get_many(&self, names: &[&str], properties: &[&str]) -> Result<Described> {
        self.inner.get_many(names, properties)
    }

    fn exists(&self, name: &str) -> Result<bool> {
        if let Some(k) = self.lock().get(name) {
            return Ok(k.is_some());
        }
        let e = self.inner.exists(name)?;
        self.lock().insert(name.to_owned(), e.then(BTreeMap::new));
        Ok(e)
    }

    fn dependents(&self, dataset: &str) -> Result<Vec<String>> {
        self.inner.dependents(dataset)
    }

    fn load_key(&self, dataset: &str) -> Result<()> {
        self.change(self.inner.load_key(dataset), |k| forget_property(k, dataset, "keystatus"))
    }

    fn version(&self) -> Result<String> {
        self.inner.version()
    }
}
