//! Which `zfs` command lines the shim takes over: exactly LINSTOR's `zfs receive -F <dataset>`
//! (the form every LINSTOR release has used for ZFS_COPY, read in its `CloneService` history
//! since 1.15), a dataset by OpenZFS's grammar with no snapshot part. Anything else, however
//! close (`recv`, another flag, a flag order, `-F` twice, a snapshot, `--`), is passed through.

/// A command line the shim takes over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Takeover {
    /// The dataset `receive -F` names.
    pub target: String,
}

/// Whether `args` (the arguments after the program name) are LINSTOR's `receive -F DATASET`.
pub fn takeover(args: &[&str]) -> Option<Takeover> {
    match args {
        ["receive", "-F", target] if crate::names::zfs_dataset("target", target).is_ok() => Some(Takeover { target: (*target).to_owned() }),
        _ => None,
    }
}

/// [`takeover`] of a program's arguments as the OS gives them: one that is not UTF-8 is no
/// dataset name, so such a command line is never taken over.
pub fn takeover_os<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Option<Takeover> {
    let text: Option<Vec<&str>> = args.iter().map(|a| a.as_ref().to_str()).collect();
    text.as_deref().and_then(takeover)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn only_linstors_exact_form_is_taken_over() {
        assert_eq!(takeover(&["receive", "-F", "tank/incus/vm_00000"]), Some(Takeover { target: "tank/incus/vm_00000".into() }));
        for pass in [
            &["receive", "tank/x"][..],
            &["recv", "-F", "tank/x"],
            &["receive", "-F", "-s", "tank/x"],
            &["receive", "-s", "-F", "tank/x"],
            &["receive", "-Fu", "tank/x"],
            &["receive", "-F", "tank/x@snap"],
            &["receive", "-F", "--", "tank/x"],
            &["receive", "-F", "-tank"],
            &["receive", "-F", "tank/x", "extra"],
            &["receive", "-F", ""],
            &["receive", "-F", "tank//x"],
            &["receive", "-F", "tank/x#b"],
            &["send", "-F", "tank/x"],
            &["receive", "-F"],
            &[],
        ] {
            assert_eq!(takeover(pass), None, "{pass:?} must pass through");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]
        /// Any argv that is not exactly [receive, -F, dataset] passes through.
        #[test]
        fn everything_else_passes_through(args in prop::collection::vec("(receive|recv|-F|-s|-u|-v|-n|--|tank/x|tank/x@s|[ -~]{0,12})", 0..5)) {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            let exact = refs.len() == 3 && refs[0] == "receive" && refs[1] == "-F" && crate::names::zfs_dataset("t", refs[2]).is_ok();
            prop_assert_eq!(takeover(&refs).is_some(), exact);
        }

        /// A taken-over target is always a dataset a command may be given (no option, no snapshot).
        #[test]
        fn a_taken_over_target_is_a_plain_dataset(t in "[ -~]{1,40}") {
            if let Some(m) = takeover(&["receive", "-F", &t]) {
                prop_assert!(!m.target.starts_with('-') && !m.target.contains('@') && !m.target.contains('#'));
            }
        }
    }
}
