//! Names checked before anything runs: ZFS datasets and snapshots by OpenZFS's grammar, LVM
//! names by LVM's, paths absolute. Whatever could be read as an option (a leading `-`) or
//! escape a directory (`..`), and control characters (NUL, newline), are refused with an error
//! that names the field. Also the shell quoting of argvs for display.

use crate::error::{Error, Result};

/// Longest ZFS name, snapshot included (OpenZFS's `ZFS_MAX_DATASET_NAME_LEN` less the NUL).
pub const ZFS_NAME_MAX: usize = 255;
/// Longest LVM VG or LV name.
pub const LVM_NAME_MAX: usize = 127;
/// Longest path.
pub const PATH_MAX: usize = 4095;

fn bad(field: &str, value: &str, why: &str) -> Error {
    let shown: String = value.chars().take(80).flat_map(char::escape_debug).collect();
    let more = if value.chars().count() > 80 { "..." } else { "" };
    Error::InvalidRequest(format!("{field} \"{shown}{more}\" {why}"))
}

fn no_control(field: &str, value: &str) -> Result<()> {
    if value.chars().any(char::is_control) {
        return Err(bad(field, value, "holds a control character (NUL, newline, tab, ...): give a plain name"));
    }
    Ok(())
}

/// A character OpenZFS allows in a dataset or snapshot component.
fn zfs_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | ' ')
}

fn zfs_component(field: &str, whole: &str, comp: &str, what: &str) -> Result<()> {
    if comp.is_empty() {
        return Err(bad(field, whole, &format!("has an empty {what} component: no leading, trailing or doubled '/'")));
    }
    if comp == "." || comp == ".." {
        return Err(bad(field, whole, &format!("has a {what} component {comp:?}: not allowed in ZFS names")));
    }
    if let Some(c) = comp.chars().find(|&c| !zfs_char(c)) {
        return Err(bad(field, whole, &format!("holds {c:?}: ZFS names take letters, digits, '-', '_', '.', ':' and space")));
    }
    Ok(())
}

/// A ZFS dataset name: `pool[/component...]`, the pool starting with a letter.
pub fn zfs_dataset(field: &str, name: &str) -> Result<()> {
    no_control(field, name)?;
    if name.is_empty() || name.len() > ZFS_NAME_MAX {
        return Err(bad(field, name, &format!("must be 1 to {ZFS_NAME_MAX} bytes long")));
    }
    if name.contains('@') || name.contains('#') {
        return Err(bad(field, name, "holds '@' or '#': give the dataset (snapshots go in their own field)"));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(bad(field, name, "must start with the pool name, which starts with a letter"));
    }
    name.split('/').try_for_each(|c| zfs_component(field, name, c, "dataset"))
}

/// The name of a snapshot (the part after `@`) of dataset `dataset`.
pub fn zfs_snapshot_name(field: &str, dataset: &str, snap: &str) -> Result<()> {
    no_control(field, snap)?;
    zfs_component(field, snap, snap, "snapshot")?;
    if dataset.len() + 1 + snap.len() > ZFS_NAME_MAX {
        return Err(bad(field, snap, &format!("makes {dataset}@{snap} longer than {ZFS_NAME_MAX} bytes")));
    }
    Ok(())
}

/// An LVM VG or LV name.
pub fn lvm_name(field: &str, name: &str) -> Result<()> {
    no_control(field, name)?;
    if name.is_empty() || name.len() > LVM_NAME_MAX {
        return Err(bad(field, name, &format!("must be 1 to {LVM_NAME_MAX} characters long")));
    }
    if name.starts_with('-') {
        return Err(bad(field, name, "starts with '-': LVM names may not (it would read as an option)"));
    }
    if name == "." || name == ".." {
        return Err(bad(field, name, "is not a valid LVM name"));
    }
    if let Some(c) = name.chars().find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '_' | '.' | '-'))) {
        return Err(bad(field, name, &format!("holds {c:?}: LVM names take letters, digits, '+', '_', '.' and '-'")));
    }
    Ok(())
}

