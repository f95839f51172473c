//! Unit tests of the executor against an in-memory ZFS (the real one is tested in the VM).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use super::*;
use crate::copy::NoProgress;
use crate::examples::seed_case;
use crate::planner::plan;

/// An in-memory ZFS: names, properties (a dataset's move with it on rename), partial receives
/// with resume tokens, and failure injection: `fail_on` makes one verb fail (an error the
/// executor sees), `crash_after` kills the "process" after that many changes (a panic the
/// executor never sees the end of: no undo runs, as after SIGKILL), and `crash_in_stream`
/// kills it half-way through a receive.
#[derive(Default)]
struct FakeZfs {
    names: Mutex<BTreeSet<String>>,
    props: Mutex<BTreeMap<(String, String), String>>,
    log: Mutex<Vec<String>>,
    fail_on: Option<&'static str>,
    crash_after: Mutex<Option<usize>>,
    crash_in_stream: Mutex<bool>,
    /// Bytes every full stream has.
    stream: u64,
    /// Questions asked (exists, get, get_many calls): each is a `zfs` process for real.
    reads: std::sync::atomic::AtomicUsize,
}

/// The panic payload of a simulated kill.
struct Killed;

impl FakeZfs {
    fn with(names: &[&str]) -> Self {
        let f = FakeZfs { stream: 4096, ..FakeZfs::default() };
        f.names.lock().unwrap().extend(names.iter().map(|s| s.to_string()));
        f
    }
    fn has(&self, n: &str) -> bool {
        self.names.lock().unwrap().contains(n)
    }
    fn prop(&self, n: &str, p: &str) -> Option<String> {
        self.props.lock().unwrap().get(&(n.to_owned(), p.to_owned())).cloned()
    }
    fn put(&self, n: &str, p: &str, v: &str) {
        self.props.lock().unwrap().insert((n.to_owned(), p.to_owned()), v.to_owned());
    }
    /// Logs a change; fails it when injected; dies after it when the crash point is reached.
    fn act(&self, what: String) -> Result<()> {
        let verb = what.split(' ').next().unwrap().to_owned();
        self.log.lock().unwrap().push(what.clone());
        if self.fail_on == Some(verb.as_str()) {
            return Err(Error::CommandFailed { command: what, status: "exit status: 1".into(), stderr: "injected".into() });
        }
        Ok(())
    }
    fn tick(&self) {
        let mut c = self.crash_after.lock().unwrap();
        if let Some(n) = c.as_mut() {
            if *n == 0 {
                std::panic::panic_any(Killed);
            }
            *n -= 1;
        }
    }
    fn drop_name(&self, n: &str) {
        self.names.lock().unwrap().remove(n);
        self.props.lock().unwrap().retain(|(name, _), _| name != n);
    }
    /// A copy of the state (a rerun sees what the killed run left).
    fn state(&self) -> FakeZfs {
        FakeZfs {
            names: Mutex::new(self.names.lock().unwrap().clone()),
            props: Mutex::new(self.props.lock().unwrap().clone()),
            stream: self.stream,
            ..FakeZfs::default()
        }
    }
}

