//! Rule tests (one per rule in the design) and property tests of the planner.

use proptest::prelude::*;

use super::plan;
use crate::copy::SparseMode;
use crate::examples::seed_case;
use crate::plan::{Plan, StepOp};
use crate::request::*;
use crate::strategy::Strategy as CloneStrategy;
use crate::strategy::Strategy::*;

fn zfs(volume: &str, provider: ProviderKind, facts: ZfsFacts, exists: bool) -> VolumeFacts {
    VolumeFacts {
        provider,
        storage_pool: "zpool1".into(),
        layers: vec![LayerKind::Drbd, LayerKind::Storage],
        drbd_metadata: None,
        volume: volume.into(),
        device_path: None,
        snapshot: None,
        size_bytes: 1 << 30,
        exists,
        zfs: Some(facts),
    }
}

fn enc(root: &str, key: KeyStatus) -> ZfsFacts {
    ZfsFacts { encryption: "aes-256-gcm".into(), encryption_root: Some(root.into()), key_status: key, key_location: None }
}

fn lvm(volume: &str, provider: ProviderKind, pool: &str) -> VolumeFacts {
    VolumeFacts {
        provider,
        storage_pool: pool.into(),
        layers: vec![LayerKind::Drbd, LayerKind::Storage],
        drbd_metadata: None,
        volume: volume.into(),
        device_path: None,
        snapshot: None,
        size_bytes: 1 << 30,
        exists: true,
        zfs: None,
    }
}

fn req(source: VolumeFacts, target: VolumeFacts) -> CloneRequest {
    CloneRequest { version: 1, source, target, options: PlanOptions::default() }
}

fn chosen(p: &Plan) -> Option<CloneStrategy> {
    p.chosen
}

fn order(p: &Plan) -> Vec<CloneStrategy> {
    p.candidates.iter().map(|c| c.strategy).collect()
}

fn ops(p: &Plan, s: CloneStrategy) -> Vec<StepOp> {
    p.candidate(s).expect("candidate").steps.iter().map(|st| st.op.clone()).collect()
}

#[test]
fn seed_case_never_receives_with_force_and_swaps_after_receive() {
    let r = seed_case();
    let p = plan(&r);
    assert_eq!(chosen(&p), Some(ZfsCopy));
    assert_eq!(order(&p), vec![ZfsCopy, ZfsRawCopy, BlockCopy]);
    let steps = ops(&p, ZfsCopy);
    let recv = steps.iter().position(|s| matches!(s, StepOp::ZfsSendReceive { .. })).expect("a receive");
    let destroy = steps.iter().position(|s| matches!(s, StepOp::ZfsDestroyEmpty { .. })).expect("target replaced");
    let rename = steps.iter().position(|s| matches!(s, StepOp::ZfsRename { .. })).expect("rename");
    assert!(recv < destroy && destroy < rename, "the empty target is replaced only after the receive: {steps:?}");
    match &steps[recv] {
        StepOp::ZfsSendReceive { target, force, embed, raw, .. } => {
            assert!(!force);
            assert!(!raw);
            assert!(!embed, "embedded-data streams cannot be received into an encrypted dataset");
            assert_ne!(target, &r.target.volume, "never receive onto the pre-created encrypted target");
            assert!(target.starts_with("tmp-pool/incus/"), "lands under the encrypted parent: {target}");
        }
        _ => unreachable!(),
    }
    assert!(p.candidates.iter().flat_map(|c| &c.steps).all(|s| !s.command.contains("receive -F")));
}

#[test]
fn seed_case_stock_mode_reproduces_linstor_and_flags_the_failure() {
    let mut r = seed_case();
    r.options.linstor_stock = true;
    let p = plan(&r);
    assert_eq!(chosen(&p), Some(ZfsCopy));
    assert_eq!(order(&p), vec![ZfsCopy, BlockCopy]);
    let c = p.candidate(ZfsCopy).unwrap();
    assert_eq!(c.steps[1].command, format!(
        "zfs send --embed --large-block {}@{} | zfs receive -F {}",
        r.source.volume,
        super::steps::clone_snapshot_name(&r.target.volume),
        r.target.volume
    ));
    assert!(c.warning.as_deref().unwrap().contains("zfs receive -F cannot be used to destroy an encrypted filesystem"));
    assert_eq!(p.candidate(BlockCopy).unwrap().linstor_name, "DD");
    assert!(p.candidate(BlockCopy).unwrap().steps[0].command.starts_with("dd if=/dev/zvol/"));
}

