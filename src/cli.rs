//! Argument parsing and the commands.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use volclone_core::copy::{self, CancelToken, CopyOptions, IoMode, SparseMode};
use volclone_core::exec::{self, ExecOptions};
use volclone_core::request::{MAX_REQUEST_BYTES, PlanOptions, ProviderKind, REQUEST_VERSION, ZfsVersion};
use volclone_core::zfs::{ZfsCli, ZfsOps, facts};
use volclone_core::{CloneRequest, Error, Strategy, examples, planner, schema};

use crate::render;

/// `println!` that ends volclone quietly when the reader of stdout has gone (`volclone plan |
/// head`) instead of panicking. Only for what volclone prints once its work is done or when it
/// only prints: a broken pipe there loses nothing.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            eprintln!("volclone: writing to stdout: {e}");
        }
    }};
}

/// Exit code for errors (bad input, I/O, refusals).
pub const EXIT_ERROR: u8 = 1;
/// Exit code when the planner finds no usable strategy.
pub const EXIT_NO_STRATEGY: u8 = 3;

#[derive(Parser)]
#[command(name = "volclone", version, about = "Clone planner and parallel block copier for LINSTOR volumes")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Plan a clone from a JSON request (file, or `-` / nothing for stdin).
    Plan {
        /// Request file; `-` or absent reads stdin.
        request: Option<PathBuf>,
        /// Print the plan as JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Reproduce LINSTOR 1.34's stock choice instead of volclone's rules.
        #[arg(long)]
        linstor_stock: bool,
        /// Show LINSTOR's stock choice and volclone's side by side.
        #[arg(long, conflicts_with_all = ["json", "linstor_stock"])]
        compare: bool,
        /// Plan the built-in seed case (incus#2075) instead of reading a request.
        #[arg(long, conflicts_with = "request")]
        example: bool,
        /// Print the JSON Schema of the request (default) or of the plan, and nothing else.
        #[arg(long, value_name = "request|plan", num_args = 0..=1, default_missing_value = "request", exclusive = true)]
        schema: Option<String>,
    },
    /// Copy a block device or file onto another (the `dd` replacement).
    Copy {
        /// Source device or file (opened read-only).
        source: PathBuf,
        /// Target device or file (at least as large as the source).
        target: PathBuf,
        /// Parallel workers.
        #[arg(long, default_value_t = CopyOptions::default().workers)]
        workers: usize,
        /// Chunk size (e.g. 1M, 256k).
        #[arg(long, default_value = "1M")]
        chunk_size: String,
        /// Zero handling: auto, always (target known to read zeros) or never (LUKS, thick).
        #[arg(long, default_value = "auto")]
        sparse: String,
        /// I/O: auto (streaming for a pair of regular files, direct where a block device is
        /// involved), direct (O_DIRECT), buffered, or streaming (the page cache, left as the
        /// copy found it: what the copy brought in is dropped behind it). O_DIRECT falls back to
        /// buffered I/O, with a note, where refused.
        #[arg(long, default_value = "auto")]
        io: String,
        /// Shorthand for `--io direct`.
        #[arg(long, conflicts_with = "io")]
        direct: bool,
        /// Skip the final fdatasync of the target.
        #[arg(long)]
        no_fsync: bool,
        /// Re-read both sides and compare hashes afterwards.
        #[arg(long)]
        verify: bool,
        /// Read at most this many bytes per second (e.g. 200M).
        #[arg(long)]
        rate: Option<String>,
        /// Create the target file (sized like the source) if it does not exist.
        #[arg(long)]
        create: bool,
        /// Keep no checkpoint (by default one is kept, so a rerun of the same copy onto the same
        /// objects after a crash or a cancel copies only the rest; see `volclone checkpoints`).
        #[arg(long)]
        no_checkpoint: bool,
        /// Keep checkpoints in DIR (default: /var/lib/volclone/checkpoints, or
        /// $VOLCLONE_STATE_DIR/checkpoints; a directory others can write is refused).
        #[arg(long, value_name = "DIR", conflicts_with = "no_checkpoint")]
        checkpoint_dir: Option<PathBuf>,
        /// Print the final report as JSON.
        #[arg(long)]
        json: bool,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
        /// Progress: `bar` (on a terminal), `json` (one JSON object a line on stdout, for a
        /// caller that runs volclone as a command), or `none`.
        #[arg(long, default_value = "bar")]
        progress: String,
    },
    /// Plan from a request (the caller's facts, as LINSTOR has them) and run the chosen strategy.
    Run {
        /// Request file; `-` or absent reads stdin.
        request: Option<PathBuf>,
        #[command(flatten)]
        exec: ExecArgs,
    },
    /// Clone a zvol: read the facts from ZFS, plan, and run the chosen strategy.
    Clone {
        /// Source zvol (pool/.../volume), or an existing snapshot of it to clone from
        /// (pool/.../volume@snap, such as LINSTOR's @CF_<hex>: never changed or destroyed).
        source: String,
        /// Target zvol: an empty pre-created one, or a new name under an existing parent.
        target: String,
        /// Allow ZFS_CLONE (LINSTOR's UseZFSClone).
        #[arg(long)]
        use_zfs_clone: bool,
        /// Allow storing an encrypted source as plaintext.
        #[arg(long)]
        allow_decrypt: bool,
        /// Strategies not to use (repeatable; DD = BLOCK_COPY).
        #[arg(long)]
        forbid: Vec<String>,
        /// A new target is thick (refreservation), not thin.
        #[arg(long)]
        thick: bool,
        /// Size of a new target in bytes (default: the source's).
        #[arg(long)]
        size: Option<String>,
        /// Only print the plan (and the request with --json).
        #[arg(long)]
        plan_only: bool,
        #[command(flatten)]
        exec: ExecArgs,
    },
    /// The main job on built-in data, no ZFS pool needed: plan the seed case (LINSTOR's stock
    /// choice next to volclone's), then a verified block copy between two temporary files.
    Demo,
    /// The `zfs` shim for a LINSTOR satellite run as packaged (no fork): installed first on the
    /// satellite's PATH, it turns LINSTOR's failing `zfs receive -F` onto an encrypted target into
    /// a correct clone and hands every other command to the real zfs.
    LinstorShim {
        #[command(subcommand)]
        action: ShimAction,
    },
    /// List the block-copy checkpoints kept for reruns, or remove them.
    Checkpoints {
        /// `list` (default) or `clear`.
        #[arg(default_value = "list")]
        action: String,
        /// With `clear`: only the checkpoint of copies onto this target (as it was given).
        target: Option<PathBuf>,
        /// Where checkpoints are kept (default: volclone's state directory).
        #[arg(long, value_name = "DIR")]
        checkpoint_dir: Option<PathBuf>,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Files for packagers: man pages, shell completions, JSON Schemas.
    #[command(hide = true)]
    Generate {
        #[command(subcommand)]
        what: Generate,
    },
}

