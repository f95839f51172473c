//! The `zfs` command as the ZFS backend (no build-time dependency).

use std::collections::BTreeMap;
use std::io::Read;
use std::process::{Command, Stdio};

use super::ops::{Described, SendReceive, ZfsOps};
use super::stream::pump;
use crate::copy::{CancelToken, Progress};
use crate::error::{Error, Result};

/// Runs `zfs` (or the program in `VOLCLONE_ZFS`).
#[derive(Debug, Clone)]
pub struct ZfsCli {
    program: String,
}

impl Default for ZfsCli {
    fn default() -> Self {
        ZfsCli { program: std::env::var("VOLCLONE_ZFS").unwrap_or_else(|_| "zfs".into()) }
    }
}

fn command_line(program: &str, args: &[&str]) -> String {
    std::iter::once(program).chain(args.iter().copied()).collect::<Vec<_>>().join(" ")
}

/// What `zfs send` is told to send: `-t TOKEN` to resume, else the flags and the snapshot.
fn send_source(sr: &SendReceive) -> Vec<&str> {
    if let Some(t) = &sr.resume_token {
        return vec!["-t", t];
    }
    let mut v = crate::plan::send_flags(sr.raw, sr.embed, sr.large_block, sr.compressed);
    v.push(&sr.snapshot);
    v
}

/// The `zpool` command to run: `VOLCLONE_ZPOOL` when set, else `zpool` from `PATH`.
pub(crate) fn zpool_program() -> String {
    std::env::var("VOLCLONE_ZPOOL").unwrap_or_else(|_| "zpool".into())
}

impl ZfsCli {
    /// A backend running `program` instead of `zfs`.
    pub fn with_program(program: impl Into<String>) -> Self {
        ZfsCli { program: program.into() }
    }

