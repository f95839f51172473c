//! Showing a snapshot's block device for a block copy, and putting it back as it was: ZFS hides
//! snapshot devices unless `snapdev=visible`; LVM thin snapshots carry the activation-skip flag.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::zfs::ZfsOps;

/// What to undo after the copy.
pub(super) enum Shown {
    /// Nothing was changed (the device was there already).
    Nothing,
    /// `snapdev` of this dataset was changed: back to this value (`None`: inherit it again).
    Snapdev { dataset: String, previous: Option<String> },
    /// This LV was activated for the copy.
    Activated(String),
}

/// How long a device node may take to appear after it was made visible (udev).
const APPEAR: Duration = Duration::from_secs(20);

fn wait_for(device: &Path) -> Result<()> {
    let start = Instant::now();
    while !device.exists() {
        if start.elapsed() > APPEAR {
            return Err(Error::io(
                "wait for the snapshot's device",
                device,
                None,
                std::io::Error::new(std::io::ErrorKind::NotFound, format!("not there after {} s (is udev running?)", APPEAR.as_secs())),
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

/// Makes `snapshot`'s device (`device`) readable: `pool/vol@snap` through `snapdev=visible`,
/// `vg/lv` by activating it.
pub(super) fn show(zfs: &dyn ZfsOps, snapshot: &str, device: &Path) -> Result<Shown> {
    if device.exists() {
        return Ok(Shown::Nothing);
    }
    let shown = match snapshot.split_once('@') {
        Some((dataset, _)) => {
            let previous = zfs.get(dataset, &["snapdev"])?.get("snapdev").cloned();
            let local = zfs.source_of(dataset, "snapdev")? == "local";
            zfs.set(dataset, "snapdev", "visible")?;
            Shown::Snapdev { dataset: dataset.to_owned(), previous: previous.filter(|_| local) }
        }
        None => {
            super::lvm::activate(snapshot, true)?;
            Shown::Activated(snapshot.to_owned())
        }
    };
    if let Err(e) = wait_for(device) {
        let _ = shown.restore(zfs);
        return Err(e);
    }
    Ok(shown)
}

impl Shown {
    /// Puts the snapshot's device back as it was.
    pub(super) fn restore(self, zfs: &dyn ZfsOps) -> Result<()> {
        match self {
            Shown::Nothing => Ok(()),
            Shown::Snapdev { dataset, previous: Some(v) } => zfs.set(&dataset, "snapdev", &v),
            Shown::Snapdev { dataset, previous: None } => zfs.inherit(&dataset, "snapdev"),
            Shown::Activated(lv) => super::lvm::activate(&lv, false),
        }
    }
}
