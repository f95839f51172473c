//! The `zfs` shim: for a LINSTOR satellite run as packaged (no fork), a `zfs` first on its
//! `PATH` that is volclone. Exactly LINSTOR's failing `zfs receive -F <target>` (ZFS_COPY onto a
//! pre-created target that inherited encryption) becomes a correct clone: the executor's
//! ZFS_COPY with the stream LINSTOR's `zfs send` writes to standard input as its source. Every
//! other command line, and every receive the shim should not take, is handed to the real `zfs`
//! unchanged (`execve`: same argv, environment, descriptors; its output and status are the
//! caller's).
//!
//! - [`argv`]: which command lines are taken over (pure);
//! - [`crate::zfs::stream_header`]: what the stream carries, read without consuming it;
//! - [`real`]: the real `zfs`, found by a rule that can never pick the shim;
//! - [`takeover`]: when and how a receive is taken over;
//! - [`inflight`]: clones in flight, for `volclone linstor-shim status`;
//! - [`service`]: the systemd drop-in that puts the shim first on the satellite's `PATH`.

pub mod argv;
pub mod inflight;
mod peek;
pub mod real;
pub mod service;
pub mod takeover;

/// Where the Debian package puts the shim directory (`zfs` → `/usr/bin/volclone-zfs`).
pub const PACKAGE_DIR: &str = "/usr/lib/volclone/shim";

/// Set (to anything) by the pass-through `volclone-zfs` when it hands LINSTOR's receive to
/// `volclone`: run as the shim whatever argv0 is. volclone removes it from its environment
/// first, so nothing it runs or passes through sees it.
pub const AS_ZFS_ENV: &str = "VOLCLONE_AS_ZFS";

/// Logs one line to the system log (identifier `volclone`; the journal where it runs) and to
/// the tracing log.
pub fn syslog(priority: libc::c_int, message: &str) {
    tracing::info!("{message}");
    let Ok(text) = std::ffi::CString::new(message.replace('\0', " ")) else { return };
    // SAFETY: static identifier and format; the message is passed as an argument, never as the
    // format.
    unsafe {
        libc::openlog(c"volclone".as_ptr(), libc::LOG_PID, libc::LOG_DAEMON);
        libc::syslog(priority, c"%s".as_ptr(), text.as_ptr());
    }
}

/// Removes what a killed takeover (or a killed clone) left: datasets carrying a clone's mark
/// (`volclone:clone`) under the landing name beside their target, whose target no run holds
/// (its lock is free), with their snapshots; and stale in-flight records. Nothing without the
/// mark is touched. Returns what was removed.
pub fn cleanup(zfs_program: &std::path::Path) -> crate::error::Result<Vec<String>> {
    use crate::zfs::ZfsOps;
    let zfs = crate::zfs::ZfsCli::with_program(zfs_program.to_string_lossy());
    let mut removed = Vec::new();
    let out = std::process::Command::new(zfs_program)
        .args(["get", "-H", "-o", "name,value", "-t", "volume", crate::exec::TAG_PROPERTY])
        .output()
        .map_err(|e| crate::Error::io("run", zfs_program, None, e))?;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some((name, tag)) = line.split_once('\t') else { continue };
        let Some(target) = name.strip_suffix(crate::planner::TEMP_SUFFIX) else { continue };
        if tag == "-" || !tag.ends_with(&format!(">{target}")) {
            continue;
        }
        let Ok(_lock) = crate::exec::lock_target(target) else { continue }; // a run is at it
        for snap in zfs.dependents(name)? {
            if snap.starts_with(&format!("{name}@")) {
                zfs.destroy(&snap)?;
            }
        }
        zfs.destroy(name)?;
        syslog(libc::LOG_INFO, &format!("cleanup: removed {name}, left by an interrupted clone onto {target}"));
        removed.push(name.to_owned());
    }
    for (path, e) in inflight::list()? {
        if !e.alive() {
            let _ = std::fs::remove_file(&path);
            removed.push(format!("stale record of pid {} ({} -> {})", e.pid, e.source, e.target));
        }
    }
    Ok(removed)
}
