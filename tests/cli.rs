//! The `volclone` binary end to end: plan (table, JSON, stdin, stock, compare), exit codes,
//! error messages, copy, demo.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::*;

const SEED: &str = include_str!("../core/requests/seed-incus-2075.json");

fn volclone(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_volclone"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn plan_seed_case_as_table() {
    let o = volclone(&["plan", "--example"], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("chosen: ZFS_COPY"), "{out}");
    assert!(out.contains("| zfs receive tmp-pool/incus/vm-clone_00000.volclone-tmp"), "{out}");
    assert!(out.lines().filter(|l| l.trim_start().starts_with('$')).all(|l| !l.contains("receive -F")), "{out}");
    assert!(out.contains("ZFS_CLONE       off: set options.use_zfs_clone"), "{out}");
}

#[test]
fn plan_json_from_file_and_from_stdin_agree() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("req.json");
    std::fs::write(&f, SEED).unwrap();
    let a = volclone(&["plan", "--json", f.to_str().unwrap()], None);
    let b = volclone(&["plan", "--json"], Some(SEED));
    assert!(a.status.success() && b.status.success());
    assert_eq!(a.stdout, b.stdout);
    let v: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    assert_eq!(v["chosen"], "ZFS_COPY");
    assert_eq!(v["candidates"][0]["steps"][1]["op"], "zfs_send_receive");
    assert_eq!(v["candidates"][0]["steps"][1]["force"], false);
    assert_eq!(v["candidates"].as_array().unwrap().last().unwrap()["linstor_name"], "DD");
}

#[test]
fn stock_mode_and_compare_show_linstors_failing_receive() {
    let o = volclone(&["plan", "--json", "--linstor-stock", "-"], Some(SEED));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["mode"], "linstor_stock");
    assert!(v["candidates"][0]["steps"][1]["command"].as_str().unwrap().contains("zfs receive -F"));
    let o = volclone(&["plan", "--compare", "--example"], None);
    let out = text(&o.stdout);
    let (stock, ours) = out.split_once("volclone's plan").unwrap();
    assert!(stock.contains("LINSTOR 1.34 stock plan") && stock.contains("WARNING: fails"));
    assert!(ours.lines().filter(|l| l.trim_start().starts_with('$')).all(|l| !l.contains("receive -F")));
    assert!(ours.contains("chosen: ZFS_COPY"));
}

#[test]
fn no_strategy_has_its_own_exit_code() {
    let small = SEED.replacen("\"size_bytes\": 10737418240,\n    \"exists\": true,\n    \"zfs\": {\n      \"encryption\": \"aes-256-gcm\",\n      \"encryption_root\": \"tmp-pool/incus\",\n      \"key_status\": \"available\"\n    }", "\"size_bytes\": 4096,\n    \"exists\": true,\n    \"zfs\": {\n      \"encryption\": \"aes-256-gcm\",\n      \"encryption_root\": \"tmp-pool/incus\",\n      \"key_status\": \"available\"\n    }", 1);
    assert_ne!(small, SEED, "the edit applied");
    let o = volclone(&["plan"], Some(&small));
    assert_eq!(o.status.code(), Some(3));
    assert!(text(&o.stdout).contains("chosen: none"));
}

