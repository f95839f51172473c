//! The `zfs` shim on the host, against a stand-in for the real `zfs` (the host has no ZFS; the
//! VM scenario `shim` runs it against real OpenZFS): everything it does not take over reaches the
//! real command unchanged (argv, environment, standard input to the last byte, stdout, stderr,
//! exit status); the real `zfs` is never the shim itself.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A stand-in `zfs`: prints its argv and an environment variable on stdout, a line on stderr,
/// counts the bytes on stdin for `receive`, and exits with $FAKE_RC. `get` answers as
/// $FAKE_GET says (a pre-created encrypted empty zvol, or nothing).
const FAKE: &str = r#"#!/bin/sh
echo "argv0=$0 args=$*"
echo "env=$MARK${VOLCLONE_AS_ZFS:+ leaked VOLCLONE_AS_ZFS=$VOLCLONE_AS_ZFS}"
grep -E '^Sig(Ign|Blk)' /proc/self/status
echo "on stderr: $1" >&2
case "$1" in
  receive) echo "stdin bytes=$(wc -c | tr -d ' ')" ;;
  get)
    if [ "$FAKE_GET" = encrypted ]; then
      last=""; for a in "$@"; do last=$a; done
      for p in type:volume encryption:aes-256-gcm keystatus:available referenced:12288 logicalreferenced:8192; do
        printf '%s\t%s\t%s\t-\n' "$last" "${p%%:*}" "${p#*:}"
      done
    fi ;;
  list) [ "$FAKE_GET" = encrypted ] && printf '' ;;
esac
exit ${FAKE_RC:-0}
"#;

struct Setup {
    _d: tempfile::TempDir,
    shim: PathBuf,
    real: PathBuf,
}

fn setup() -> Setup {
    let d = tempfile::tempdir().unwrap();
    let (shim, real) = (d.path().join("shim dir"), d.path().join("real"));
    std::fs::create_dir_all(&real).unwrap();
    std::fs::write(real.join("zfs"), FAKE).unwrap();
    std::fs::set_permissions(real.join("zfs"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_volclone")).args(["linstor-shim", "install"]).arg(&shim).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    Setup { _d: d, shim, real }
}

/// `dirs` first, then the system's (for the stand-in's shell tools; no zfs there on this host).
fn path(dirs: &[&Path]) -> String {
    let mut v: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    v.push("/usr/bin:/bin".into());
    v.join(":")
}

fn run(program: &Path, args: &[&str], path: &str, stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(program);
    c.args(args).env("PATH", path).env("MARK", "kept").env_remove("VOLCLONE_REAL_ZFS");
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut w = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = w.write_all(&data);
    });
    let o = child.wait_with_output().unwrap();
    writer.join().unwrap();
    o
}

/// The shim's output, with its name in argv0 shown as the real one's would be.
fn same(a: &Output, b: &Output, what: &str) {
    assert_eq!(a.status.code(), b.status.code(), "{what}: exit status");
    assert_eq!(String::from_utf8_lossy(&a.stdout).replace("shim dir", "real"), String::from_utf8_lossy(&b.stdout), "{what}: stdout");
    assert_eq!(a.stderr, b.stderr, "{what}: stderr");
}

#[test]
fn what_is_not_taken_over_reaches_the_real_zfs_unchanged() {
    let s = setup();
    let p = path(&[&s.shim, &s.real]);
    let stream = vec![0x5au8; 3 * 65536 + 17];
    for (args, rc, input, get) in [
        (&["list", "-r", "-H", "-p", "-o", "name,refer,volsize,type,volblocksize,origin,clones", "-t", "volume,snapshot", "tank"][..], "0", &b""[..], ""),
        (&["get", "volblocksize", "-o", "value", "-Hp", "tank/vm_00000"], "1", b"", ""),
        (&["create", "-s", "-V", "65536KB", "tank/a b"], "0", b"", ""),
        (&["destroy", "tank/vm_00000@%"], "1", b"", ""),
        (&["receive", "tank/x"], "0", &stream[..], ""),
        (&["receive", "-F", "tank/x@s"], "0", &stream[..], ""),
        // The exact form, but the target does not exist (the stand-in says nothing): stock.
        (&["receive", "-F", "tank/x"], "1", &stream[..], ""),
        // The exact form onto an encrypted empty zvol, but stdin is no zfs stream: stock, and
        // not one byte of stdin lost to the peek.
        (&["receive", "-F", "tank/x"], "0", &stream[..], "encrypted"),
        (&["--", "-weird arg", ""], "2", b"", ""),
    ] {
        let env = [("FAKE_RC", rc), ("FAKE_GET", get)];
        let through = run(&s.shim.join("zfs"), args, &p, input, &env);
        let direct = run(&s.real.join("zfs"), args, &p, input, &env);
        same(&through, &direct, &format!("{args:?}"));
        if args[0] == "receive" {
            assert!(String::from_utf8_lossy(&through.stdout).contains(&format!("stdin bytes={}", stream.len())), "{args:?}: {}", String::from_utf8_lossy(&through.stdout));
        }
    }
}