impl ZfsOps for FakeZfs {
    fn snapshot(&self, s: &str, props: &BTreeMap<String, String>) -> Result<()> {
        self.act(format!("snapshot {s}"))?;
        self.names.lock().unwrap().insert(s.into());
        for (k, v) in props {
            self.put(s, k, v);
        }
        // What the snapshot holds: a point in time of its dataset.
        self.put(s, "content", s);
        self.tick();
        Ok(())
    }
    fn send_receive(&self, sr: &SendReceive, _: &dyn Progress, cancel: &CancelToken) -> Result<u64> {
        self.act(format!("send_receive {} {} force={} resume={} -s={}", sr.snapshot, sr.target, sr.force, sr.resume_token.is_some(), sr.resumable))?;
        let (snap, already) = match &sr.resume_token {
            Some(t) => {
                let (toname, bytes) = self.resume_info(t)?;
                (toname, bytes)
            }
            None => (sr.snapshot.clone(), 0),
        };
        if !self.has(&snap) {
            return Err(Error::CommandFailed { command: "send".into(), status: "1".into(), stderr: format!("{snap} does not exist") });
        }
        let content = self.prop(&snap, "content").unwrap_or_default();
        if sr.resume_token.is_none() && self.has(&sr.target) {
            return Err(Error::CommandFailed { command: "receive".into(), status: "1".into(), stderr: "destination exists".into() });
        }
        if std::mem::take(&mut *self.crash_in_stream.lock().unwrap()) || cancel.is_cancelled() {
            // Half the stream arrives: a partial dataset with a resume token (receive -s).
            self.names.lock().unwrap().insert(sr.target.clone());
            self.put(&sr.target, "receive_resume_token", &format!("token:{snap}:{}", self.stream / 2));
            if cancel.is_cancelled() {
                return Err(Error::Cancelled { done: self.stream / 2, total: self.stream });
            }
            std::panic::panic_any(Killed);
        }
        let name = snap.rsplit('@').next().unwrap();
        self.names.lock().unwrap().extend([sr.target.clone(), format!("{}@{name}", sr.target)]);
        self.props.lock().unwrap().remove(&(sr.target.clone(), "receive_resume_token".into()));
        self.put(&sr.target, "content", &content);
        for (k, v) in &sr.receive_properties {
            self.put(&sr.target, k, v);
        }
        self.tick();
        Ok(self.stream - already)
    }
    fn send_size(&self, _: &SendReceive) -> Result<u64> {
        Ok(self.stream)
    }
    fn resume_info(&self, token: &str) -> Result<(String, u64)> {
        let mut parts = token.splitn(3, ':');
        let (_, snap, bytes) = (parts.next(), parts.next().unwrap_or_default(), parts.next().unwrap_or("0"));
        Ok((snap.to_owned(), bytes.parse().unwrap_or(0)))
    }
    fn abort_receive(&self, d: &str) -> Result<()> {
        self.act(format!("abort_receive {d}"))?;
        self.drop_name(d);
        self.tick();
        Ok(())
    }
    fn local_properties(&self, d: &str) -> Result<BTreeMap<String, String>> {
        let all = self.props.lock().unwrap();
        // What the fake sets by hand is "local"; its bookkeeping properties are not.
        let local = |k: &str| k.contains(':') || LOCAL_NATIVE.contains(&k);
        Ok(all.iter().filter(|((n, k), _)| n == d && local(k)).map(|((_, k), v)| (k.clone(), v.clone())).collect())
    }
    fn sync_pool(&self, _: &str) -> Result<()> {
        Ok(())
    }
    fn clone_snapshot(&self, s: &str, t: &str) -> Result<()> {
        self.act(format!("clone {s} {t}"))?;
        self.names.lock().unwrap().insert(t.into());
        self.put(t, "origin", s);
        self.put(t, "content", &self.prop(s, "content").unwrap_or_default());
        self.tick();
        Ok(())
    }
    fn destroy(&self, n: &str) -> Result<()> {
        if !n.contains('@') && !self.dependents(n)?.is_empty() {
            return Err(Error::CommandFailed { command: format!("destroy {n}"), status: "1".into(), stderr: "has children; use '-r'".into() });
        }
        self.act(format!("destroy {n}"))?;
        self.drop_name(n);
        self.tick();
        Ok(())
    }
    fn rename(&self, f: &str, t: &str) -> Result<()> {
        self.act(format!("rename {f} {t}"))?;
        {
            let mut names = self.names.lock().unwrap();
            let moved: Vec<String> = names.iter().filter(|n| *n == f || n.starts_with(&format!("{f}@"))).cloned().collect();
            for n in moved {
                names.remove(&n);
                names.insert(n.replacen(f, t, 1));
            }
            let mut props = self.props.lock().unwrap();
            let moved: Vec<((String, String), String)> =
                props.iter().filter(|((n, _), _)| n == f || n.starts_with(&format!("{f}@"))).map(|(k, v)| (k.clone(), v.clone())).collect();
            for ((n, k), v) in moved {
                props.remove(&(n.clone(), k.clone()));
                props.insert((n.replacen(f, t, 1), k), v);
            }
        }
        self.tick();
        Ok(())
    }
    fn set(&self, d: &str, p: &str, v: &str) -> Result<()> {
        self.act(format!("set {p}={v} {d}"))?;
        self.put(d, p, v);
        self.tick();
        Ok(())
    }
    fn inherit(&self, d: &str, p: &str) -> Result<()> {
        self.act(format!("inherit {p} {d}"))
    }
    fn source_of(&self, _: &str, _: &str) -> Result<String> {
        Ok("default".into())
    }
    fn get(&self, d: &str, props: &[&str]) -> Result<BTreeMap<String, String>> {
        self.reads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // As `zfs get -Hp`: `-` where a property is not set.
        Ok(props.iter().map(|p| (p.to_string(), self.prop(d, p).unwrap_or_else(|| "-".into()))).collect())
    }
    fn get_many(&self, names: &[&str], props: &[&str]) -> Result<crate::zfs::Described> {
        self.reads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(names
            .iter()
            .map(|n| (n.to_string(), self.has(n).then(|| props.iter().map(|p| (p.to_string(), self.prop(n, p).unwrap_or_else(|| "-".into()))).collect())))
            .collect())
    }
    fn exists(&self, n: &str) -> Result<bool> {
        self.reads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(self.has(n))
    }
    fn dependents(&self, d: &str) -> Result<Vec<String>> {
        Ok(self.names.lock().unwrap().iter().filter(|n| n.starts_with(&format!("{d}@")) || n.starts_with(&format!("{d}/"))).cloned().collect())
    }
    fn load_key(&self, d: &str) -> Result<()> {
        self.act(format!("load-key {d}"))
    }
    fn version(&self) -> Result<String> {
        Ok("zfs-2.1.11".into())
    }
}

