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

/// Whether LV `vg/lv` exists.
pub(super) fn exists(lv: &str) -> Result<bool> {
    let out = Command::new("lvs").args(["--noheadings", "-o", "lv_name", lv]).output().map_err(|e| Error::io("run", "lvs", None, e))?;
    Ok(out.status.success() && !String::from_utf8_lossy(&out.stdout).trim().is_empty())
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