/// An LVM volume as `vg/lv`.
pub fn lvm_volume(field: &str, volume: &str) -> Result<()> {
    let Some((vg, lv)) = volume.split_once('/') else {
        return Err(bad(field, volume, "is not vg/lv: give the volume group and the LV"));
    };
    lvm_name(field, vg)?;
    lvm_name(field, lv)
}

/// An absolute path without `..` components or control characters.
pub fn path(field: &str, p: &str) -> Result<()> {
    no_control(field, p)?;
    if p.len() > PATH_MAX {
        return Err(bad(field, p, &format!("is longer than {PATH_MAX} bytes")));
    }
    if !p.starts_with('/') {
        return Err(bad(field, p, "is not an absolute path: give it from /"));
    }
    if p.split('/').any(|c| c == "..") {
        return Err(bad(field, p, "has a '..' component: give the path without it"));
    }
    Ok(())
}

/// A free-form label (storage pool name, property value): bounded, no control characters.
pub fn label(field: &str, value: &str, max: usize) -> Result<()> {
    no_control(field, value)?;
    if value.len() > max {
        return Err(bad(field, value, &format!("is longer than {max} bytes")));
    }
    Ok(())
}

/// `word` quoted for a POSIX shell: as is when it is made only of safe characters, else in
/// single quotes (a `'` inside becomes `'\''`).
pub fn shell_quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        return word.to_owned();
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// A pipeline of argvs as one shell line: words quoted, commands joined with ` | `.
pub fn shell_line(pipeline: &[Vec<String>]) -> String {
    pipeline.iter().map(|argv| argv.iter().map(|w| shell_quote(w)).collect::<Vec<_>>().join(" ")).collect::<Vec<_>>().join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn zfs_names() {
        for ok in ["tank", "tank/incus/src_00000", "p/a b", "p/x:y.z-1_2"] {
            zfs_dataset("f", ok).unwrap();
        }
        for (badname, needle) in [
            ("", "1 to 255"),
            ("-tank/x", "starts with a letter"),
            ("tank//x", "empty dataset component"),
            ("tank/../x", "\"..\""),
            ("tank/a$(touch x)", "holds '$'"),
            ("tank/a\nb", "control character"),
            ("tank/x@s", "'@'"),
        ] {
            let e = zfs_dataset("source.volume", badname).unwrap_err().to_string();
            assert!(e.contains(needle) && e.contains("source.volume"), "{badname:?}: {e}");
        }
        assert!(zfs_dataset("f", &format!("t/{}", "a".repeat(300))).unwrap_err().to_string().contains("..."));
        zfs_snapshot_name("s", "tank/x", "CF_5eed0001").unwrap();
        assert!(zfs_snapshot_name("s", "tank/x", "a/b").is_err());
    }

    #[test]
    fn lvm_and_paths() {
        lvm_volume("v", "vg/lv_00000").unwrap();
        assert!(lvm_volume("v", "vg/b$(touch x)").unwrap_err().to_string().contains("holds '$'"));
        assert!(lvm_volume("v", "vg/-lv").unwrap_err().to_string().contains("starts with '-'"));
        assert!(lvm_volume("v", "vglv").is_err());
        path("p", "/dev/zvol/tank/a b").unwrap();
        assert!(path("p", "dev/x").unwrap_err().to_string().contains("absolute"));
        assert!(path("p", "/dev/../etc/passwd").unwrap_err().to_string().contains("'..'"));
    }

    fn sh_split(line: &str) -> Vec<String> {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("for w in {line}; do printf '%s\\0' \"$w\"; done"))
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout.split(|&b| b == 0).filter(|w| !w.is_empty()).map(|w| String::from_utf8(w.to_vec()).unwrap()).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]
        /// The shell reads a quoted word back as exactly that word, whatever it holds.
        #[test]
        fn quoting_round_trips_through_sh(words in prop::collection::vec("[ -~]{1,12}", 1..5)) {
            let line = words.iter().map(|w| shell_quote(w)).collect::<Vec<_>>().join(" ");
            prop_assert_eq!(sh_split(&line), words);
        }
    }
}