/// Native properties the fake treats as set locally (as LINSTOR's `ZfscreateOptions` may).
const LOCAL_NATIVE: [&str; 5] = ["compression", "sync", "logbias", "volblocksize", "volsize"];

const SRC: &str = "tmp-pool/incus/vm-base_00000";
const TGT: &str = "tmp-pool/incus/vm-clone_00000";

fn seed_zfs(fail_on: Option<&'static str>) -> FakeZfs {
    let mut f = FakeZfs::with(&[SRC, TGT]);
    f.fail_on = fail_on;
    f.put(TGT, "logicalreferenced", "8192");
    f.put(TGT, "referenced", "12288");
    f
}

fn run(f: &FakeZfs) -> Result<ExecReport> {
    let _g = serial();
    let req = seed_case();
    execute(&plan(&req), &req, f, &ExecOptions::default(), &NoProgress, &CancelToken::new())
}

#[test]
fn seed_case_swaps_the_clone_in_and_cleans_up() {
    let f = seed_zfs(None);
    let r = run(&f).unwrap();
    assert_eq!(r.strategy, Strategy::ZfsCopy);
    let names = f.names.lock().unwrap().clone();
    assert_eq!(names, BTreeSet::from([SRC.to_owned(), TGT.to_owned()]), "no snapshot or temporary dataset left");
    assert_eq!(f.prop(TGT, PHASE_PROPERTY).as_deref(), Some("done"));
    let log = f.log.lock().unwrap().clone();
    assert!(log.iter().all(|l| !l.contains("force=true")));
    let recv = log.iter().position(|l| l.starts_with("send_receive")).unwrap();
    let destroy = log.iter().position(|l| l == &format!("destroy {TGT}")).unwrap();
    assert!(recv < destroy, "{log:?}");
}