#[test]
fn bad_requests_exit_1_with_a_named_error() {
    for (input, needle) in [
        ("{\"version\": 1,\n \"source\": [\n", "malformed JSON at line 3 column"),
        (&*SEED.replacen("ZFS_THIN", "ZFZ", 1), "unknown variant `ZFZ`"),
        (&*SEED.replacen("\"storage_pool\": \"incus\",", "", 1), "missing field `storage_pool`"),
        (&*SEED.replacen("\"exists\": true,", "\"exist\": true,", 1), "unknown field `exist`"),
    ] {
        let o = volclone(&["plan"], Some(input));
        assert_eq!(o.status.code(), Some(1), "{needle}");
        let err = text(&o.stderr);
        assert!(err.contains("invalid request") && err.contains(needle), "{err}");
    }
    let o = volclone(&["plan", "/nonexistent/req.json"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("/nonexistent/req.json"));
}

#[test]
fn copy_prints_a_json_report_and_refuses_small_targets() {
    let d = tempfile::tempdir().unwrap();
    let (s, t, small) = (d.path().join("s"), d.path().join("t"), d.path().join("small"));
    let size = make_image(&s, &[Piece::Data(MIB), Piece::Hole(3 * MIB)], 31);
    make_sparse(&t, size);
    make_sparse(&small, 4096);
    let o = volclone(&["copy", "--json", "--verify", "--workers", "2", "--chunk-size", "256k", s.to_str().unwrap(), t.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["bytes_total"], size);
    assert_eq!(v["bytes_written"], MIB);
    assert_eq!(v["verify"]["matched"], true);
    assert_eq!(v["chunk_size"], 256 * 1024);
    assert_same_prefix(&s, &t, size);
    let o = volclone(&["copy", s.to_str().unwrap(), small.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("grow the target"), "{}", text(&o.stderr));
    let o = volclone(&["copy", "--sparse", "sometimes", s.to_str().unwrap(), t.to_str().unwrap()], None);
    assert!(text(&o.stderr).contains("give auto, always or never"));
    let o = volclone(&["copy", "--rate", "fast", s.to_str().unwrap(), t.to_str().unwrap()], None);
    assert!(text(&o.stderr).contains("size \"fast\""));
    let o = volclone(&["copy", "--io", "fast", s.to_str().unwrap(), t.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("give auto, direct, buffered or streaming"), "{}", text(&o.stderr));
    let o = volclone(&["copy", "--json", "--io", "buffered", s.to_str().unwrap(), t.to_str().unwrap()], None);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["direct"], false);
}

#[test]
fn demo_runs_without_zfs() {
    let o = volclone(&["demo"], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("LINSTOR 1.34 stock plan") && out.contains("volclone's plan"));
    assert!(out.contains("verify: identical"), "{out}");
}

#[test]
fn run_executes_a_block_copy_plan_between_files() {
    let d = tempfile::tempdir().unwrap();
    let (s, t) = (d.path().join("s.img"), d.path().join("t.img"));
    let size = make_image(&s, &[Piece::Data(MIB), Piece::Hole(MIB), Piece::Data(4096)], 41);
    make_sparse(&t, size);
    let req = format!(
        r#"{{"version": 1,
            "source": {{"provider": "FILE", "storage_pool": "f", "volume": "{}", "size_bytes": {size}, "exists": true}},
            "target": {{"provider": "FILE_THIN", "storage_pool": "f", "volume": "{}", "size_bytes": {size}, "exists": true}}}}"#,
        s.display(),
        t.display()
    );
    let o = volclone(&["run", "--quiet", "--verify"], Some(&req));
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));
    assert!(text(&o.stdout).contains("chosen: BLOCK_COPY"));
    assert_same_prefix(&s, &t, size);
    assert!(allocated(&t) < 2 * MIB, "thin target stays thin: {}", allocated(&t));
    let small = req.replacen(&format!("\"size_bytes\": {size}, \"exists\": true}}}}"), "\"size_bytes\": 4096, \"exists\": true}}", 1);
    assert_ne!(small, req);
    let o = volclone(&["run"], Some(&small));
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    let o = volclone(&["run", "--backend", "zzz"], Some(&req));
    assert!(text(&o.stderr).contains("--backend zzz: give cli or lzc"));
}