#[test]
fn source_key_unavailable_leaves_only_raw_send() {
    let r = req(
        zfs("p/enc/src", ProviderKind::ZfsThin, enc("p/enc", KeyStatus::Unavailable), true),
        zfs("p/enc/tgt", ProviderKind::ZfsThin, enc("p/enc", KeyStatus::Available), true),
    );
    let p = plan(&r);
    assert_eq!(order(&p), vec![ZfsRawCopy]);
    assert!(p.rejection(ZfsCopy).unwrap().contains("not loaded"));
    assert!(p.rejection(BlockCopy).unwrap().contains("not loaded"));
}

#[test]
fn encrypted_to_plain_refuses_plaintext_unless_allowed() {
    let mut r = req(
        zfs("p/enc/src", ProviderKind::ZfsThin, enc("p/enc", KeyStatus::Available), true),
        zfs("p/plain/tgt", ProviderKind::ZfsThin, ZfsFacts::plain(), false),
    );
    let p = plan(&r);
    assert_eq!(chosen(&p), Some(ZfsRawCopy));
    assert!(p.rejection(ZfsCopy).unwrap().contains("plaintext"));
    assert!(p.rejection(BlockCopy).unwrap().contains("plaintext"));
    r.options.allow_decrypt = true;
    let p = plan(&r);
    assert_eq!(order(&p), vec![ZfsCopy, ZfsRawCopy, BlockCopy]);
    assert!(p.candidate(ZfsCopy).unwrap().reason.contains("allowed by options.allow_decrypt"));
}

#[test]
fn encrypted_under_encrypted_parent_prefers_copy_then_raw() {
    let r = req(
        zfs("p/enc/src", ProviderKind::ZfsThin, enc("p/enc", KeyStatus::Available), true),
        zfs("q/enc/tgt", ProviderKind::ZfsThin, enc("q/enc", KeyStatus::Available), false),
    );
    let p = plan(&r);
    assert_eq!(order(&p), vec![ZfsCopy, ZfsRawCopy, BlockCopy]);
    let steps = ops(&p, ZfsCopy);
    assert!(steps.iter().any(|s| matches!(s, StepOp::ZfsSendReceive { target, .. } if target == "q/enc/tgt")));
    assert!(!steps.iter().any(|s| matches!(s, StepOp::ZfsDestroyEmpty { .. })), "nothing to replace");
}

#[test]
fn target_key_unloaded_blocks_non_raw_receive() {
    let r = req(
        zfs("p/plain/src", ProviderKind::ZfsThin, ZfsFacts::plain(), true),
        zfs("p/enc/tgt", ProviderKind::ZfsThin, enc("p/enc", KeyStatus::Unavailable), false),
    );
    let p = plan(&r);
    assert_eq!(chosen(&p), None);
    assert!(p.rejection(ZfsCopy).unwrap().contains("key unloaded"));
    assert!(p.rejection(ZfsRawCopy).unwrap().contains("not encrypted"));
}

#[test]
fn zfs_clone_needs_option_and_same_pool() {
    let plain = || ZfsFacts::plain();
    let mut r = req(zfs("p/a", ProviderKind::ZfsThin, plain(), true), zfs("p/b", ProviderKind::ZfsThin, plain(), false));
    assert!(plan(&r).rejection(ZfsClone).unwrap().contains("use_zfs_clone"));
    r.options.use_zfs_clone = true;
    assert_eq!(chosen(&plan(&r)), Some(ZfsClone));
    r.target.storage_pool = "other".into();
    assert!(plan(&r).rejection(ZfsClone).unwrap().contains("same storage pool"));
    assert_eq!(chosen(&plan(&r)), Some(ZfsCopy));
}