/// The pass-through adds nothing of its own: a caller's ignored SIGPIPE and blocked signals reach
/// the real zfs as they would directly (no runtime start-up resets them).
#[test]
fn signal_dispositions_and_mask_are_the_callers() {
    let s = setup();
    let p = path(&[&s.shim, &s.real]);
    // `trap '' PIPE` ignores SIGPIPE for what the shell execs; the stand-in prints SigIgn/SigBlk.
    let via = |zfs: &Path| run(Path::new("/bin/sh"), &["-c", "trap '' PIPE; exec \"$0\" list -H", zfs.to_str().unwrap()], &p, b"", &[]);
    let (through, direct) = (via(&s.shim.join("zfs")), via(&s.real.join("zfs")));
    same(&through, &direct, "list under an ignored SIGPIPE");
    let ign = String::from_utf8_lossy(&direct.stdout).lines().find_map(|l| l.strip_prefix("SigIgn:").map(|v| u64::from_str_radix(v.trim(), 16).unwrap())).unwrap();
    assert_ne!(ign & (1 << (libc::SIGPIPE - 1)), 0, "the test's caller did ignore SIGPIPE: {ign:x}");
}

#[test]
fn the_shim_never_runs_itself() {
    let s = setup();
    // Only the shim on PATH, and named as the real one: a clear error, exit 127, no loop.
    let o = run(&s.shim.join("zfs"), &["list"], &path(&[&s.shim]), b"", &[("VOLCLONE_REAL_ZFS", s.shim.join("zfs").to_str().unwrap())]);
    assert_eq!(o.status.code(), Some(127));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is volclone itself"), "{}", String::from_utf8_lossy(&o.stderr));
    // The shim's directory twice on PATH before the real one: skipped both times.
    let p = path(&[&s.shim, &s.shim, &s.real]);
    let o = run(&s.shim.join("zfs"), &["version"], &p, b"", &[]);
    assert!(o.status.success() && String::from_utf8_lossy(&o.stdout).contains("args=version"), "{o:?}");
    // LINSTOR's receive goes from the pass-through to volclone, which must skip the
    // pass-through in its turn (both programs are volclone), then hand it to the real zfs.
    let o = run(&s.shim.join("zfs"), &["receive", "-F", "tank/x"], &p, b"stream", &[]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("args=receive -F tank/x") && out.contains("stdin bytes=6") && !out.contains("leaked"), "{o:?}");
    // Either program named as the real one is refused.
    for me in [env!("CARGO_BIN_EXE_volclone"), env!("CARGO_BIN_EXE_volclone-zfs")] {
        let o = run(&s.shim.join("zfs"), &["list"], &p, b"", &[("VOLCLONE_REAL_ZFS", me)]);
        assert_eq!(o.status.code(), Some(127), "{me}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("is volclone itself"), "{me}: {}", String::from_utf8_lossy(&o.stderr));
    }
}

#[test]
fn install_makes_a_link_and_refuses_to_replace_another_file() {
    let s = setup();
    let target = std::fs::read_link(s.shim.join("zfs")).unwrap();
    assert_eq!(target, std::fs::canonicalize(env!("CARGO_BIN_EXE_volclone-zfs")).unwrap());
    // Again: fine (idempotent).
    let o = Command::new(env!("CARGO_BIN_EXE_volclone")).args(["linstor-shim", "install"]).arg(&s.shim).output().unwrap();
    assert!(o.status.success());
    // Over another program: refused.
    let o = Command::new(env!("CARGO_BIN_EXE_volclone")).args(["linstor-shim", "install"]).arg(&s.real).output().unwrap();
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("is not a link to"), "{o:?}");
}

/// A volclone without its pass-through beside it cannot install the shim: a clear error, and
/// nothing made in the directory.
#[test]
fn install_refuses_a_volclone_without_its_pass_through() {
    let d = tempfile::tempdir().unwrap();
    let lone = d.path().join("volclone");
    if std::fs::hard_link(env!("CARGO_BIN_EXE_volclone"), &lone).is_err() {
        std::fs::copy(env!("CARGO_BIN_EXE_volclone"), &lone).unwrap();
    }
    let dir = d.path().join("shim");
    let o = Command::new(&lone).args(["linstor-shim", "install"]).arg(&dir).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("volclone-zfs is missing"), "{o:?}");
    assert!(!dir.exists(), "nothing made: {dir:?}");
}

#[test]
fn enable_and_disable_manage_only_the_drop_in() {
    let s = setup();
    let etc = s.shim.parent().unwrap().join("etc");
    std::fs::create_dir_all(&etc).unwrap();
    let v = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_volclone")).args(args).output().unwrap();
    let o = v(&["linstor-shim", "enable", "--dir", s.shim.to_str().unwrap(), "--systemd-dir", etc.to_str().unwrap()]);
    assert!(o.status.success(), "{o:?}");
    let drop_in = etc.join("linstor-satellite.service.d/volclone-zfs-shim.conf");
    assert!(std::fs::read_to_string(&drop_in).unwrap().contains(&format!("Environment=PATH={}:", s.shim.display())));
    let o = v(&["linstor-shim", "status", "--dir", s.shim.to_str().unwrap(), "--systemd-dir", etc.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("(enabled)") && out.contains("clones in flight"), "{out}");
    let o = v(&["linstor-shim", "disable", "--systemd-dir", etc.to_str().unwrap()]);
    assert!(o.status.success());
    assert_eq!(std::fs::read_dir(&etc).unwrap().count(), 0, "disable leaves the unit as it was");
}