#[test]
fn run_creates_a_missing_file_target_with_spaces_and_reports_json_lines() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("my images");
    std::fs::create_dir(&dir).unwrap();
    let (s, t) = (dir.join("base image.img"), dir.join("clone $(touch pwned).img"));
    let size = make_image(&s, &[Piece::Data(2 * MIB), Piece::Hole(MIB)], 42);
    let req = serde_json::json!({
        "version": 1,
        "source": {"provider": "FILE", "storage_pool": "f", "volume": s, "size_bytes": size, "exists": true},
        "target": {"provider": "FILE_THIN", "storage_pool": "f", "volume": t, "size_bytes": size, "exists": false},
    })
    .to_string();
    let o = volclone(&["run", "--progress", "json"], Some(&req));
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));
    let lines: Vec<serde_json::Value> = text(&o.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.first().unwrap()["event"], "plan");
    let step = &lines[0]["plan"]["candidates"][0]["steps"][0];
    assert_eq!(step["argv"][0][5], s.to_str().unwrap(), "the argv holds the path as one word");
    let last_progress = lines.iter().rfind(|l| l["event"] == "progress").expect("progress lines");
    assert_eq!(last_progress["bytes_total"], size);
    assert_eq!(last_progress["percent"], 100.0);
    assert_eq!(lines.last().unwrap()["event"], "done");
    assert_same_prefix(&s, &t, size);
    // The step's command line, given to a shell as LINSTOR does, copies the same and runs nothing else.
    std::fs::remove_file(&t).unwrap();
    make_sparse(&t, size);
    let cmd = step["command"].as_str().unwrap().replacen("volclone", env!("CARGO_BIN_EXE_volclone"), 1);
    let o = Command::new("bash").arg("-c").arg(&cmd).current_dir(d.path()).output().unwrap();
    assert!(o.status.success(), "{cmd}: {}", text(&o.stderr));
    assert_same_prefix(&s, &t, size);
    assert!(!d.path().join("pwned").exists() && !dir.join("pwned").exists(), "a name ran a command");
}

#[test]
fn endless_or_huge_requests_are_refused_without_reading_them_whole() {
    let o = volclone(&["plan", "--json", "/dev/zero"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("/dev/zero is over the 65536-byte request limit"), "{}", text(&o.stderr));
    let o = volclone(&["plan"], Some(&" ".repeat(70_000)));
    assert!(text(&o.stderr).contains("<stdin> is over the 65536-byte request limit"), "{}", text(&o.stderr));
    // A name too long for ZFS: planned (0.1.0 accepted the request), nothing can run, and why.
    let huge = SEED.replace("vm-base_00000", &"a".repeat(300));
    let o = volclone(&["plan"], Some(&huge));
    assert_eq!(o.status.code(), Some(3));
    assert!(text(&o.stdout).contains("source.volume") && text(&o.stdout).contains("1 to 255 bytes"), "{}", text(&o.stdout));
}

#[test]
fn sigterm_cancels_a_copy_cleanly() {
    let d = tempfile::tempdir().unwrap();
    let (s, t) = (d.path().join("s"), d.path().join("t"));
    let size = make_image(&s, &[Piece::Data(16 * MIB)], 43);
    make_sparse(&t, size);
    let child = Command::new(env!("CARGO_BIN_EXE_volclone"))
        .args(["copy", "--quiet", "--rate", "4M", s.to_str().unwrap(), t.to_str().unwrap()])
        .env("VOLCLONE_STATE_DIR", d.path())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1), "a clean error exit, not death by the signal: {:?}", o.status);
    let err = text(&o.stderr);
    assert!(err.contains("signal 15 received: cancelling") && err.contains("cancelled after"), "{err}");
}