#[test]
fn zfs_clone_of_plain_source_under_encrypted_parent_is_refused() {
    let mut r = req(
        zfs("p/a", ProviderKind::ZfsThin, ZfsFacts::plain(), true),
        zfs("p/enc/b", ProviderKind::ZfsThin, enc("p/enc", KeyStatus::Available), false),
    );
    r.options.use_zfs_clone = true;
    let p = plan(&r);
    assert!(p.rejection(ZfsClone).unwrap().contains("unencrypted"));
    assert_eq!(chosen(&p), Some(ZfsCopy));
}

#[test]
fn lvm_thin_clone_only_in_the_same_pool() {
    let r = req(lvm("vg/src", ProviderKind::LvmThin, "thin1"), lvm("vg/tgt", ProviderKind::LvmThin, "thin1"));
    let p = plan(&r);
    assert_eq!(chosen(&p), Some(LvmThinClone));
    assert!(!p.candidate(LvmThinClone).unwrap().needs_open_devices);
    let r2 = req(lvm("vg/src", ProviderKind::LvmThin, "thin1"), lvm("vg/tgt", ProviderKind::LvmThin, "thin2"));
    let p2 = plan(&r2);
    assert_eq!(chosen(&p2), Some(BlockCopy));
    assert!(p2.rejection(LvmThinClone).unwrap().contains("same storage pool"));
}

#[test]
fn luks_anywhere_means_block_copy_writing_zeros() {
    for (src_luks, tgt_luks) in [(true, false), (false, true), (true, true)] {
        let mut s = lvm("vg/src", ProviderKind::LvmThin, "thin1");
        let mut t = lvm("vg/tgt", ProviderKind::LvmThin, "thin1");
        if src_luks {
            s.layers.insert(1, LayerKind::Luks);
        }
        if tgt_luks {
            t.layers.insert(1, LayerKind::Luks);
        }
        let mut r = req(s, t);
        r.options.allow_decrypt = true;
        let p = plan(&r);
        assert_eq!(order(&p), vec![BlockCopy], "luks src={src_luks} tgt={tgt_luks}");
        assert!(p.rejection(LvmThinClone).unwrap().contains("LUKS"));
        assert!(matches!(ops(&p, BlockCopy)[0], StepOp::BlockCopy { sparse: SparseMode::Never, .. }));
    }
}

#[test]
fn luks_source_to_plain_target_is_plaintext() {
    let mut s = lvm("vg/src", ProviderKind::Lvm, "p");
    s.layers.insert(1, LayerKind::Luks);
    let p = plan(&req(s, lvm("vg/tgt", ProviderKind::Lvm, "p")));
    assert_eq!(chosen(&p), None);
    assert!(p.rejection(BlockCopy).unwrap().contains("plaintext"));
}

#[test]
fn mixed_providers_block_copy_sparse_only_on_thin_targets() {
    let s = zfs("p/src", ProviderKind::ZfsThin, ZfsFacts::plain(), true);
    let p = plan(&req(s.clone(), lvm("vg/tgt", ProviderKind::LvmThin, "thin1")));
    assert_eq!(order(&p), vec![BlockCopy]);
    assert!(matches!(ops(&p, BlockCopy)[0], StepOp::BlockCopy { sparse: SparseMode::Auto, .. }));
    let p = plan(&req(s, lvm("vg/tgt", ProviderKind::Lvm, "thick")));
    assert!(matches!(ops(&p, BlockCopy)[0], StepOp::BlockCopy { sparse: SparseMode::Never, .. }));
    let mut f = lvm("/var/lib/linstor/t.img", ProviderKind::FileThin, "files");
    f.device_path = Some("/dev/loop7".into());
    let p = plan(&req(lvm("vg/src", ProviderKind::Lvm, "p"), f));
    assert!(matches!(&ops(&p, BlockCopy)[0], StepOp::BlockCopy { target, sparse: SparseMode::Auto, .. } if target == "/dev/loop7"));
}

#[test]
fn smaller_target_gets_no_strategy_with_sizes_in_the_reason() {
    let mut t = lvm("vg/tgt", ProviderKind::LvmThin, "thin1");
    t.size_bytes = 1000;
    let p = plan(&req(lvm("vg/src", ProviderKind::LvmThin, "thin1"), t));
    assert_eq!(chosen(&p), None);
    assert_eq!(p.rejected.len(), 5);
    assert!(p.rejected.iter().all(|r| r.reason.contains("1000 bytes") && r.reason.contains(&(1u64 << 30).to_string())));
}