#[test]
fn the_executor_asks_zfs_once_and_knows_what_its_own_changes_did() {
    let f = seed_zfs(None);
    run(&f).unwrap();
    let reads = f.reads.load(std::sync::atomic::Ordering::Relaxed);
    let changes = f.log.lock().unwrap().len();
    // One look at every name, then only the pre-created target's space, after each of the two
    // pool syncs of its emptiness checks (before the send, before the swap); what the 7 changes
    // did is known without asking.
    assert_eq!(changes, 7, "{:?}", f.log.lock().unwrap());
    assert_eq!(reads, 3, "{reads} looks: {:?}", f.log.lock().unwrap());
}

#[test]
fn failed_receive_leaves_source_and_target_as_they_were() {
    let f = seed_zfs(Some("send_receive"));
    let e = run(&f).unwrap_err();
    assert!(e.to_string().contains("injected"), "{e}");
    assert_eq!(f.names.lock().unwrap().clone(), BTreeSet::from([SRC.to_owned(), TGT.to_owned()]));
}

#[test]
fn a_target_holding_data_is_not_destroyed() {
    let f = seed_zfs(None);
    f.props.lock().unwrap().insert((TGT.into(), "logicalreferenced".into()), "52428800".into());
    let e = run(&f).unwrap_err();
    assert!(e.to_string().contains("holds data"), "{e}");
    assert_eq!(f.names.lock().unwrap().clone(), BTreeSet::from([SRC.to_owned(), TGT.to_owned()]), "landing and snapshots undone");
    assert!(!f.log.lock().unwrap().contains(&format!("destroy {TGT}")));
}

#[test]
fn a_target_with_snapshots_is_not_destroyed() {
    let f = seed_zfs(None);
    f.names.lock().unwrap().insert(format!("{TGT}@keep"));
    let e = run(&f).unwrap_err();
    assert!(e.to_string().contains("has snapshots or children"), "{e}");
    assert!(f.has(TGT) && f.has(&format!("{TGT}@keep")));
}

#[test]
fn a_stale_clone_snapshot_is_replaced_but_a_foreign_one_is_refused() {
    let req = seed_case();
    let snap = format!("{SRC}@{}", crate::planner::clone_snapshot_name(TGT));
    let f = seed_zfs(None);
    f.names.lock().unwrap().insert(snap.clone());
    f.props.lock().unwrap().insert((snap.clone(), "linstor:clone_for".into()), TGT.into());
    run(&f).unwrap();
    let g = seed_zfs(None);
    g.names.lock().unwrap().insert(snap.clone());
    let _s = serial();
    let e = execute(&plan(&req), &req, &g, &ExecOptions::default(), &NoProgress, &CancelToken::new()).unwrap_err();
    assert!(e.to_string().contains("not volclone's"), "{e}");
    assert!(g.has(&snap));
}

#[test]
fn failure_after_the_swap_keeps_the_clone() {
    let f = seed_zfs(Some("rename"));
    assert!(run(&f).is_err());
    assert!(f.has(&format!("{TGT}{}", crate::planner::TEMP_SUFFIX)), "the received copy is kept, not destroyed");
}

/// The executor takes a per-target lock: tests that run it one after the other.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    lock_dir();
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

/// Locks are files; tests that run the executor share one directory of their own.
fn lock_dir() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let d = std::env::temp_dir().join(format!("volclone-test-locks-{}", std::process::id()));
        // SAFETY: set once, before any test thread reads it (Once).
        unsafe { std::env::set_var("VOLCLONE_LOCK_DIR", d) };
    });
}

/// Runs `req`'s plan against `f`, and reports whether the run was killed.
fn run_req(req: &CloneRequest, f: &FakeZfs) -> std::result::Result<Result<ExecReport>, ()> {
    let _g = serial();
    let plan = plan(req);
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| execute(&plan, req, f, &ExecOptions::default(), &NoProgress, &CancelToken::new())))
        .map_err(|p| assert!(p.is::<Killed>(), "a real panic in the executor"))
}