/// The JSON Schema `volclone plan --schema [request|plan]` prints, compiled.
fn schema(doc: &str) -> jsonschema::Validator {
    let o = volclone(&["plan", "--schema", doc], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    jsonschema::validator_for(&s).unwrap()
}

fn errors(v: &jsonschema::Validator, doc: &serde_json::Value) -> Vec<String> {
    v.iter_errors(doc).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

#[test]
fn schemas_accept_every_example_and_its_plan_and_refuse_what_the_parser_refuses() {
    let (req_schema, plan_schema) = (schema("request"), schema("plan"));
    let seed: serde_json::Value = serde_json::from_str(SEED).unwrap();
    // The shipped example and variants over every provider, option and outcome.
    let mut examples = vec![seed.clone()];
    let variant = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut r = seed.clone();
        f(&mut r);
        r
    };
    examples.push(variant(&|r| r["source"]["snapshot"] = "CF_5eed0001".into()));
    examples.push(variant(&|r| r["options"]["use_zfs_clone"] = true.into()));
    examples.push(variant(&|r| r["options"]["forbid"] = serde_json::json!(["ZFS_COPY", "DD", "ZFS_RAW_COPY"])));
    examples.push(variant(&|r| r["options"]["linstor_stock"] = true.into()));
    examples.push(variant(&|r| {
        for side in ["source", "target"] {
            r[side]["provider"] = "LVM_THIN".into();
            r[side]["volume"] = format!("vg0/{side}").into();
            r[side].as_object_mut().unwrap().remove("zfs");
        }
    }));
    examples.push(variant(&|r| {
        r["target"]["provider"] = "FILE_THIN".into();
        r["target"]["volume"] = "/var/lib/images/clone 1.img".into();
        r["target"]["exists"] = false.into();
        r["target"].as_object_mut().unwrap().remove("zfs");
    }));
    let mut plans = 0;
    for ex in &examples {
        let errs = errors(&req_schema, ex);
        assert!(errs.is_empty(), "request schema refuses an example: {errs:?}\n{ex:#}");
        let o = volclone(&["plan", "--json", "-"], Some(&ex.to_string()));
        let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", text(&o.stdout), text(&o.stderr)));
        let errs = errors(&plan_schema, &out);
        assert!(errs.is_empty(), "plan schema refuses a plan: {errs:?}\n{out:#}");
        plans += 1;
    }
    assert_eq!(plans, examples.len());
    // What the parser refuses, the schema refuses too: an unknown field, a wrong enum name, a
    // missing required field; and a plan with a made-up strategy.
    for bad in [
        variant(&|r| r["source"]["sise_bytes"] = 1.into()),
        variant(&|r| r["source"]["provider"] = "ZFS_THICK".into()),
        variant(&|r| {
            r.as_object_mut().unwrap().remove("target");
        }),
        variant(&|r| r["options"]["forbid"] = serde_json::json!([42])),
    ] {
        assert!(!errors(&req_schema, &bad).is_empty(), "request schema accepts {bad:#}");
        let o = volclone(&["plan", "--json", "-"], Some(&bad.to_string()));
        assert_eq!(o.status.code(), Some(1), "the parser accepts what the schema refuses: {bad:#}");
    }
    let o = volclone(&["plan", "--json", "--example"], None);
    let mut plan: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(errors(&plan_schema, &plan).is_empty());
    plan["chosen"] = "ZFS_TELEPORT".into();
    assert!(!errors(&plan_schema, &plan).is_empty(), "plan schema accepts a made-up strategy");
    // The command names what it takes.
    let o = volclone(&["plan", "--schema", "reply"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("schema \"reply\": give request or plan"), "{}", text(&o.stderr));
}

#[test]
fn generate_writes_man_pages_completions_and_schemas_from_the_cli_definition() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let o = volclone(&["generate", "man", d], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    for cmd in ["volclone", "volclone-plan", "volclone-copy", "volclone-clone", "volclone-run", "volclone-demo"] {
        let page = std::fs::read_to_string(dir.path().join(format!("{cmd}.1"))).unwrap();
        assert!(page.starts_with(".ie") || page.contains(".TH"), "{cmd}.1 is not a man page");
    }
    let clone = std::fs::read_to_string(dir.path().join("volclone-clone.1")).unwrap();
    assert!(clone.contains("use\\-zfs\\-clone"), "volclone-clone.1 lacks --use-zfs-clone");
    assert!(!dir.path().join("volclone-generate.1").exists(), "the hidden packaging command got a page");
    let o = volclone(&["generate", "completion", "bash"], None);
    assert!(o.status.success());
    assert!(text(&o.stdout).contains("complete -F _volclone"), "{}", text(&o.stdout));
    let o = volclone(&["generate", "schemas", d], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let written: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("request.schema.json")).unwrap()).unwrap();
    let printed: serde_json::Value = serde_json::from_slice(&volclone(&["plan", "--schema"], None).stdout).unwrap();
    assert_eq!(written, printed);
    let o = volclone(&["generate", "completion", "tcsh"], None);
    assert_eq!(o.status.code(), Some(2), "clap refuses an unknown shell");
}

/// A FILE_THIN → FILE_THIN request: `volclone run` makes it a BLOCK_COPY.
fn file_request(s: &std::path::Path, t: &std::path::Path, size: u64) -> String {
    serde_json::json!({
        "version": 1,
        "source": { "provider": "FILE_THIN", "storage_pool": "files", "volume": s, "size_bytes": size, "exists": true },
        "target": { "provider": "FILE_THIN", "storage_pool": "files", "volume": t, "size_bytes": size, "exists": true },
    })
    .to_string()
}

/// Starts `volclone ARGS` (rate-limited so it is still copying), waits `ms`, sends `signal`.
fn interrupted(args: &[&str], state: &std::path::Path, ms: u64, signal: i32) {
    let child = Command::new(env!("CARGO_BIN_EXE_volclone"))
        .args(args)
        .env("VOLCLONE_STATE_DIR", state)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(ms));
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, signal) };
    let o = child.wait_with_output().unwrap();
    assert!(!o.status.success(), "interrupted: {:?} {}", o.status, text(&o.stderr));
}

