//! LVM-thin steps through the `lvm` commands.

use std::process::Command;

use crate::error::{Error, Result};
use crate::plan::StepOp;

fn run_cmd(args: &[&str]) -> Result<String> {
    let out = Command::new(args[0]).args(&args[1..]).output().map_err(|e| Error::io("run", args[0], None, e))?;
    if !out.status.success() {
        return Err(Error::CommandFailed {
            command: args.join(" "),
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Whether LV `vg/lv` exists. Only LVM's own "not found" answer is a no: any other failure (a
/// lock timeout, a busy VG) is an error, never read as "does not exist" (which would drive a
/// rerun to redo or undo the wrong step).
pub(super) fn exists(lv: &str) -> Result<bool> {
    let out = Command::new("lvs").args(["--noheadings", "-o", "lv_name", lv]).output().map_err(|e| Error::io("run", "lvs", None, e))?;
    if out.status.success() {
        return Ok(!String::from_utf8_lossy(&out.stdout).trim().is_empty());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    if says_not_found(&stderr) {
        return Ok(false);
    }
    Err(Error::CommandFailed { command: format!("lvs --noheadings -o lv_name {lv}"), status: out.status.to_string(), stderr: stderr.trim().to_owned() })
}

/// Whether `lvs`' stderr says the LV or its VG does not exist.
fn says_not_found(stderr: &str) -> bool {
    stderr.contains("Failed to find logical volume") || (stderr.contains("Volume group") && stderr.contains("not found"))
}

/// The origin of LV `vg/lv` (a thin snapshot's), or `None` (no such LV, or not a snapshot).
pub(super) fn origin_of(lv: &str) -> Result<Option<String>> {
    if !exists(lv)? {
        return Ok(None);
    }
    let out = run_cmd(&["lvs", "--noheadings", "-o", "origin", lv])?;
    Ok(Some(out.trim().to_owned()).filter(|o| !o.is_empty()))
}

/// `lvremove -y VG/LV` (undo of a snapshot this run made).
pub(super) fn remove(lv: &str) -> Result<()> {
    run_cmd(&["lvremove", "-y", lv]).map(|_| ())
}

/// `lvchange -ay -K VG/LV` (activating despite the activation-skip flag) or `lvchange -an`.
pub(super) fn activate(lv: &str, on: bool) -> Result<()> {
    let args: &[&str] = if on { &["lvchange", "-ay", "-K", lv] } else { &["lvchange", "-an", lv] };
    run_cmd(args).map(|_| ())
}

pub(super) fn run(op: &StepOp) -> Result<()> {
    match op {
        StepOp::LvmThinSnapshot { .. } => {
            for argv in op.argv() {
                let args: Vec<&str> = argv.iter().map(String::as_str).collect();
                run_cmd(&args)?;
            }
        }
        StepOp::LvmRemoveEmpty { lv } => {
            let out = run_cmd(&["lvs", "--noheadings", "-o", "lv_attr,data_percent,origin", lv])?;
            let fields: Vec<&str> = out.split_whitespace().collect();
            let open = fields.first().is_some_and(|a| a.chars().nth(5) == Some('o'));
            let used = fields.get(1).and_then(|p| p.parse::<f64>().ok()).unwrap_or(100.0);
            if open || used > 0.0 {
                return Err(Error::InvalidArgument(format!(
                    "the pre-created target {lv} is {}: volclone replaces only an unused, empty thin LV",
                    if open { "open" } else { "not empty" }
                )));
            }
            remove(lv)?;
        }
        StepOp::LvmRename { vg, from, to } => {
            run_cmd(&["lvrename", vg, from, to])?;
        }
        StepOp::LvmResize { lv, size_bytes } => {
            run_cmd(&["lvresize", "-L", &format!("{size_bytes}b"), lv])?;
        }
        _ => unreachable!("only LVM steps reach lvm::run"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_lvms_not_found_is_a_no() {
        assert!(super::says_not_found("  Failed to find logical volume \"vg/x\""));
        assert!(super::says_not_found("  Volume group \"nope\" not found\n  Cannot process volume group nope"));
        assert!(!super::says_not_found("  Giving up waiting for lock.\n  Can't get lock for vg"));
        assert!(!super::says_not_found(""));
    }
}