#[test]
fn a_finished_clone_is_reported_done_without_a_second_send() {
    let f = seed_zfs(None);
    run(&f).unwrap();
    let g = f.state();
    let r = run(&g).unwrap();
    assert!(r.already_complete, "{r:?}");
    assert!(g.log.lock().unwrap().is_empty(), "nothing ran: {:?}", g.log.lock().unwrap());
}

#[test]
fn a_receive_killed_mid_stream_is_resumed() {
    let f = seed_zfs(None);
    *f.crash_in_stream.lock().unwrap() = true;
    assert!(run_req(&seed_case(), &f).is_err(), "killed");
    let g = f.state();
    let r = run_req(&seed_case(), &g).unwrap().unwrap();
    assert_eq!(r.bytes_saved, 2048, "half the stream was kept: {r:?}");
    assert_eq!(r.bytes, 2048);
    assert!(g.log.lock().unwrap().iter().any(|l| l.contains("resume=true")));
    assert_eq!(g.names.lock().unwrap().clone(), BTreeSet::from([SRC.to_owned(), TGT.to_owned()]));
}

#[test]
fn a_second_run_onto_the_same_target_fails_at_once_and_touches_nothing() {
    let g = serial();
    let held = lock::lock_target(TGT).unwrap();
    let f = seed_zfs(None);
    let req = seed_case();
    let e = execute(&plan(&req), &req, &f, &ExecOptions::default(), &NoProgress, &CancelToken::new()).unwrap_err();
    assert!(matches!(e, Error::Busy { .. }), "{e}");
    assert!(e.to_string().contains("another volclone run is cloning onto it"), "{e}");
    assert!(f.log.lock().unwrap().is_empty());
    drop(held);
    drop(g);
    run(&f).unwrap();
}

#[test]
fn cancel_undoes_even_a_partial_receive() {
    let _g = serial();
    let f = seed_zfs(None);
    let req = seed_case();
    let cancel = CancelToken::new();
    cancel.cancel();
    // Cancelled before the first step: nothing at all happens.
    let e = execute(&plan(&req), &req, &f, &ExecOptions::default(), &NoProgress, &cancel).unwrap_err();
    assert!(matches!(e, Error::Cancelled { .. }));
    assert!(f.log.lock().unwrap().is_empty());
}

#[test]
fn the_pre_created_targets_local_properties_move_to_the_clone() {
    let f = seed_zfs(None);
    f.put(TGT, "linstor:rsc", "vm-clone");
    // What LINSTOR's ZfscreateOptions may set at `zfs create`.
    f.put(TGT, "compression", "zstd");
    f.put(TGT, "sync", "always");
    f.put(TGT, "logbias", "throughput");
    f.put(TGT, "volblocksize", "16384"); // fixed at creation: not carried
    run(&f).unwrap();
    assert_eq!(f.prop(TGT, "linstor:rsc").as_deref(), Some("vm-clone"));
    assert_eq!(f.prop(TGT, "compression").as_deref(), Some("zstd"));
    assert_eq!(f.prop(TGT, "sync").as_deref(), Some("always"));
    assert_eq!(f.prop(TGT, "logbias").as_deref(), Some("throughput"));
    let log = f.log.lock().unwrap().clone();
    assert!(!log.iter().any(|l| l.contains("volblocksize")), "volblocksize is never set: {log:?}");
}

#[test]
fn no_strategy_is_an_error() {
    let mut req = seed_case();
    req.target.size_bytes = 1;
    let f = seed_zfs(None);
    let _s = serial();
    let e = execute(&plan(&req), &req, &f, &ExecOptions::default(), &NoProgress, &CancelToken::new()).unwrap_err();
    assert!(matches!(e, Error::NoStrategy(_)));
    assert!(f.log.lock().unwrap().is_empty());
}

mod crash {
    use super::*;
    use proptest::prelude::*;

