//! After a zvol is renamed into the target's place, `/dev/zvol/<target>` is udev's to re-point:
//! until it has, the name still leads to the old device (or nowhere), and what runs next
//! (LINSTOR's `drbdmeta ... check-resize /dev/zvol/<target>`, its device wait) would act on the
//! wrong one. The executor (and through it the `zfs` shim) returns only once the link leads to the
//! renamed zvol's device.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long udev may take.
const SETTLE: Duration = Duration::from_secs(20);

/// The device `/dev/zvol/<name>` leads to now, if any.
pub(super) fn device_of(name: &str) -> Option<PathBuf> {
    std::fs::canonicalize(Path::new("/dev/zvol").join(name)).ok()
}

/// Waits until `/dev/zvol/<name>` leads to `device` (the renamed zvol's, read before the
/// rename), or exists at all when that was unknown. Nothing to wait for where there is no
/// `/dev/zvol` (no udev, `volmode=none`). A link udev never makes is a warning: the clone
/// itself is complete.
pub(super) fn wait_for(name: &str, device: Option<&Path>) {
    if device.is_none() && !Path::new("/dev/zvol").exists() {
        return;
    }
    udevadm(&["settle", "--timeout=10"]);
    let start = Instant::now();
    let mut nudged = Instant::now();
    loop {
        let now = device_of(name);
        let ready = match device {
            Some(d) => now.as_deref() == Some(d),
            None => now.is_some(),
        };
        if ready {
            return;
        }
        if start.elapsed() > SETTLE {
            tracing::warn!(
                "/dev/zvol/{name} leads to {:?}, not yet to {:?}, after {} s: is udev running?",
                now,
                device,
                SETTLE.as_secs()
            );
            return;
        }
        // A safety net beside `wait_gone`: a link that stays wrong gets the device looked at
        // again (on its own this did not cure the lost link seen on OpenZFS 2.1).
        if nudged.elapsed() > NUDGE_EVERY {
            nudge(device);
            nudged = Instant::now();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// How long a link may stay wrong before udev is asked to look at the device again.
const NUDGE_EVERY: Duration = Duration::from_secs(3);

/// Waits until `/dev/zvol/<name>` is gone: the destroyed target's remove event handled before
/// the rename gives the name to another zvol. Handled after it, that event takes the name away
/// from the renamed zvol for good (seen on OpenZFS 2.1 with four swaps at once).
pub(super) fn wait_gone(name: &str) {
    if !Path::new("/dev/zvol").exists() {
        return;
    }
    let start = Instant::now();
    while device_of(name).is_some() {
        if start.elapsed() > SETTLE {
            tracing::warn!("/dev/zvol/{name} still there {} s after its zvol was destroyed: is udev running?", SETTLE.as_secs());
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `udevadm trigger --action=change` for `device` (every zvol where it is unknown), then settle.
fn nudge(device: Option<&Path>) {
    match device.and_then(|d| d.to_str()) {
        Some(d) => udevadm(&["trigger", "--action=change", d]),
        None => udevadm(&["trigger", "--action=change", "--subsystem-match=block", "--sysname-match=zd*"]),
    }
    udevadm(&["settle", "--timeout=5"]);
}

/// Runs `udevadm ARGS`, quietly: udev's answer changes nothing here, the link check decides.
fn udevadm(args: &[&str]) {
    let _ = std::process::Command::new("udevadm")
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
}
