//! The systemd drop-in that puts the shim first on `linstor-satellite.service`'s `PATH`, for
//! that service alone (the packaged unit sets no `PATH`: systemd's default applies). `enable`
//! writes it and reloads systemd, `disable` removes it (the unit is as it was), `status` says
//! whether the running satellite has it (from its `/proc/<pid>/environ`). The satellite picks a
//! change up at its next restart.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The satellite's unit.
pub const UNIT: &str = "linstor-satellite.service";
/// systemd's default `PATH` for services (what the satellite has without the drop-in).
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// The drop-in's file name.
pub const DROP_IN_NAME: &str = "volclone-zfs-shim.conf";

/// The drop-in file under `etc` (normally `/etc/systemd/system`).
pub fn drop_in_path(etc: &Path) -> PathBuf {
    etc.join(format!("{UNIT}.d")).join(DROP_IN_NAME)
}

/// The drop-in's text: `PATH` with `shim_dir` first.
pub fn drop_in_text(shim_dir: &Path) -> String {
    format!(
        "# Written by `volclone linstor-shim enable`; removed by `volclone linstor-shim disable`.\n\
         # Puts volclone's zfs shim first on the LINSTOR satellite's PATH (this service only), so\n\
         # its clones onto encrypted ZFS work. Takes effect when the satellite restarts.\n\
         [Service]\nEnvironment=PATH={}:{DEFAULT_PATH}\n",
        shim_dir.display()
    )
}

/// Writes the drop-in (owner-writable, world-readable, like any unit file).
pub fn enable(etc: &Path, shim_dir: &Path) -> Result<PathBuf> {
    if !shim_dir.join("zfs").exists() {
        return Err(Error::InvalidArgument(format!(
            "{} has no zfs shim: run `volclone linstor-shim install {}` first (the package has one in {})",
            shim_dir.display(),
            shim_dir.display(),
            super::PACKAGE_DIR
        )));
    }
    let p = drop_in_path(etc);
    let dir = p.parent().unwrap_or(etc);
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, None, e))?;
    std::fs::write(&p, drop_in_text(shim_dir)).map_err(|e| Error::io("write", &p, None, e))?;
    Ok(p)
}

/// Removes the drop-in (and its directory when it is left empty); `false` when there was none.
pub fn disable(etc: &Path) -> Result<bool> {
    let p = drop_in_path(etc);
    match std::fs::remove_file(&p) {
        Ok(()) => {
            if let Some(d) = p.parent() {
                let _ = std::fs::remove_dir(d); // only when empty
            }
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io("remove", &p, None, e)),
    }
}

/// `systemctl daemon-reload`, when systemd runs here; a note otherwise.
pub fn daemon_reload() -> std::result::Result<(), String> {
    if !Path::new("/run/systemd/system").exists() {
        return Err("systemd is not running here: nothing to reload".into());
    }
    match std::process::Command::new("systemctl").arg("daemon-reload").status() {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("systemctl daemon-reload failed ({s})")),
        Err(e) => Err(format!("systemctl: {e}")),
    }
}

/// The `PATH` a running process has, from `/proc/<pid>/environ`.
pub fn path_of(pid: u32) -> Option<String> {
    let env = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    env.split(|&b| b == 0).find_map(|kv| kv.strip_prefix(b"PATH=")).map(|v| String::from_utf8_lossy(v).into_owned())
}

/// The running satellite's main process: systemd's `MainPID`, else a Java process whose command
/// line names LINSTOR's satellite.
pub fn satellite_pid() -> Option<u32> {
    let out = std::process::Command::new("systemctl").args(["show", "-p", "MainPID", "--value", UNIT]).output().ok();
    if let Some(pid) = out.and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse::<u32>().ok()).filter(|&p| p > 0) {
        return Some(pid);
    }
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
        let cmd = String::from_utf8_lossy(&cmd);
        (cmd.contains("java") && cmd.contains("linstor") && cmd.to_ascii_lowercase().contains("satellite")).then_some(pid)
    })
}

/// Whether the first `zfs` on `path` is the one in `shim_dir`.
pub fn shim_first(path: &str, shim_dir: &Path) -> bool {
    path.split(':').filter(|d| !d.is_empty()).find(|d| Path::new(d).join("zfs").exists()).is_some_and(|d| Path::new(d) == shim_dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enable_then_disable_leaves_the_unit_as_it_was() {
        let d = tempfile::tempdir().unwrap();
        let (etc, shim) = (d.path().join("etc"), d.path().join("shim"));
        std::fs::create_dir_all(&etc).unwrap();
        std::fs::create_dir_all(&shim).unwrap();
        assert!(enable(&etc, &shim).unwrap_err().to_string().contains("linstor-shim install"));
        std::fs::write(shim.join("zfs"), "").unwrap();
        let p = enable(&etc, &shim).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains(&format!("Environment=PATH={}:{DEFAULT_PATH}", shim.display())), "{text}");
        assert!(disable(&etc).unwrap());
        assert!(!disable(&etc).unwrap());
        assert_eq!(std::fs::read_dir(&etc).unwrap().count(), 0, "nothing of ours left under {}", etc.display());
    }

    #[test]
    fn the_first_zfs_on_path_decides() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (d.path().join("a"), d.path().join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(a.join("zfs"), "").unwrap();
        std::fs::write(b.join("zfs"), "").unwrap();
        assert!(shim_first(&format!("/nonexistent:{}:{}", a.display(), b.display()), &a));
        assert!(!shim_first(&format!("{}:{}", b.display(), a.display()), &a));
    }
}