    /// A clone of the seed's layout: which strategy, whether the target is pre-created, whether
    /// the caller gives the snapshot.
    fn request(strategy: u8, pre_created: bool, given: bool) -> CloneRequest {
        let mut r = seed_case();
        r.target.exists = pre_created;
        match strategy {
            0 => {}
            1 => r.options.forbid = vec![crate::strategy::Strategy::ZfsCopy],
            _ => r.options.use_zfs_clone = true,
        }
        if given {
            r.source.snapshot = Some("CF_5eed0001".into());
        }
        r
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

        /// Killed at any point (after any change, or half-way through the stream), then run
        /// again: the rerun finishes the clone, nothing of volclone's is left, and no object
        /// without this clone's marks is ever destroyed.
        #[test]
        fn crash_then_rerun_finishes_the_clone(strategy in 0u8..3, pre_created: bool, given: bool, crash_at in 0usize..14, in_stream: bool) {
            let req = request(strategy, pre_created, given);
            let snap_name = req.source.snapshot_name().map(str::to_owned).unwrap_or_else(|| crate::planner::clone_snapshot_name(TGT));
            let snap = format!("{SRC}@{snap_name}");
            let foreign = ["tmp-pool/incus/other".to_owned(), format!("{SRC}@keep")];
            let mut names = vec![SRC.to_owned()];
            if pre_created {
                names.push(TGT.to_owned());
            }
            if given {
                names.push(snap.clone());
            }
            names.extend(foreign.iter().cloned());
            let f = FakeZfs::with(&names.iter().map(String::as_str).collect::<Vec<_>>());
            if pre_created {
                f.put(TGT, "logicalreferenced", "8192");
                f.put(TGT, "referenced", "12288");
                f.put(TGT, "linstor:rsc", "vm-clone");
            }
            if given {
                f.put(&snap, "content", &snap);
                f.put(&snap, "linstor:clone_for", "vm-clone");
            }
            if in_stream {
                *f.crash_in_stream.lock().unwrap() = true;
            } else {
                *f.crash_after.lock().unwrap() = Some(crash_at);
            }
            let first = run_req(&req, &f);
            let g = f.state();
            let second = run_req(&req, &g);
            prop_assert!(second.is_ok(), "the rerun was killed");
            let report = second.unwrap();
            prop_assert!(report.is_ok(), "rerun after {:?}: {:?}", f.log.lock().unwrap(), report);
            let left = g.names.lock().unwrap().clone();
            let mut want: BTreeSet<String> = [SRC.to_owned(), TGT.to_owned()].into();
            want.extend(foreign.iter().cloned());
            // The caller's snapshot stays; a zfs clone keeps its origin.
            if given || strategy == 2 {
                want.insert(snap.clone());
            }
            prop_assert_eq!(&left, &want, "first run {:?} (killed: {}), rerun {:?}", f.log.lock().unwrap(), first.is_err(), g.log.lock().unwrap());
            prop_assert_eq!(g.prop(TGT, "content"), Some(snap.clone()), "the target holds the snapshot's data");
            if pre_created {
                let rsc = g.prop(TGT, "linstor:rsc");
                prop_assert_eq!(rsc.as_deref(), Some("vm-clone"), "the pre-created target's properties live on");
            }
            for log in [&f.log, &g.log] {
                for l in log.lock().unwrap().iter() {
                    for n in &foreign {
                        prop_assert!(l != &format!("destroy {n}"), "destroyed {} which is not this clone's", n);
                    }
                    if given {
                        prop_assert!(l != &format!("destroy {snap}"), "destroyed the caller's snapshot");
                    }
                }
            }
            // A kill in the stream resends only the rest.
            if in_stream && strategy != 2 {
                prop_assert_eq!(report.as_ref().unwrap().bytes_saved, 2048);
            }
        }
    }
}