/// The issue's retry, through the CLI: a copy (`copy`, and `run` of a FILE_THIN request)
/// interrupted by SIGINT or SIGKILL, the target deleted and created again under its name, the
/// same command again: exit 0, the target identical to the source, and it says it started over.
#[test]
fn a_retry_onto_a_recreated_target_through_the_cli_starts_over() {
    let d = tempfile::tempdir().unwrap();
    let (s, t, req) = (d.path().join("s"), d.path().join("t"), d.path().join("req.json"));
    // 112 MiB at 8 MiB/s: 14 s, still copying when the signals come.
    let size = make_image(&s, &[Piece::Data(100 * MIB), Piece::Zeros(4 * MIB), Piece::Data(8 * MIB)], 70);
    std::fs::write(&req, file_request(&s, &t, size)).unwrap();
    let (sp, tp, rp) = (s.to_str().unwrap(), t.to_str().unwrap(), req.to_str().unwrap());
    let copy_slow = ["copy", "--quiet", "--rate", "8M", sp, tp];
    let run_slow = ["run", "--quiet", "--rate", "8M", rp];
    let copy_args = ["copy", "--quiet", sp, tp];
    let run_args = ["run", "--quiet", rp];
    for (slow, again) in [(&copy_slow[..], &copy_args[..]), (&run_slow[..], &run_args[..])] {
        for signal in [libc::SIGINT, libc::SIGKILL] {
            make_sparse(&t, size);
            // SIGKILL after the first checkpoint is on disk (every 10 s), SIGINT sooner.
            interrupted(slow, d.path(), if signal == libc::SIGKILL { 11_000 } else { 3000 }, signal);
            recreate(&t, size);
            let o = Command::new(env!("CARGO_BIN_EXE_volclone")).args(again).env("VOLCLONE_STATE_DIR", d.path()).output().unwrap();
            assert!(o.status.success(), "{:?} {}", again, text(&o.stderr));
            let out = text(&o.stdout);
            assert!(!out.contains("resumed from checkpoint") && !out.lines().any(|l| l.starts_with("resumed")), "{again:?} after signal {signal} resumed: {out}");
            assert!(out.contains("set aside"), "{again:?} after signal {signal}: says why it started over: {out}");
            assert_same_prefix(&s, &t, size);
            std::fs::remove_file(&t).unwrap();
        }
    }
}

/// `--rate` bounds a block copy run from a request too (a lower bound on time: correctness,
/// not speed).
#[test]
fn run_rate_limits_a_block_copy() {
    let d = tempfile::tempdir().unwrap();
    let (s, t, req) = (d.path().join("s"), d.path().join("t"), d.path().join("req.json"));
    let size = make_image(&s, &[Piece::Data(24 * MIB)], 71);
    make_sparse(&t, size);
    std::fs::write(&req, file_request(&s, &t, size)).unwrap();
    let start = std::time::Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_volclone"))
        .args(["run", "--quiet", "--rate", "16M", req.to_str().unwrap()])
        .env("VOLCLONE_STATE_DIR", d.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    // 24 MiB at 16 MiB/s: at least 1.5 s, less the limiter's burst of a quarter second.
    assert!(start.elapsed().as_secs_f64() >= 1.5 - 0.25, "24 MiB at 16 MiB/s took {:?}", start.elapsed());
    assert_same_prefix(&s, &t, size);
}
