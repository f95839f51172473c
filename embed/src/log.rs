//! The library's `tracing` events handed to the embedding program: a C log callback
//! (libvolclone's `volclone_set_log_callback`) and, for the JVM, `java.lang.System.Logger`
//! (libvolclone_jni). A minimal subscriber of our own, so neither pulls in a logging framework.

use std::fmt::Write as _;
use std::sync::{Arc, OnceLock, RwLock};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

/// Severity of a log message, most severe first.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum volclone_log_level {
    /// Logging off (as a maximum level).
    Off = 0,
    /// Something failed.
    Error = 1,
    /// Something the operator should look at.
    Warn = 2,
    /// The steps of a clone.
    Info = 3,
    /// Details (commands run, choices made).
    Debug = 4,
    /// Everything.
    Trace = 5,
}

/// Where events go: the function takes the level, the target and the message.
pub type LogSink = Arc<dyn Fn(volclone_log_level, &str, &str) + Send + Sync>;

struct Sinks {
    c: Option<(LogSink, volclone_log_level)>,
    java: Option<(LogSink, volclone_log_level)>,
}

fn sinks() -> &'static RwLock<Sinks> {
    static S: OnceLock<RwLock<Sinks>> = OnceLock::new();
    S.get_or_init(|| RwLock::new(Sinks { c: None, java: None }))
}

fn level_of(l: &Level) -> volclone_log_level {
    match *l {
        Level::ERROR => volclone_log_level::Error,
        Level::WARN => volclone_log_level::Warn,
        Level::INFO => volclone_log_level::Info,
        Level::DEBUG => volclone_log_level::Debug,
        _ => volclone_log_level::Trace,
    }
}

/// The level asked for in `VOLCLONE_LOG` (`error` ... `trace`), if any.
pub fn env_level() -> Option<volclone_log_level> {
    let v = std::env::var("VOLCLONE_LOG").ok()?.to_ascii_lowercase();
    Some(match v.rsplit('=').next().unwrap_or_default() {
        "off" => volclone_log_level::Off,
        "error" => volclone_log_level::Error,
        "warn" => volclone_log_level::Warn,
        "info" => volclone_log_level::Info,
        "debug" => volclone_log_level::Debug,
        "trace" => volclone_log_level::Trace,
        _ => return None,
    })
}

/// Who receives events: each host has one sink of its own, so a C callback and the JVM's
/// logger in one process do not replace each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// The C callback.
    C,
    /// `java.lang.System.Logger`.
    Java,
}

/// Installs (or with `None` removes) `host`'s sink, up to `max` severity; makes the bridge the
/// process's `tracing` subscriber the first time.
pub fn set_sink(host: Host, sink: Option<LogSink>, max: volclone_log_level) {
    install();
    let mut s = sinks().write().unwrap_or_else(|p| p.into_inner());
    let slot = match host {
        Host::C => &mut s.c,
        Host::Java => &mut s.java,
    };
    *slot = sink.map(|f| (f, max));
}

/// A level from its number (values above TRACE count as TRACE).
pub fn level_from(n: u32) -> volclone_log_level {
    match n {
        0 => volclone_log_level::Off,
        1 => volclone_log_level::Error,
        2 => volclone_log_level::Warn,
        3 => volclone_log_level::Info,
        4 => volclone_log_level::Debug,
        _ => volclone_log_level::Trace,
    }
}

/// Formats an event's message and fields as one line.
struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{}{value:?}", if self.0.is_empty() { "" } else { " " });
        } else {
            let _ = write!(self.0, "{}{}={value:?}", if self.0.is_empty() { "" } else { " " }, field.name());
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            let _ = write!(self.0, "{}{value}", if self.0.is_empty() { "" } else { " " });
        } else {
            let _ = write!(self.0, "{}{}={value}", if self.0.is_empty() { "" } else { " " }, field.name());
        }
    }
}

/// The subscriber: events only (spans are not used by the library).
struct Bridge;

impl Subscriber for Bridge {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        // Sinks come and go at run time: ask `enabled` every time.
        Interest::sometimes()
    }
    fn enabled(&self, m: &Metadata<'_>) -> bool {
        let lvl = level_of(m.level());
        let s = sinks().read().unwrap_or_else(|p| p.into_inner());
        s.c.as_ref().is_some_and(|(_, max)| lvl <= *max) || s.java.as_ref().is_some_and(|(_, max)| lvl <= *max)
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let m = event.metadata();
        let lvl = level_of(m.level());
        let mut line = Line(String::new());
        event.record(&mut line);
        let targets: Vec<LogSink> = {
            let s = sinks().read().unwrap_or_else(|p| p.into_inner());
            [&s.c, &s.java].into_iter().flatten().filter(|(_, max)| lvl <= *max).map(|(f, _)| f.clone()).collect()
        };
        for f in targets {
            f(lvl, m.target(), &line.0);
        }
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// Makes the bridge the process's subscriber, once (a host that set its own keeps it).
fn install() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let _ = tracing::subscriber::set_global_default(Bridge);
    });
}