#[test]
fn a_partial_receive_of_another_snapshot_is_refused_and_kept() {
    let f = seed_zfs(None);
    let landing = format!("{TGT}{}", crate::planner::TEMP_SUFFIX);
    f.names.lock().unwrap().insert(landing.clone());
    f.put(&landing, "receive_resume_token", "token:tmp-pool/other@s:100");
    let e = run(&f).unwrap_err();
    assert!(e.to_string().contains("holds a partial receive of tmp-pool/other@s") && e.to_string().contains("not this clone's"), "{e}");
    assert!(f.has(&landing) && f.has(TGT), "neither the partial receive nor the target was destroyed");
    let log = f.log.lock().unwrap().clone();
    assert!(!log.iter().any(|l| l == &format!("destroy {landing}") || l == &format!("abort_receive {landing}") || l == &format!("destroy {TGT}")), "{log:?}");
}

#[test]
fn an_untagged_dataset_at_the_landing_name_is_refused_and_kept() {
    let f = seed_zfs(None);
    let landing = format!("{TGT}{}", crate::planner::TEMP_SUFFIX);
    f.names.lock().unwrap().insert(landing.clone());
    let e = run(&f).unwrap_err();
    assert!(e.to_string().contains("is not this clone's"), "{e}");
    assert!(f.has(&landing) && f.has(TGT));
    assert!(!f.log.lock().unwrap().iter().any(|l| l.starts_with(&format!("destroy {landing}"))));
}

#[test]
fn receives_are_resumable_unless_no_resume_is_asked_for() {
    let _g = serial();
    let req = seed_case();
    for (no_resume, want) in [(false, "-s=true"), (true, "-s=false")] {
        let f = seed_zfs(None);
        let opts = ExecOptions { no_resume, ..ExecOptions::default() };
        execute(&plan(&req), &req, &f, &opts, &NoProgress, &CancelToken::new()).unwrap();
        let log = f.log.lock().unwrap().clone();
        let recv = log.iter().find(|l| l.starts_with("send_receive")).unwrap();
        assert!(recv.ends_with(want), "{recv}");
    }
}

#[test]
fn a_request_with_a_name_no_command_may_take_runs_nothing() {
    let f = seed_zfs(None);
    let _g = serial();
    let good = seed_case();
    let mut bad = good.clone();
    bad.target.volume = "tmp-pool/incus/clone\n-rf".into();
    // Even with a plan made for good names (a caller's own), the executor checks the request.
    let e = execute(&plan(&good), &bad, &f, &ExecOptions::default(), &NoProgress, &CancelToken::new()).unwrap_err();
    assert!(e.to_string().contains("target.volume"), "{e}");
    assert!(f.log.lock().unwrap().is_empty(), "nothing ran: {:?}", f.log.lock().unwrap());
}

#[test]
fn execute_options_are_strict_and_one_rate_bounds_every_strategy() {
    let o = ExecOptions::from_json(r#"{"rate_limit": 1048576}"#).unwrap();
    assert_eq!(o.block_copy_options().rate_limit, Some(1 << 20), "the top-level rate holds a block copy back");
    let o = ExecOptions::from_json(r#"{"rate_limit": 1048576, "copy": {"rate_limit": 2097152}}"#).unwrap();
    assert_eq!(o.block_copy_options().rate_limit, Some(2 << 20), "the copy's own rate wins");
    assert_eq!(ExecOptions::from_json(r#"{"rate_limit": 0, "copy": {"rate_limit": 0}}"#).unwrap().block_copy_options().rate_limit, None);
    for (bad, want) in [
        ("[]", "an array is not a JSON object"),
        ("null", "null is not a JSON object"),
        (r#"{"copy": []}"#, "\"copy\" is an array, not an object"),
        (r#"{"copy": {"verfy": true}}"#, "unknown field `verfy`"),
        (r#"{"rate": 5}"#, "unknown field `rate`"),
        (r#"{"copy": {"workers": 0}}"#, "workers = 0"),
        ("{", "malformed JSON"),
    ] {
        let e = ExecOptions::from_json(bad).unwrap_err().to_string();
        assert!(e.contains(want), "{bad}: {e}");
    }
}
