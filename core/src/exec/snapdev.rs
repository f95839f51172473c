//! Showing a snapshot's block device for a block copy, and putting it back as it was: ZFS hides
//! snapshot devices unless `snapdev=visible`; LVM thin snapshots carry the activation-skip flag.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::zfs::ZfsOps;

/// What to undo after the copy.
pub(super) enum Shown {
    /// Nothing was changed (the device was there already, shown by someone else).
    Nothing,
    /// This run holds `dataset`'s snapshot devices visible (see [`Holders`]).
    Held { dataset: String, me: Holder },
    /// This LV was activated for the copy.
    Activated(String),
}

/// One run that holds a dataset's snapshot devices visible: its process and a token (clones of
/// one source in one process, threads of a JVM, are told apart).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) struct Holder {
    pid: u32,
    token: String,
}

/// Who holds a dataset's snapshot devices visible (`snapdev` is one property for all of them),
/// across processes: a file per dataset in volclone's lock directory, read and written only under
/// its `flock`. The first holder records what `snapdev` was and sets it visible; the last one
/// puts it back. Holders whose process died are dropped, so a killed clone cannot leave the
/// devices visible for good, nor hide them under a clone still copying.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Holders {
    /// `snapdev` before the first holder: its local value, `None` when it was inherited.
    previous: Option<String>,
    holders: Vec<Holder>,
}

/// Runs `f` on `dataset`'s holders under their lock, and writes back what it leaves.
fn with_holders<T>(dataset: &str, f: impl FnOnce(&mut Holders) -> Result<T>) -> Result<T> {
    use std::io::{Read, Seek, Write};
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    let dir = crate::state::dir(crate::state::Purpose::Locks)?;
    let path = dir.join(crate::state::file_name_for(&format!("snapdev {dataset}"), "json"));
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(&path)
        .map_err(|e| Error::io("open", &path, None, e))?;
    // SAFETY: flock on a valid fd; released when the file is closed.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(Error::io("lock", &path, None, std::io::Error::last_os_error()));
    }
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(|e| Error::io("read", &path, None, e))?;
    let mut h: Holders = serde_json::from_str(&text).unwrap_or_default();
    // SAFETY: kill with signal 0 only checks that the process exists.
    h.holders.retain(|x| unsafe { libc::kill(x.pid as i32, 0) } == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM));
    let out = f(&mut h);
    let new = serde_json::to_string(&h).unwrap_or_default();
    file.set_len(0).and_then(|()| file.rewind()).and_then(|()| file.write_all(new.as_bytes())).map_err(|e| Error::io("write", &path, None, e))?;
    out
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

/// Makes `snapshot`'s device (`device`) readable: `pool/vol@snap` through `snapdev=visible`
/// (held with any other clone of the same dataset, see [`Holders`]), `vg/lv` by activating it.
pub(super) fn show(zfs: &dyn ZfsOps, snapshot: &str, device: &Path) -> Result<Shown> {
    let shown = match snapshot.split_once('@') {
        Some((dataset, _)) => {
            let me = Holder { pid: std::process::id(), token: format!("{:p}-{}", device, std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos()) };
            let held = with_holders(dataset, |h| {
                if h.holders.is_empty() {
                    if device.exists() {
                        return Ok(false); // visible, and not through volclone: nothing to undo
                    }
                    let local = zfs.source_of(dataset, "snapdev")? == "local";
                    h.previous = if local { zfs.get(dataset, &["snapdev"])?.get("snapdev").cloned() } else { None };
                    zfs.set(dataset, "snapdev", "visible")?;
                }
                h.holders.push(me.clone());
                Ok(true)
            })?;
            if !held {
                return Ok(Shown::Nothing);
            }
            Shown::Held { dataset: dataset.to_owned(), me }
        }
        None if device.exists() => return Ok(Shown::Nothing),
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
    /// Puts the snapshot's device back as it was: the last holder of a dataset restores its
    /// `snapdev`.
    pub(super) fn restore(self, zfs: &dyn ZfsOps) -> Result<()> {
        match self {
            Shown::Nothing => Ok(()),
            Shown::Held { dataset, me } => with_holders(&dataset, |h| {
                h.holders.retain(|x| *x != me);
                if !h.holders.is_empty() {
                    return Ok(());
                }
                match h.previous.take() {
                    Some(v) => zfs.set(&dataset, "snapdev", &v),
                    None => zfs.inherit(&dataset, "snapdev"),
                }
            }),
            Shown::Activated(lv) => super::lvm::activate(&lv, false),
        }
    }
}