    fn run(&self, args: &[&str]) -> Result<String> {
        let out = self.output(args)?;
        if !out.status.success() {
            return Err(Error::CommandFailed {
                command: command_line(&self.program, args),
                status: out.status.to_string(),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            });
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The receive of a stream that arrives on this process's standard input (the `zfs` shim):
    /// pumped through volclone like a send's, for progress, rate limit and cancel.
    fn receive_stdin(&self, sr: &SendReceive, recv_args: &[&str], progress: &dyn Progress, cancel: &CancelToken) -> Result<u64> {
        use std::os::fd::AsFd;
        let command = format!("<stdin> | {}", command_line(&self.program, recv_args));
        let stdin = std::io::stdin().as_fd().try_clone_to_owned().map_err(|e| Error::io("dup", "standard input", None, e))?;
        let mut recv = Command::new(&self.program)
            .args(recv_args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Error::io("run", &self.program, None, e))?;
        let pumped = match recv.stdin.take() {
            Some(to) => pump(std::fs::File::from(stdin), to, sr.rate_limit, &sr.estimated_bytes, progress, cancel),
            None => Err(Error::io("pipe", "zfs receive", None, std::io::Error::other("no pipe"))),
        };
        if pumped.is_err() {
            let _ = recv.kill();
        }
        let mut err = String::new();
        if let Some(mut e) = recv.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        let status = recv.wait().map_err(|e| Error::io("wait", "zfs receive", None, e))?;
        match pumped {
            Err(e @ Error::Cancelled { .. }) => Err(e),
            _ if !status.success() => Err(Error::CommandFailed { command, status: status.to_string(), stderr: err.trim().to_owned() }),
            other => other,
        }
    }

    fn output(&self, args: &[&str]) -> Result<std::process::Output> {
        tracing::debug!(command = %command_line(&self.program, args), "zfs");
        Command::new(&self.program).args(args).stdin(Stdio::null()).output().map_err(|e| Error::io("run", &self.program, None, e))
    }
}

/// Reads `zfs get -Hp -o name,property,value PROPS NAMES...` output: every name's properties, or
/// `None` for a name `zfs` says does not exist; `Err` (with the reason) when the output is not
/// that: an error line of another kind, or a name neither listed nor said missing.
pub fn parse_get(names: &[&str], stdout: &str, stderr: &str) -> std::result::Result<Described, String> {
    let mut got: Described = BTreeMap::new();
    for line in stdout.lines() {
        let mut f = line.splitn(3, '\t');
        if let (Some(n), Some(p), Some(v)) = (f.next(), f.next(), f.next()) {
            got.entry(n.to_owned()).or_insert_with(|| Some(BTreeMap::new())).get_or_insert_with(BTreeMap::new).insert(p.to_owned(), v.to_owned());
        }
    }
    // `zfs get` prints what exists and names the rest on stderr; anything else is a failure.
    let mut missing = Vec::new();
    for line in stderr.lines().filter(|l| !l.trim().is_empty()) {
        match missing_name(line) {
            Some(n) => missing.push(n.to_owned()),
            None => return Err(stderr.trim().to_owned()),
        }
    }
    for n in names {
        if !got.contains_key(*n) {
            if !missing.iter().any(|m| m == n) {
                return Err(format!("neither properties nor an error for {n}: {}", stderr.trim()));
            }
            got.insert(n.to_string(), None);
        }
    }
    Ok(got)
}

/// The name a `zfs` error line says does not exist (`cannot open 'NAME': dataset does not exist`).
fn missing_name(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("cannot open '")?;
    let (name, why) = rest.split_once("': ")?;
    why.contains("does not exist").then_some(name)
}

impl ZfsOps for ZfsCli {
    fn snapshot(&self, snapshot: &str, properties: &BTreeMap<String, String>) -> Result<()> {
        let props: Vec<String> = properties.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut args = vec!["snapshot"];
        for p in &props {
            args.extend(["-o", p]);
        }
        args.push(snapshot);
        self.run(&args).map(|_| ())
    }

    fn send_size(&self, sr: &SendReceive) -> Result<u64> {
        let mut args = vec!["send", "-nP"];
        args.extend(send_source(sr));
        let out = self.run(&args)?;
        out.lines()
            .find_map(|l| l.strip_prefix("size\t").and_then(|n| n.trim().parse().ok()))
            .ok_or_else(|| Error::CommandFailed { command: command_line(&self.program, &args), status: "no size line".into(), stderr: out.trim().to_owned() })
    }

    fn send_receive(&self, sr: &SendReceive, progress: &dyn Progress, cancel: &CancelToken) -> Result<u64> {
        let mut send_args = vec!["send"];
        send_args.extend(send_source(sr));
        let props: Vec<String> = sr.receive_properties.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut recv_args = vec!["receive"];
        if sr.force {
            recv_args.push("-F");
        }
        if sr.resumable {
            recv_args.push("-s");
        }
        for p in &props {
            recv_args.extend(["-o", p]);
        }
        recv_args.push(&sr.target);
        let pipeline = format!("{} | {}", command_line(&self.program, &send_args), command_line(&self.program, &recv_args));
        tracing::debug!(%pipeline, "zfs send/receive");
        let spawn = |args: &[&str], stdin: Stdio, stdout: Stdio| {
            Command::new(&self.program)
                .args(args)
                .stdin(stdin)
                .stdout(stdout)
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| Error::io("run", &self.program, None, e))
        };
        if sr.from_stdin {
            return self.receive_stdin(sr, &recv_args, progress, cancel);
        }
        let mut send = spawn(&send_args, Stdio::null(), Stdio::piped())?;
        let mut recv = match spawn(&recv_args, Stdio::piped(), Stdio::null()) {
            Ok(r) => r,
            Err(e) => {
                let _ = send.kill();
                let _ = send.wait();
                return Err(e);
            }
        };
        let (from, to) = (send.stdout.take(), recv.stdin.take());
        let pumped = match (from, to) {
            (Some(f), Some(t)) => pump(f, t, sr.rate_limit, &sr.estimated_bytes, progress, cancel), // drops both ends when done
            _ => Err(Error::io("pipe", "zfs send/receive", None, std::io::Error::other("no pipe"))),
        };
        if pumped.is_err() {
            let _ = send.kill();
            let _ = recv.kill();
        }
        let read_err = |c: &mut std::process::Child| {
            let mut s = String::new();
            if let Some(mut e) = c.stderr.take() {
                let _ = e.read_to_string(&mut s);
            }
            s.trim().to_owned()
        };
        let (send_err, recv_err) = (read_err(&mut send), read_err(&mut recv));
        let send_status = send.wait().map_err(|e| Error::io("wait", "zfs send", None, e))?;
        let recv_status = recv.wait().map_err(|e| Error::io("wait", "zfs receive", None, e))?;
        let failed = !send_status.success() || !recv_status.success();
        match pumped {
            Err(e @ Error::Cancelled { .. }) => Err(e),
            // A failed side explains a broken pipe better than the pipe does.
            _ if failed => Err(Error::CommandFailed {
                command: pipeline,
                status: format!("send {send_status}, receive {recv_status}"),
                stderr: format!("{send_err} {recv_err}").trim().to_owned(),
            }),
            other => other,
        }
    }

    fn clone_snapshot(&self, snapshot: &str, target: &str) -> Result<()> {
        self.run(&["clone", snapshot, target]).map(|_| ())
    }

    fn destroy(&self, name: &str) -> Result<()> {
        self.run(&["destroy", name]).map(|_| ())
    }

    fn rename(&self, from: &str, to: &str) -> Result<()> {
        self.run(&["rename", from, to]).map(|_| ())
    }

    fn set(&self, dataset: &str, property: &str, value: &str) -> Result<()> {
        self.run(&["set", &format!("{property}={value}"), dataset]).map(|_| ())
    }

    fn resume_info(&self, token: &str) -> Result<(String, u64)> {
        let out = self.run(&["send", "-nv", "-t", token])?;
        let field = |name: &str| {
            out.lines().find_map(|l| l.trim().strip_prefix(name).and_then(|r| r.trim_start().strip_prefix('=')).map(|v| v.trim().to_owned()))
        };
        let toname = field("toname").ok_or_else(|| Error::CommandFailed {
            command: "zfs send -nv -t TOKEN".into(),
            status: "no toname in the token".into(),
            stderr: out.trim().to_owned(),
        })?;
        // Numbers in the token's contents are hexadecimal (`bytes = 0x13113b8`).
        let number = |v: String| match v.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16).ok(),
            None => v.parse().ok(),
        };
        Ok((toname, field("bytes").and_then(number).unwrap_or(0)))
    }

    fn abort_receive(&self, dataset: &str) -> Result<()> {
        self.run(&["receive", "-A", dataset]).map(|_| ())
    }

    fn local_properties(&self, dataset: &str) -> Result<BTreeMap<String, String>> {
        let out = self.run(&["get", "-H", "-s", "local", "-o", "property,value", "all", dataset])?;
        Ok(out
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect())
    }

    fn sync_pool(&self, pool: &str) -> Result<()> {
        ZfsCli::with_program(zpool_program()).run(&["sync", pool]).map(|_| ())
    }

    fn inherit(&self, dataset: &str, property: &str) -> Result<()> {
        self.run(&["inherit", property, dataset]).map(|_| ())
    }

    fn source_of(&self, dataset: &str, property: &str) -> Result<String> {
        Ok(self.run(&["get", "-H", "-o", "source", property, dataset])?.trim().to_owned())
    }

    fn get(&self, dataset: &str, properties: &[&str]) -> Result<BTreeMap<String, String>> {
        let out = self.run(&["get", "-Hp", "-o", "property,value", &properties.join(","), dataset])?;
        Ok(out
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect())
    }

    fn get_many(&self, names: &[&str], properties: &[&str]) -> Result<Described> {
        let props = properties.join(",");
        let mut args = vec!["get", "-Hp", "-o", "name,property,value", props.as_str()];
        args.extend(names);
        let out = self.output(&args)?;
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        parse_get(names, &stdout, &stderr).map_err(|why| Error::CommandFailed { command: command_line(&self.program, &args), status: out.status.to_string(), stderr: why })
    }

    fn exists(&self, name: &str) -> Result<bool> {
        match self.run(&["list", "-H", "-o", "name", "-t", "all", name]) {
            Ok(_) => Ok(true),
            Err(Error::CommandFailed { stderr, .. }) if stderr.contains("does not exist") => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn dependents(&self, dataset: &str) -> Result<Vec<String>> {
        let out = self.run(&["list", "-H", "-o", "name", "-t", "all", "-r", "-d", "1", dataset])?;
        Ok(out.lines().filter(|l| *l != dataset && !l.is_empty()).map(str::to_owned).collect())
    }

    fn load_key(&self, dataset: &str) -> Result<()> {
        self.run(&["load-key", dataset]).map(|_| ())
    }

    fn version(&self) -> Result<String> {
        // The loaded module's version, without starting a process; the command where there is none.
        if let Ok(v) = std::fs::read_to_string("/sys/module/zfs/version")
            && !v.trim().is_empty()
        {
            return Ok(v.trim().to_owned());
        }
        let out = self.run(&["version"])?;
        Ok(out.lines().next().unwrap_or_default().trim().to_owned())
    }
}