/// What `volclone generate` writes.
#[derive(Subcommand)]
enum Generate {
    /// Man pages (volclone.1, volclone-plan.1, ...) into DIR.
    Man {
        /// Output directory (created).
        dir: PathBuf,
    },
    /// A completion script for SHELL on stdout.
    Completion {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// request.schema.json and plan.schema.json into DIR.
    Schemas {
        /// Output directory (created).
        dir: PathBuf,
    },
}

/// `volclone linstor-shim ...`.
#[derive(Subcommand)]
enum ShimAction {
    /// Make DIR hold a `zfs` that is volclone's pass-through `volclone-zfs` (a symlink to the one
    /// beside this volclone); put DIR first on a PATH to use it.
    Install {
        /// The directory (created if missing).
        dir: PathBuf,
    },
    /// Put the shim directory first on linstor-satellite.service's PATH (a systemd drop-in; the
    /// satellite takes it at its next restart).
    Enable {
        /// The shim directory.
        #[arg(long, default_value = volclone_core::shim::PACKAGE_DIR)]
        dir: PathBuf,
        /// Where systemd units live (for tests).
        #[arg(long, default_value = "/etc/systemd/system", hide = true)]
        systemd_dir: PathBuf,
    },
    /// Remove the drop-in: the satellite's unit is as it was (after its next restart).
    Disable {
        /// Where systemd units live (for tests).
        #[arg(long, default_value = "/etc/systemd/system", hide = true)]
        systemd_dir: PathBuf,
    },
    /// Whether the drop-in is there, whether the running satellite has the shim first on its
    /// PATH, and the clones in flight with bytes, rate, percentage and ETA.
    Status {
        /// The shim directory.
        #[arg(long, default_value = volclone_core::shim::PACKAGE_DIR)]
        dir: PathBuf,
        /// Where systemd units live (for tests).
        #[arg(long, default_value = "/etc/systemd/system", hide = true)]
        systemd_dir: PathBuf,
    },
    /// Remove what interrupted takeovers left: datasets with a clone's mark beside a target no
    /// run holds, and stale in-flight records. Nothing without volclone's mark is touched.
    Cleanup,
}

/// Options shared by the commands that run a plan.
#[derive(clap::Args)]
struct ExecArgs {
    /// Print the request, plan and report as JSON.
    #[arg(long)]
    json: bool,
    /// Bytes per second at most (send stream or block copy), e.g. 200M.
    #[arg(long)]
    rate: Option<String>,
    /// Verify a block copy by re-reading both sides.
    #[arg(long)]
    verify: bool,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Progress: `bar` (on a terminal), `json` (one JSON object a line on stdout: the plan,
    /// progress, then the report or the error), or `none`.
    #[arg(long, default_value = "bar")]
    progress: String,
    /// Receive without `zfs receive -s`: faster (10% in the OpenZFS VM), but a stream cut short
    /// by a crash is sent again from its start instead of resumed.
    #[arg(long)]
    no_resume: bool,
    /// A block copy keeps no checkpoint (a rerun after a crash copies everything again).
    #[arg(long)]
    no_checkpoint: bool,
    /// ZFS backend: `cli` (the zfs command) or `lzc` (libzfs_core; needs the libzfs-core feature).
    #[arg(long, env = "VOLCLONE_ZFS_BACKEND", default_value = "cli")]
    backend: String,
}

impl ExecArgs {
    fn options(&self) -> Result<ExecOptions, Error> {
        // One rate limit for every strategy: ExecOptions hands it to a block copy too.
        let rate = self.rate.as_deref().map(copy::parse_size).transpose()?;
        Ok(ExecOptions { copy: CopyOptions::default().verify(self.verify).checkpoint(!self.no_checkpoint), rate_limit: rate, no_resume: self.no_resume })
    }
}

/// `volclone generate`: the packaged files, from the same definitions the program runs on.
fn generate(what: Generate) -> Result<ExitCode, Error> {
    use clap::CommandFactory;
    match what {
        Generate::Man { dir } => {
            std::fs::create_dir_all(&dir).map_err(|e| Error::io("create", &dir, None, e))?;
            clap_mangen::generate_to(Cli::command(), &dir).map_err(|e| Error::io("write man pages into", &dir, None, e))?;
        }
        Generate::Completion { shell } => clap_complete::generate(shell, &mut Cli::command(), "volclone", &mut std::io::stdout()),
        Generate::Schemas { dir } => {
            std::fs::create_dir_all(&dir).map_err(|e| Error::io("create", &dir, None, e))?;
            for (doc, name) in [(schema::Document::Request, "request"), (schema::Document::Plan, "plan")] {
                let path = dir.join(format!("{name}.schema.json"));
                std::fs::write(&path, format!("{:#}\n", schema::schema(doc))).map_err(|e| Error::io("write", &path, None, e))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Parses the command line and runs the command.
pub fn run() -> Result<ExitCode, Error> {
    match Cli::parse().command {
        Command::Plan { schema: Some(doc), .. } => {
            out!("{:#}", schema::schema(schema::Document::parse(&doc)?));
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate { what } => generate(what),
        Command::Plan { request, json, linstor_stock, compare, example, schema: None } => {
            let mut req = if example { examples::seed_case() } else { read_request(request)? };
            req.options.linstor_stock |= linstor_stock;
            plan(req, json, compare)
        }
        Command::Copy {
            source,
            target,
            workers,
            chunk_size,
            sparse,
            io,
            direct,
            no_fsync,
            verify,
            rate,
            create,
            no_checkpoint,
            checkpoint_dir,
            json,
            quiet,
            progress,
        } => {
            let opts = CopyOptions::default()
                .workers(workers)
                .chunk_size(usize::try_from(copy::parse_size(&chunk_size)?).unwrap_or(usize::MAX))
                .sparse(SparseMode::parse(&sparse)?)
                .io(if direct { IoMode::Direct } else { IoMode::parse(&io)? })
                .fsync(!no_fsync)
                .verify(verify)
                .rate_limit(rate.as_deref().map(copy::parse_size).transpose()?)
                .create_target(create)
                .checkpoint(!no_checkpoint)
                .checkpoint_dir(checkpoint_dir);
            let mode = ProgressMode::parse(&progress, quiet || json)?;
            run_copy(&source, &target, &opts, json, mode)
        }
        Command::Clone { source, target, use_zfs_clone, allow_decrypt, forbid, thick, size, plan_only, exec } => {
            let options = PlanOptions {
                use_zfs_clone,
                allow_decrypt,
                forbid: forbid
                    .iter()
                    .map(|n| Strategy::from_name(n).ok_or_else(|| Error::InvalidArgument(format!("--forbid {n}: give a strategy name such as ZFS_COPY or DD"))))
                    .collect::<Result<_, _>>()?,
                zfs_version: None,
                linstor_stock: false,
            };
            let size = size.as_deref().map(copy::parse_size).transpose()?;
            let zfs = zfs_backend(&exec.backend)?;
            clone(zfs.as_ref(), &source, &target, options, thick, size, plan_only, &exec)
        }
        Command::Run { request, exec } => {
            let req = read_request(request)?;
            let zfs = zfs_backend(&exec.backend)?;
            execute(zfs.as_ref(), &req, &exec)
        }
        Command::Demo => demo(),
        Command::LinstorShim { action } => linstor_shim(action),
        Command::Checkpoints { action, target, checkpoint_dir, json } => checkpoints(&action, target.as_deref(), checkpoint_dir, json),
    }
}

/// Plans `req` and prints the plan (with the request, as JSON).
fn show_plan(req: &CloneRequest, json: bool) -> volclone_core::Plan {
    let plan = planner::plan(req);
    if json {
        out!("{}", serde_json::json!({ "request": req, "plan": plan }));
    } else {
        out!("{}", render::plan_table(req, &plan));
    }
    plan
}

/// Plans `req`, prints the plan and runs its chosen candidate.
fn execute(zfs: &dyn ZfsOps, req: &CloneRequest, args: &ExecArgs) -> Result<ExitCode, Error> {
    let (json, opts) = (args.json, args.options()?);
    let mode = ProgressMode::parse(&args.progress, args.quiet || json)?;
    let plan = if mode == ProgressMode::Json {
        let plan = planner::plan(req);
        json_line(serde_json::json!({ "event": "plan", "plan": plan }));
        plan
    } else {
        show_plan(req, json)
    };
    if plan.chosen.is_none() {
        return Ok(ExitCode::from(EXIT_NO_STRATEGY));
    }
    let report = with_progress(mode, |p, cancel| exec::execute(&plan, req, zfs, &opts, p, cancel))?;
    if mode == ProgressMode::Json {
        json_line(serde_json::json!({ "event": "done", "report": report }));
    } else if json {
        out!("{}", serde_json::to_string(&report).unwrap_or_default());
    } else {
        out!("cloned {} -> {} with {} ({} bytes)", req.source.volume, req.target.volume, report.strategy, report.bytes);
        if report.bytes_resumed > 0 {
            out!("resumed: {} bytes were on the target from an interrupted run onto the same objects (a sample re-checked)", report.bytes_resumed);
        }
        if let Some(why) = &report.resume_refused {
            out!("not resumed: {why}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn zfs_backend(name: &str) -> Result<Box<dyn ZfsOps>, Error> {
    match name {
        "cli" => Ok(Box::new(ZfsCli::default())),
        #[cfg(feature = "libzfs-core")]
        "lzc" => Ok(Box::new(volclone_core::zfs::Lzc::open()?)),
        #[cfg(not(feature = "libzfs-core"))]
        "lzc" => Err(Error::InvalidArgument("--backend lzc: this volclone was built without the libzfs-core feature (cargo build --features libzfs-core)".into())),
        other => Err(Error::InvalidArgument(format!("--backend {other}: give cli or lzc"))),
    }
}

#[allow(clippy::too_many_arguments)]
fn clone(
    zfs: &dyn ZfsOps,
    source: &str,
    target: &str,
    mut options: PlanOptions,
    thick: bool,
    size: Option<u64>,
    plan_only: bool,
    args: &ExecArgs,
) -> Result<ExitCode, Error> {
    let provider = if thick { ProviderKind::Zfs } else { ProviderKind::ZfsThin };
    let (src, tgt) = facts::clone_volumes(zfs, source, target, provider, size)?;
    options.zfs_version = zfs.version().ok().filter(|v| ZfsVersion::parse(v).is_ok());
    let req = CloneRequest { version: REQUEST_VERSION, source: src, target: tgt, options };
    req.validate()?;
    if plan_only {
        return Ok(exit_for(&show_plan(&req, args.json)));
    }
    execute(zfs, &req, args)
}

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProgressMode {
    /// A bar on stderr when it is a terminal.
    Bar,
    /// JSON lines on stdout.
    Json,
    /// Nothing.
    None,
}

impl ProgressMode {
    /// Parses `--progress`; `quiet` (or a JSON report) turns the bar off.
    fn parse(text: &str, quiet: bool) -> Result<Self, Error> {
        match text {
            "bar" if quiet => Ok(ProgressMode::None),
            "bar" => Ok(ProgressMode::Bar),
            "json" => Ok(ProgressMode::Json),
            "none" => Ok(ProgressMode::None),
            other => Err(Error::InvalidArgument(format!("--progress {other}: give bar, json or none"))),
        }
    }
}

/// Prints one JSON object on its own line and flushes, so a reading process sees it at once.
fn json_line(v: serde_json::Value) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{v}");
    let _ = out.flush();
}

/// Progress as JSON lines (`--progress json`).
struct JsonProgress;

impl copy::Progress for JsonProgress {
    fn update(&self, u: &copy::ProgressUpdate) {
        let percent = if u.bytes_total > 0 { (u.bytes_done as f64 * 100.0 / u.bytes_total as f64).min(100.0) } else { 0.0 };
        json_line(serde_json::json!({
            "event": "progress", "phase": u.phase, "bytes_done": u.bytes_done, "bytes_total": u.bytes_total,
            "percent": (percent * 100.0).round() / 100.0, "bytes_per_sec": u.bytes_per_sec.round(),
        }));
    }
}

/// Runs `f` with the progress sink of `mode`; in JSON mode an error is also a JSON line.
fn with_progress<T>(mode: ProgressMode, f: impl FnOnce(&dyn copy::Progress, &CancelToken) -> Result<T, Error>) -> Result<T, Error> {
    let cancel = CancelToken::new();
    crate::signals::cancel_on_signals(&cancel);
    match mode {
        ProgressMode::Bar if std::io::stderr().is_terminal() => {
            let bar = render::ProgressBar::new();
            let r = f(&bar, &cancel);
            bar.finish();
            r
        }
        ProgressMode::Json => {
            let r = f(&JsonProgress, &cancel);
            if let Err(e) = &r {
                json_line(serde_json::json!({ "event": "error", "kind": format!("{:?}", e.kind()), "message": e.to_string() }));
            }
            r
        }
        _ => f(&copy::NoProgress, &cancel),
    }
}

fn read_request(path: Option<PathBuf>) -> Result<CloneRequest, Error> {
    let (name, text) = match path.as_deref() {
        None => ("<stdin>".into(), read_bounded(std::io::stdin(), "<stdin>")?),
        Some(p) if p.as_os_str() == "-" => ("<stdin>".into(), read_bounded(std::io::stdin(), "<stdin>")?),
        Some(p) => {
            let f = std::fs::File::open(p).map_err(|e| Error::io("read request", p, None, e))?;
            (p.display().to_string(), read_bounded(f, &p.display().to_string())?)
        }
    };
    CloneRequest::from_json(&text).map_err(|e| match e {
        Error::InvalidRequest(m) => Error::InvalidRequest(format!("{name}: {m}")),
        other => other,
    })
}

/// Reads at most one byte over the request limit, so a huge or endless input (`/dev/zero`) is
/// refused without being read whole.
fn read_bounded(r: impl Read, name: &str) -> Result<String, Error> {
    let mut bytes = Vec::new();
    r.take(MAX_REQUEST_BYTES as u64 + 1).read_to_end(&mut bytes).map_err(|e| Error::io("read request", name, None, e))?;
    if bytes.len() > MAX_REQUEST_BYTES {
        return Err(Error::InvalidRequest(format!("{name} is over the {MAX_REQUEST_BYTES}-byte request limit: give a request file")));
    }
    String::from_utf8(bytes).map_err(|_| Error::InvalidRequest(format!("{name} is not UTF-8 text: give a JSON request")))
}

fn plan(req: CloneRequest, json: bool, compare: bool) -> Result<ExitCode, Error> {
    if compare {
        let mut stock = req.clone();
        stock.options.linstor_stock = true;
        let mut ours = req.clone();
        ours.options.linstor_stock = false;
        out!("{}", render::plan_table(&stock, &planner::plan(&stock)));
        out!("{}", render::plan_table(&ours, &planner::plan(&ours)));
        return Ok(exit_for(&planner::plan(&ours)));
    }
    let plan = planner::plan(&req);
    if json {
        out!("{}", plan.to_json());
    } else {
        out!("{}", render::plan_table(&req, &plan));
    }
    Ok(exit_for(&plan))
}

fn exit_for(plan: &volclone_core::Plan) -> ExitCode {
    if plan.chosen.is_some() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_NO_STRATEGY) }
}

fn run_copy(source: &std::path::Path, target: &std::path::Path, opts: &CopyOptions, json: bool, mode: ProgressMode) -> Result<ExitCode, Error> {
    let report = with_progress(mode, |p, cancel| copy::copy(source, target, opts, p, cancel)).map_err(|e| match e {
        // The core names its option; here the flag is what the user can give.
        Error::Io { op, path, offset, source } if op == "open target" && source.kind() == std::io::ErrorKind::NotFound => {
            Error::Io { op, path, offset, source: std::io::Error::new(source.kind(), source.to_string().replace("(create_target)", "(--create)")) }
        }
        other => other,
    })?;
    if mode == ProgressMode::Json {
        json_line(serde_json::json!({ "event": "done", "report": report }));
    } else if json {
        out!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
    } else {
        out!("{}", render::copy_report(&report));
    }
    Ok(ExitCode::SUCCESS)
}

/// `volclone linstor-shim ...`.
fn linstor_shim(action: ShimAction) -> Result<ExitCode, Error> {
    use volclone_core::shim::{inflight, real, service};
    match action {
        ShimAction::Install { dir } => {
            let me = std::env::current_exe().and_then(std::fs::canonicalize).map_err(|e| Error::io("find", "volclone's own executable", None, e))?;
            let pass = me.with_file_name(real::PASS_THROUGH);
            if !pass.is_file() {
                return Err(Error::InvalidArgument(format!("{} is missing: install volclone's two programs side by side (the package does)", pass.display())));
            }
            std::fs::create_dir_all(&dir).map_err(|e| Error::io("create", &dir, None, e))?;
            let link = dir.join("zfs");
            match std::fs::read_link(&link) {
                Ok(to) if to == pass => {}
                // An earlier shim was volclone itself under the name: ours to replace.
                Ok(to) if to == me => {
                    std::fs::remove_file(&link).map_err(|e| Error::io("remove", &link, None, e))?;
                    std::os::unix::fs::symlink(&pass, &link).map_err(|e| Error::io("link", &link, None, e))?;
                }
                Ok(_) | Err(_) if link.symlink_metadata().is_ok() => {
                    return Err(Error::InvalidArgument(format!("{} exists and is not a link to {}: remove it first", link.display(), pass.display())));
                }
                _ => std::os::unix::fs::symlink(&pass, &link).map_err(|e| Error::io("link", &link, None, e))?,
            }
            out!("{} -> {}: put {} first on the PATH of what should use the shim", link.display(), pass.display(), dir.display());
        }
        ShimAction::Enable { dir, systemd_dir } => {
            let p = service::enable(&systemd_dir, &dir)?;
            out!("wrote {}", p.display());
            match service::daemon_reload() {
                Ok(()) => out!("systemd reloaded: restart {} to use the shim", service::UNIT),
                Err(why) => out!("note: {why}"),
            }
        }
        ShimAction::Disable { systemd_dir } => {
            if service::disable(&systemd_dir)? {
                out!("removed {}", service::drop_in_path(&systemd_dir).display());
                if let Err(why) = service::daemon_reload() {
                    out!("note: {why}");
                }
            } else {
                out!("no drop-in at {}: nothing to do", service::drop_in_path(&systemd_dir).display());
            }
        }
        ShimAction::Status { dir, systemd_dir } => {
            let drop_in = service::drop_in_path(&systemd_dir);
            out!("drop-in: {}", if drop_in.exists() { format!("{} (enabled)", drop_in.display()) } else { "none (disabled)".into() });
            out!("shim: {}", if dir.join("zfs").exists() { format!("{}/zfs", dir.display()) } else { format!("none in {}", dir.display()) });
            match service::satellite_pid() {
                Some(pid) => {
                    let path = service::path_of(pid).unwrap_or_default();
                    let first = service::shim_first(&path, &dir);
                    out!("satellite: pid {pid}, {} (PATH={path})", if first { "uses the shim" } else { "does not use the shim (restart it after enable)" });
                }
                None => out!("satellite: not running"),
            }
            let me = std::env::current_exe().unwrap_or_default();
            match real::find(&me, Some(&format!("{}:{}", dir.display(), service::DEFAULT_PATH)), std::env::var("VOLCLONE_REAL_ZFS").ok().as_deref()) {
                Ok(r) => out!("real zfs: {}", r.display()),
                Err(e) => out!("real zfs: {e}"),
            }
            let all = inflight::list()?;
            if all.is_empty() {
                out!("clones in flight: none");
            }
            for (_, e) in all {
                let eta = e.eta().map(|(pct, s)| format!(", {pct:.1}%, about {s} s left")).unwrap_or_default();
                out!(
                    "clone {} -> {}: {} MiB at {:.1} MiB/s{eta}{}",
                    e.source,
                    e.target,
                    e.bytes_done >> 20,
                    e.rate() / (1 << 20) as f64,
                    if e.alive() { String::new() } else { format!(" (stale: pid {} is gone; volclone linstor-shim cleanup)", e.pid) }
                );
            }
        }
        ShimAction::Cleanup => {
            let me = std::env::current_exe().unwrap_or_default();
            let real = real::find(&me, std::env::var("PATH").ok().as_deref(), std::env::var("VOLCLONE_REAL_ZFS").ok().as_deref()).map_err(Error::InvalidArgument)?;
            let removed = volclone_core::shim::cleanup(&real)?;
            for r in &removed {
                out!("removed {r}");
            }
            if removed.is_empty() {
                out!("nothing to clean up");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `volclone checkpoints [list|clear [TARGET]]`.
fn checkpoints(action: &str, target: Option<&std::path::Path>, dir: Option<PathBuf>, json: bool) -> Result<ExitCode, Error> {
    use volclone_core::copy::checkpoint;
    let dir = match dir {
        Some(d) => d,
        None => volclone_core::state::dir(volclone_core::state::Purpose::Checkpoints)?,
    };
    match action {
        "list" => {
            let all = checkpoint::list(&dir)?;
            if json {
                out!("{}", serde_json::to_string_pretty(&all).unwrap_or_default());
            } else if all.is_empty() {
                out!("no checkpoints in {}", dir.display());
            } else {
                for e in all {
                    let show = |p: &Option<PathBuf>| p.as_ref().map_or("?".to_owned(), |p| p.display().to_string());
                    match &e.unreadable {
                        Some(why) => out!("{}  target {}  unreadable: {why}", e.file.display(), show(&e.target)),
                        None => out!(
                            "{}  {} -> {}  {} of {} bytes done, last written {} s ago",
                            e.file.display(),
                            show(&e.source),
                            show(&e.target),
                            e.bytes_done,
                            e.bytes_total,
                            e.age_seconds
                        ),
                    }
                }
            }
        }
        "clear" => {
            let target = target.map(|t| std::path::absolute(t).unwrap_or_else(|_| t.to_owned()));
            let removed = checkpoint::clear(&dir, target.as_deref())?;
            for f in &removed {
                out!("removed {}", f.display());
            }
            if removed.is_empty() {
                out!("nothing to remove in {}", dir.display());
            }
        }
        other => return Err(Error::InvalidArgument(format!("volclone checkpoints {other}: give list or clear"))),
    }
    Ok(ExitCode::SUCCESS)
}

fn demo() -> Result<ExitCode, Error> {
    out!("== 1. The seed case (incus#2075): encrypted ZFS pool, target pre-created by LINSTOR ==\n");
    let code = plan(examples::seed_case(), false, true)?;
    out!("== 2. A verified block copy between two temporary files (thin target) ==\n");
    // mkdtemp: a predictable name could be a symlink another user planted.
    let dir = volclone_core::state::temp_dir("volclone-demo-").map_err(|e| Error::io("create a temporary directory in", std::env::temp_dir(), None, e))?;
    let result = demo_copy(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    result?;
    Ok(code)
}

fn demo_copy(dir: &std::path::Path) -> Result<(), Error> {
    use std::os::unix::fs::FileExt;
    let (src, tgt) = (dir.join("source.img"), dir.join("target.img"));
    let mib = 1u64 << 20;
    let f = std::fs::File::create(&src).map_err(|e| Error::io("create", &src, None, e))?;
    f.set_len(64 * mib).map_err(|e| Error::io("size", &src, None, e))?;
    // 16 scattered 1 MiB data extents, the rest holes, plus one explicit run of zeros.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut block = vec![0u8; mib as usize];
    for i in 0..16u64 {
        for b in block.iter_mut() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *b = state as u8;
        }
        f.write_all_at(&block, i * 4 * mib).map_err(|e| Error::io("write", &src, Some(i * 4 * mib), e))?;
    }
    f.write_all_at(&vec![0u8; 2 * mib as usize], 2 * mib).map_err(|e| Error::io("write", &src, Some(2 * mib), e))?;
    drop(f);
    out!("source {} (64 MiB, 16 MiB of data), target {} (created thin)\n", src.display(), tgt.display());
    out!("$ volclone copy --create --verify {} {}", src.display(), tgt.display());
    run_copy(&src, &tgt, &CopyOptions::default().create_target(true).verify(true), false, ProgressMode::None)?;
    let alloc = |p: &std::path::Path| std::fs::metadata(p).map(|m| std::os::unix::fs::MetadataExt::blocks(&m) * 512 / mib).unwrap_or(0);
    out!("\nallocated: source {} MiB, target {} MiB (thin stays thin)", alloc(&src), alloc(&tgt));
    Ok(())
}