#[test]
fn drbd_internal_metadata_into_plain_target_is_refused() {
    let mut t = lvm("vg/tgt", ProviderKind::Lvm, "p");
    t.layers = vec![LayerKind::Storage];
    let p = plan(&req(lvm("vg/src", ProviderKind::Lvm, "p"), t.clone()));
    assert_eq!(chosen(&p), None);
    assert!(p.rejection(BlockCopy).unwrap().contains("DRBD internal metadata"));
    let mut s = lvm("vg/src", ProviderKind::Lvm, "p");
    s.drbd_metadata = Some(DrbdMetadata::External);
    assert_eq!(chosen(&plan(&req(s, t))), Some(BlockCopy));
}

#[test]
fn thick_zfs_target_gets_refreservation_and_larger_target_its_volsize() {
    let s = zfs("p/src", ProviderKind::ZfsThin, ZfsFacts::plain(), true);
    let mut t = zfs("p/tgt", ProviderKind::Zfs, ZfsFacts::plain(), true);
    t.size_bytes = 2 << 30;
    let steps = ops(&plan(&req(s, t)), ZfsCopy);
    let sets: Vec<(String, String)> = steps
        .iter()
        .filter_map(|s| match s {
            // On the copy, before it takes the pre-created target's place.
            StepOp::ZfsSet { property, value, dataset } if dataset == "p/tgt.volclone-tmp" => Some((property.clone(), value.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(sets, vec![("volsize".into(), (2u64 << 30).to_string()), ("refreservation".into(), "auto".into())]);
    let set_at = steps.iter().position(|s| matches!(s, StepOp::ZfsSet { .. })).unwrap();
    let swap_at = steps.iter().position(|s| matches!(s, StepOp::ZfsRename { .. })).unwrap();
    assert!(set_at < swap_at, "size and reservation before the swap: {steps:?}");
}

#[test]
fn forbid_skips_a_usable_strategy_and_says_so() {
    let mut r = seed_case();
    r.options.forbid = vec![ZfsCopy];
    let p = plan(&r);
    assert_eq!(chosen(&p), Some(ZfsRawCopy));
    assert!(p.rejection(ZfsCopy).unwrap().contains("forbidden"));
}

#[test]
fn old_zfs_has_no_raw_send() {
    let mut r = req(
        zfs("p/enc/src", ProviderKind::ZfsThin, enc("p/enc", KeyStatus::Unavailable), true),
        zfs("p/enc/tgt", ProviderKind::ZfsThin, enc("p/enc", KeyStatus::Available), false),
    );
    r.options.zfs_version = Some("0.7.13".into());
    let p = plan(&r);
    assert_eq!(chosen(&p), None);
    assert!(p.rejection(ZfsRawCopy).unwrap().contains("0.7.13"));
}

#[test]
fn same_volume_is_refused() {
    let v = lvm("vg/x", ProviderKind::Lvm, "p");
    let p = plan(&req(v.clone(), v));
    assert_eq!(chosen(&p), None);
    assert!(p.rejection(BlockCopy).unwrap().contains("same volume"));
}

#[test]
fn malformed_json_names_line_and_column() {
    let e = CloneRequest::from_json("{\n  \"version\": 1,\n  \"source\": {,\n}").unwrap_err().to_string();
    assert!(e.contains("malformed JSON at line 3 column"), "{e}");
}

#[test]
fn unknown_provider_and_missing_fields_are_named() {
    let bad = crate::examples::SEED_CASE_JSON.replacen("\"ZFS_THIN\"", "\"ZFS_THICK\"", 1);
    let e = CloneRequest::from_json(&bad).unwrap_err().to_string();
    assert!(e.contains("unknown variant `ZFS_THICK`") && e.contains("LVM_THIN"), "{e}");
    let bad = crate::examples::SEED_CASE_JSON.replacen("\"size_bytes\": 10737418240,", "", 1);
    let e = CloneRequest::from_json(&bad).unwrap_err().to_string();
    assert!(e.contains("missing field `size_bytes`"), "{e}");
    let bad = crate::examples::SEED_CASE_JSON.replacen("\"version\": 1", "\"version\": 2", 1);
    assert!(CloneRequest::from_json(&bad).unwrap_err().to_string().contains("version 2 is not supported"));
}

#[test]
fn zfs_provider_without_zfs_facts_is_an_error_not_a_guess() {
    let mut r = seed_case();
    r.source.zfs = None;
    let e = r.validate().unwrap_err().to_string();
    assert!(e.contains("source: `zfs` facts are required for provider ZFS_THIN"), "{e}");
    let mut r = seed_case();
    r.target.zfs.as_mut().unwrap().key_status = KeyStatus::None;
    assert!(r.validate().unwrap_err().to_string().contains("key_status` is none"));
}

#[test]
fn zfs_versions_parse_from_package_strings() {
    assert_eq!(ZfsVersion::parse("zfs-2.1.11-1+deb12u1").unwrap(), ZfsVersion { major: 2, minor: 1, patch: 11 });
    assert_eq!(ZfsVersion::parse("2.3.2-2~bpo12+2").unwrap(), ZfsVersion { major: 2, minor: 3, patch: 2 });
    assert!(ZfsVersion::parse("two").is_err());
}

#[test]
fn plan_json_round_trips() {
    let p = plan(&seed_case());
    let back: Plan = serde_json::from_str(&p.to_json()).unwrap();
    assert_eq!(back, p);
}

// ---- properties ----

fn arb_zfs_facts() -> impl proptest::strategy::Strategy<Value = ZfsFacts> {
    prop_oneof![
        Just(ZfsFacts::plain()),
        (prop_oneof![Just(KeyStatus::Available), Just(KeyStatus::Unavailable)], proptest::option::of(Just("file:///k".to_owned())))
            .prop_map(|(k, loc)| ZfsFacts { key_location: loc, ..enc("p/enc", k) }),
    ]
}

fn arb_volume() -> impl proptest::strategy::Strategy<Value = VolumeFacts> {
    let providers = prop_oneof![
        Just(ProviderKind::Zfs),
        Just(ProviderKind::ZfsThin),
        Just(ProviderKind::Lvm),
        Just(ProviderKind::LvmThin),
        Just(ProviderKind::File),
        Just(ProviderKind::FileThin),
    ];
    let layers = prop_oneof![
        Just(vec![LayerKind::Storage]),
        Just(vec![LayerKind::Drbd, LayerKind::Storage]),
        Just(vec![LayerKind::Luks, LayerKind::Storage]),
        Just(vec![LayerKind::Drbd, LayerKind::Luks, LayerKind::Storage]),
    ];
    (
        providers,
        prop_oneof![Just("pool1"), Just("pool2")],
        layers,
        prop_oneof![Just(None), Just(Some(DrbdMetadata::External))],
        prop_oneof![Just("p/a"), Just("p/b"), Just("q/c")],
        prop_oneof![Just(1u64 << 20), Just(1u64 << 30), Just((1u64 << 30) + 4096)],
        any::<bool>(),
        arb_zfs_facts(),
    )
        .prop_map(|(provider, pool, layers, md, vol, size, exists, z)| {
            let md = if layers.contains(&LayerKind::Drbd) { md } else { None };
            VolumeFacts {
                provider,
                storage_pool: pool.into(),
                layers,
                drbd_metadata: md,
                // File providers name their volume by an absolute path.
                volume: if matches!(provider, ProviderKind::File | ProviderKind::FileThin) { format!("/{vol}") } else { vol.into() },
                device_path: None,
                snapshot: None,
                size_bytes: size,
                exists,
                zfs: provider.is_zfs().then_some(z),
            }
        })
}

fn arb_request() -> impl proptest::strategy::Strategy<Value = CloneRequest> {
    let all = proptest::sample::subsequence(CloneStrategy::ALL.to_vec(), 0..=2);
    let versions = prop_oneof![Just(None), Just(Some("0.7.1".to_owned())), Just(Some("2.1.11".to_owned()))];
    let snapshots = prop_oneof![Just(None), Just(Some("CF_5eed0001")), Just(Some("a snap"))];
    (arb_volume(), arb_volume(), any::<bool>(), any::<bool>(), all, versions, snapshots).prop_map(
        |(mut source, target, use_zfs_clone, allow_decrypt, forbid, zfs_version, snap)| {
            // The source may be read from an existing snapshot where its provider has them.
            let lvm_ok = snap.is_none_or(|n| !n.contains(' '));
            if source.provider.is_zfs() || (matches!(source.provider, ProviderKind::Lvm | ProviderKind::LvmThin) && lvm_ok) {
                source.snapshot = snap.map(str::to_owned);
            }
            CloneRequest {
                version: 1,
                source,
                target,
                options: PlanOptions { use_zfs_clone, allow_decrypt, forbid, zfs_version, linstor_stock: false },
            }
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn plans_are_ordered_complete_and_consistent(r in arb_request()) {
        prop_assert!(r.validate().is_ok());
        let p = plan(&r);
        prop_assert_eq!(p.chosen, p.candidates.first().map(|c| c.strategy));
        prop_assert!(p.candidates.windows(2).all(|w| w[0].priority <= w[1].priority), "ordered by priority");
        let mut seen: Vec<CloneStrategy> = order(&p);
        seen.extend(p.rejected.iter().map(|x| x.strategy));
        seen.sort();
        prop_assert_eq!(seen, CloneStrategy::ALL.to_vec(), "each strategy is either a candidate or rejected, once");
        for c in &p.candidates {
            prop_assert!(super::rule_rejection(c.strategy, &r).is_none(), "{} is rejected by a rule", c.strategy);
            prop_assert!(!r.options.forbid.contains(&c.strategy));
            prop_assert!(!c.steps.is_empty());
        }
        prop_assert!(p.rejected.iter().all(|x| !x.reason.is_empty()));
    }

    #[test]
    fn never_receive_force_nor_onto_an_existing_target(r in arb_request()) {
        for c in plan(&r).candidates {
            for s in &c.steps {
                if let StepOp::ZfsSendReceive { force, target, .. } = &s.op {
                    prop_assert!(!force);
                    prop_assert!(!(r.target.exists && target == &r.target.volume), "receive onto the pre-created target");
                }
                prop_assert!(!s.command.contains("receive -F"));
            }
        }
    }

    /// With a given snapshot, nothing snapshots, changes or destroys it, and every strategy
    /// reads that point in time.
    #[test]
    fn a_given_snapshot_is_read_and_never_touched(r in arb_request()) {
        let Some(name) = r.source.snapshot_name() else { return Ok(()) };
        for c in plan(&r).candidates {
            for s in &c.steps {
                match &s.op {
                    StepOp::ZfsSnapshot { .. } => prop_assert!(false, "{}: a second snapshot is taken", c.strategy),
                    StepOp::ZfsDestroySnapshot { snapshot } => prop_assert!(!snapshot.starts_with(&format!("{}@", r.source.volume)), "destroys {}", snapshot),
                    StepOp::ZfsSendReceive { snapshot, .. } | StepOp::ZfsClone { snapshot, .. } => {
                        prop_assert_eq!(snapshot, &format!("{}@{name}", r.source.volume));
                    }
                    StepOp::LvmThinSnapshot { origin, .. } => prop_assert_eq!(origin, name),
                    StepOp::BlockCopy { source, .. } => prop_assert!(source.ends_with(name), "block copy reads {}", source),
                    _ => {}
                }
            }
        }
    }

    /// No argv word made from a name can read as an option, and every command line reads back
    /// through a shell as its argv.
    #[test]
    fn argvs_cannot_be_bent_by_names(r in arb_request()) {
        for c in plan(&r).candidates {
            for s in &c.steps {
                prop_assert_eq!(&s.argv, &s.op.argv());
                prop_assert_eq!(&s.command, &crate::names::shell_line(&s.argv));
                for argv in &s.argv {
                    let names = [&r.source.volume, &r.target.volume];
                    for w in argv {
                        prop_assert!(!(w.starts_with('-') && names.iter().any(|n| w.contains(n.as_str()))), "{:?} in {:?}", w, argv);
                    }
                }
            }
        }
    }

    #[test]
    fn no_plaintext_from_encrypted_source_without_allow_decrypt(r in arb_request()) {
        let p = plan(&r);
        if r.source.encrypted_at_rest() && !r.target.encrypted_at_rest() && !r.options.allow_decrypt {
            for c in &p.candidates {
                prop_assert!(matches!(c.strategy, ZfsRawCopy | ZfsClone), "{} would decrypt", c.strategy);
            }
        }
    }

    #[test]
    fn luks_means_block_copy_without_zero_skipping(r in arb_request()) {
        let p = plan(&r);
        if r.source.has_layer(LayerKind::Luks) || r.target.has_layer(LayerKind::Luks) {
            for c in &p.candidates {
                prop_assert_eq!(c.strategy, BlockCopy);
                let never = matches!(c.steps[0].op, StepOp::BlockCopy { sparse: SparseMode::Never, .. });
                prop_assert!(never, "zeros skipped through LUKS");
            }
        }
    }

    #[test]
    fn impossible_facts_give_no_strategy(r in arb_request()) {
        let p = plan(&r);
        if r.target.size_bytes < r.source.size_bytes {
            prop_assert_eq!(p.chosen, None);
        }
        if r.source.key_status() == KeyStatus::Unavailable {
            prop_assert!(p.chosen.is_none() || p.chosen == Some(ZfsRawCopy));
        }
    }

    #[test]
    fn requests_round_trip_through_json(r in arb_request()) {
        prop_assert_eq!(CloneRequest::from_json(&r.to_json()).unwrap(), r);
    }

    #[test]
    fn any_text_gives_a_request_or_an_error_never_a_panic(s in "\\PC{0,200}") {
        let _ = super::plan_json(&s);
    }

    #[test]
    fn stock_mode_never_panics_and_orders_by_priority(mut r in arb_request()) {
        r.options.linstor_stock = true;
        let p = plan(&r);
        prop_assert!(p.candidates.windows(2).all(|w| w[0].priority <= w[1].priority));
        prop_assert!(p.candidates.iter().any(|c| c.strategy == BlockCopy), "LINSTOR always offers DD");
    }
}

#[test]
fn seed_case_from_linstors_snapshot_takes_none_of_its_own() {
    let mut r = seed_case();
    r.source.snapshot = Some(format!("{}@CF_5eed0001", r.source.volume));
    r.validate().unwrap();
    let p = plan(&r);
    let c = p.candidate(ZfsCopy).unwrap();
    let ops: Vec<&StepOp> = c.steps.iter().map(|s| &s.op).collect();
    assert!(matches!(ops[0], StepOp::ZfsSendReceive { snapshot, .. } if *snapshot == format!("{}@CF_5eed0001", r.source.volume)));
    assert!(!ops.iter().any(|o| matches!(o, StepOp::ZfsSnapshot { .. })));
    let destroyed: Vec<&String> = ops.iter().filter_map(|o| if let StepOp::ZfsDestroySnapshot { snapshot } = o { Some(snapshot) } else { None }).collect();
    assert_eq!(destroyed, vec![&format!("{}@CF_5eed0001", r.target.volume)], "only the received copy of the snapshot goes");
    let bc = p.candidate(BlockCopy).unwrap();
    assert!(
        matches!(&bc.steps[0].op, StepOp::BlockCopy { source, show_snapshot: Some(s), .. }
            if *source == format!("/dev/zvol/{}@CF_5eed0001", r.source.volume) && *s == format!("{}@CF_5eed0001", r.source.volume)),
        "{:?}",
        bc.steps[0].op
    );
    // LINSTOR's own device path (it opened the snapshot): read as given, nothing to show.
    r.source.device_path = Some("/dev/mapper/vm-base_00000CF_vm-clone".into());
    let p = plan(&r);
    assert!(matches!(&p.candidate(BlockCopy).unwrap().steps[0].op, StepOp::BlockCopy { source, show_snapshot: None, .. } if source.starts_with("/dev/mapper/")));
}

#[test]
fn a_snapshot_of_another_volume_or_on_the_target_is_refused() {
    let mut r = seed_case();
    r.source.snapshot = Some("tmp-pool/other@CF_1".into());
    assert!(r.names_error().unwrap().to_string().contains("is a snapshot of tmp-pool/other"));
    let p = plan(&r);
    assert!(p.chosen.is_none() && p.rejected.iter().all(|x| x.reason.contains("is a snapshot of tmp-pool/other")), "{p:?}");
    let mut r = seed_case();
    r.target.snapshot = Some("CF_1".into());
    assert!(r.validate().unwrap_err().to_string().contains("target.snapshot"));
}

#[test]
fn names_are_quoted_or_refused_never_run() {
    let mut r = req(
        VolumeFacts { provider: ProviderKind::FileThin, volume: "/srv/my images/base image.img".into(), ..zfs("x/s", ProviderKind::ZfsThin, ZfsFacts::plain(), true) },
        VolumeFacts { provider: ProviderKind::FileThin, volume: "/srv/my images/clone.img".into(), ..zfs("x/t", ProviderKind::ZfsThin, ZfsFacts::plain(), true) },
    );
    r.source.zfs = None;
    r.target.zfs = None;
    r.validate().unwrap();
    let p = plan(&r);
    let s = &p.candidate(BlockCopy).unwrap().steps[0];
    assert_eq!(s.argv[0][4..], ["--".to_owned(), "/srv/my images/base image.img".into(), "/srv/my images/clone.img".into()]);
    assert_eq!(s.command, "volclone copy --sparse auto -- '/srv/my images/base image.img' '/srv/my images/clone.img'");
    let mut bad = r.clone();
    bad.source.provider = ProviderKind::LvmThin;
    bad.source.volume = "vg/b$(touch x)".into();
    bad.validate().unwrap(); // a v1 request 0.1.0 accepted: still accepted ...
    assert!(bad.names_error().unwrap().to_string().contains("source.volume"));
    let p = plan(&bad); // ... but nothing can run, and the plan says why
    assert!(p.chosen.is_none() && p.candidates.is_empty(), "{p:?}");
    assert!(p.rejected.iter().all(|x| x.reason.contains("source.volume") && x.reason.contains("holds '$'")), "{p:?}");
    bad.source.volume = "vg/-b".into();
    assert!(bad.names_error().unwrap().to_string().contains("starts with '-'"));
    assert!(plan(&bad).chosen.is_none());
}

#[test]
fn zfs_copy_sends_compressed_only_within_one_pool_and_says_so() {
    let flags = |p: &Plan| {
        ops(p, CloneStrategy::ZfsCopy).iter().find_map(|o| match o {
            StepOp::ZfsSendReceive { compressed, raw, .. } => Some((*compressed, *raw)),
            _ => None,
        })
    };
    let same = plan(&req(zfs("zpool1/a", ProviderKind::ZfsThin, enc("zpool1", KeyStatus::Available), true), zfs("zpool1/b", ProviderKind::ZfsThin, enc("zpool1", KeyStatus::Available), false)));
    assert_eq!(flags(&same), Some((true, false)));
    let reason = |p: &Plan, s| p.candidate(s).unwrap().reason.clone();
    assert!(reason(&same, CloneStrategy::ZfsCopy).contains("--compressed, as both are in one pool"), "{}", reason(&same, CloneStrategy::ZfsCopy));
    assert!(same.candidate(CloneStrategy::ZfsCopy).unwrap().steps.iter().any(|s| s.command.contains("zfs send --large-block --compressed ")));
    // Another zpool may lack the source's compression feature: blocks go uncompressed.
    let mut other = zfs("zpool2/b", ProviderKind::ZfsThin, enc("zpool2", KeyStatus::Available), false);
    other.storage_pool = "zpool2".into();
    let across = plan(&req(zfs("zpool1/a", ProviderKind::ZfsThin, enc("zpool1", KeyStatus::Available), true), other));
    assert_eq!(flags(&across), Some((false, false)));
    assert!(reason(&across, CloneStrategy::ZfsCopy).contains("sent uncompressed"));
    // A raw send sends blocks as stored anyway; the block copy sends nothing.
    assert!(reason(&same, CloneStrategy::ZfsRawCopy).contains("blocks travel exactly as stored"));
    let raw = ops(&same, CloneStrategy::ZfsRawCopy);
    assert!(raw.iter().any(|o| matches!(o, StepOp::ZfsSendReceive { raw: true, compressed: false, .. })));
    let block = reason(&same, CloneStrategy::BlockCopy);
    assert!(!block.contains("compress") && !block.contains("send"), "{block}");
}
