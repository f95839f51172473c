//! Human-readable output: plan tables, copy reports, the progress bar.

use std::fmt::Write as _;

use volclone_core::copy::{CopyReport, Progress, ProgressUpdate};
use volclone_core::plan::{Plan, PlanMode};
use volclone_core::request::{CloneRequest, VolumeFacts, layer_names};

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
}

fn volume_line(v: &VolumeFacts, is_target: bool) -> String {
    let mut s = format!("{}  {}  pool {}  [{}]  {}", v.volume, v.provider.name(), v.storage_pool, layer_names(&v.layers), gib(v.size_bytes));
    if is_target {
        s.push_str(if v.exists { "  pre-created" } else { "  new" });
    }
    if let Some(z) = &v.zfs {
        if z.is_encrypted() {
            let root = z.encryption_root.as_deref().unwrap_or("?");
            let key = serde_json::to_value(z.key_status).ok().and_then(|k| k.as_str().map(str::to_owned)).unwrap_or_default();
            let _ = write!(s, "  encrypted {} (root {root}, key {key})", z.encryption);
        } else {
            s.push_str("  unencrypted");
        }
    }
    s
}

/// The plan as a table with the reason for every strategy and the steps of each candidate.
pub fn plan_table(req: &CloneRequest, plan: &Plan) -> String {
    let mut out = String::new();
    let title = match plan.mode {
        PlanMode::Volclone => "volclone's plan",
        PlanMode::LinstorStock => "LINSTOR 1.34 stock plan",
    };
    let _ = writeln!(out, "{title}");
    let _ = writeln!(out, "  source: {}", volume_line(&req.source, false));
    let _ = writeln!(out, "  target: {}", volume_line(&req.target, true));
    let chosen = plan.chosen.map_or("none: no strategy can be used".to_owned(), |s| s.to_string());
    let _ = writeln!(out, "  chosen: {chosen}\n");
    let _ = writeln!(out, "  {:<2} {:<15} {:>4}  {:<4}  REASON", "#", "STRATEGY", "PRIO", "OPEN");
    for (i, c) in plan.candidates.iter().enumerate() {
        let open = if c.needs_open_devices { "yes" } else { "no" };
        let _ = writeln!(out, "  {:<2} {:<15} {:>4}  {:<4}  {}", i + 1, c.strategy.to_string(), c.priority, open, c.reason);
        if let Some(w) = &c.warning {
            let _ = writeln!(out, "  {:<2} {:<15} {:>4}  {:<4}  WARNING: {w}", "", "", "", "");
        }
        for step in &c.steps {
            match &step.guard {
                Some(g) => {
                    let _ = writeln!(out, "       $ {}    ({g})", step.command);
                }
                None => {
                    let _ = writeln!(out, "       $ {}", step.command);
                }
            }
        }
    }
    if !plan.rejected.is_empty() {
        let _ = writeln!(out, "\n  rejected:");
        for r in &plan.rejected {
            let _ = writeln!(out, "     {:<15} {}", r.strategy.to_string(), r.reason);
        }
    }
    out
}

/// The copy report in a few lines.
pub fn copy_report(r: &CopyReport) -> String {
    let mib = |b: u64| b as f64 / (1u64 << 20) as f64;
    let mut out = format!(
        "copied {:.1} MiB in {:.2} s ({:.0} MiB/s): read {:.1} MiB, wrote {:.1} MiB, zeros not written {:.1} MiB, holes not read {:.1} MiB\n\
         workers {}, chunk {} KiB, sparse {}, zero method {:?}, O_DIRECT {}, fdatasync {}",
        mib(r.bytes_total),
        r.seconds,
        r.mib_per_sec,
        mib(r.bytes_read),
        mib(r.bytes_written),
        mib(r.bytes_zero),
        mib(r.bytes_hole),
        r.workers,
        r.chunk_size / 1024,
        r.sparse.name(),
        r.zero_method,
        if r.direct { "yes" } else { "no" },
        if r.fsynced { "yes" } else { "no" },
    );
    if let Some(v) = &r.verify {
        let _ = write!(out, "\nverify: {} (source {}, target {})", if v.matched { "identical" } else { "DIFFERENT" }, v.source_digest, v.target_digest);
    }
    for n in &r.notes {
        let _ = write!(out, "\nnote: {n}");
    }
    out
}

/// An indicatif bar fed by the copier's progress sink.
pub struct ProgressBar(indicatif::ProgressBar);

impl ProgressBar {
    /// A bar on stderr.
    pub fn new() -> Self {
        let bar = indicatif::ProgressBar::new(0);
        let style = indicatif::ProgressStyle::with_template("{msg:>6} [{bar:40}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        ProgressBar(bar)
    }

    /// Clears the bar.
    pub fn finish(self) {
        self.0.finish_and_clear();
    }
}

impl Progress for ProgressBar {
    fn update(&self, u: &ProgressUpdate) {
        self.0.set_length(u.bytes_total);
        self.0.set_message(u.phase);
        self.0.set_position(u.bytes_done);
    }
}
