//! Unit tests of the executor against an in-memory ZFS (the real one is tested in the VM).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use super::*;
use crate::copy::NoProgress;
use crate::examples::seed_case;
use crate::planner::plan;

#[derive(Default)]
struct FakeZfs {
    names: Mutex<BTreeSet<String>>,
    props: Mutex<BTreeMap<(String, String), String>>,
    log: Mutex<Vec<String>>,
    fail_on: Option<&'static str>,
}

impl FakeZfs {
    fn with(names: &[&str]) -> Self {
        let f = FakeZfs::default();
        f.names.lock().unwrap().extend(names.iter().map(|s| s.to_string()));
        f
    }
    fn has(&self, n: &str) -> bool {
        self.names.lock().unwrap().contains(n)
    }
    fn act(&self, what: String) -> Result<()> {
        let verb = what.split(' ').next().unwrap().to_owned();
        self.log.lock().unwrap().push(what.clone());
        if self.fail_on == Some(verb.as_str()) {
            return Err(Error::CommandFailed { command: what, status: "exit status: 1".into(), stderr: "injected".into() });
        }
        Ok(())
    }
}

impl ZfsOps for FakeZfs {
    fn snapshot(&self, s: &str, props: &BTreeMap<String, String>) -> Result<()> {
        self.act(format!("snapshot {s}"))?;
        self.names.lock().unwrap().insert(s.into());
        for (k, v) in props {
            self.props.lock().unwrap().insert((s.into(), k.clone()), v.clone());
        }
        Ok(())
    }
    fn send_receive(&self, sr: &SendReceive, _: &dyn Progress, _: &CancelToken) -> Result<u64> {
        self.act(format!("send_receive {} {} force={}", sr.snapshot, sr.target, sr.force))?;
        let snap = sr.snapshot.rsplit('@').next().unwrap();
        self.names.lock().unwrap().extend([sr.target.clone(), format!("{}@{snap}", sr.target)]);
        Ok(4096)
    }
    fn send_size(&self, _: &SendReceive) -> Result<u64> {
        Ok(4096)
    }
    fn clone_snapshot(&self, s: &str, t: &str) -> Result<()> {
        self.act(format!("clone {s} {t}"))?;
        self.names.lock().unwrap().insert(t.into());
        Ok(())
    }
    fn destroy(&self, n: &str) -> Result<()> {
        if !n.contains('@') && !self.dependents(n)?.is_empty() {
            return Err(Error::CommandFailed { command: format!("destroy {n}"), status: "1".into(), stderr: "has children; use '-r'".into() });
        }
        self.act(format!("destroy {n}"))?;
        self.names.lock().unwrap().remove(n);
        Ok(())
    }
    fn rename(&self, f: &str, t: &str) -> Result<()> {
        self.act(format!("rename {f} {t}"))?;
        let mut names = self.names.lock().unwrap();
        let moved: Vec<String> = names.iter().filter(|n| *n == f || n.starts_with(&format!("{f}@"))).cloned().collect();
        for n in moved {
            names.remove(&n);
            names.insert(n.replacen(f, t, 1));
        }
        Ok(())
    }
    fn set(&self, d: &str, p: &str, v: &str) -> Result<()> {
        self.act(format!("set {p}={v} {d}"))
    }
    fn inherit(&self, d: &str, p: &str) -> Result<()> {
        self.act(format!("inherit {p} {d}"))
    }
    fn source_of(&self, _: &str, _: &str) -> Result<String> {
        Ok("default".into())
    }
    fn get(&self, d: &str, props: &[&str]) -> Result<BTreeMap<String, String>> {
        let all = self.props.lock().unwrap();
        Ok(props.iter().filter_map(|p| all.get(&(d.to_string(), p.to_string())).map(|v| (p.to_string(), v.clone()))).collect())
    }
    fn exists(&self, n: &str) -> Result<bool> {
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

const SRC: &str = "tmp-pool/incus/vm-base_00000";
const TGT: &str = "tmp-pool/incus/vm-clone_00000";

fn seed_zfs(fail_on: Option<&'static str>) -> FakeZfs {
    let mut f = FakeZfs::with(&[SRC, TGT]);
    f.fail_on = fail_on;
    f.props.lock().unwrap().insert((TGT.into(), "logicalreferenced".into()), "8192".into());
    f
}

fn run(f: &FakeZfs) -> Result<ExecReport> {
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
    let log = f.log.lock().unwrap().clone();
    assert!(log.iter().all(|l| !l.contains("force=true")));
    let recv = log.iter().position(|l| l.starts_with("send_receive")).unwrap();
    let destroy = log.iter().position(|l| l == &format!("destroy {TGT}")).unwrap();
    assert!(recv < destroy, "{log:?}");
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
    let e = execute(&plan(&req), &req, &g, &ExecOptions::default(), &NoProgress, &CancelToken::new()).unwrap_err();
    assert!(e.to_string().contains("is not volclone's"), "{e}");
    assert!(g.has(&snap));
}

#[test]
fn failure_after_the_swap_keeps_the_clone() {
    let f = seed_zfs(Some("rename"));
    assert!(run(&f).is_err());
    assert!(f.has(&format!("{TGT}{}", crate::planner::TEMP_SUFFIX)), "the received copy is kept, not destroyed");
}

#[test]
fn no_strategy_is_an_error() {
    let mut req = seed_case();
    req.target.size_bytes = 1;
    let f = seed_zfs(None);
    let e = execute(&plan(&req), &req, &f, &ExecOptions::default(), &NoProgress, &CancelToken::new()).unwrap_err();
    assert!(matches!(e, Error::NoStrategy(_)));
    assert!(f.log.lock().unwrap().is_empty());
}
