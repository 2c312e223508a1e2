//! The probe's `log` backend: what pvgrub logs while it reads the disk (a corrupt primary GPT,
//! logical partitions past the limit, partitions the menu search passed over, menu commands
//! ignored), on stderr as `pvgrub-probe: warning: ...`.

use std::io::Write;

use log::{Level, LevelFilter, Log, Metadata, Record};
use pvgrub::text::escape_controls;

/// How much is logged: `-q` errors only, by default warnings too, `-v` info, `-vv` debug,
/// `-vvv` trace.
pub fn level(verbosity: i32) -> LevelFilter {
    match verbosity {
        i32::MIN..=-1 => LevelFilter::Error,
        0 => LevelFilter::Warn,
        1 => LevelFilter::Info,
        2 => LevelFilter::Debug,
        _ => LevelFilter::Trace,
    }
}

/// Writes each record on stderr, one line.
struct Stderr;

impl Log for Stderr {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let word = match record.level() {
            Level::Error => "error",
            Level::Warn => "warning",
            Level::Info => "info",
            Level::Debug => "debug",
            Level::Trace => "trace",
        };
        // The message may quote the disk (a partition name, a path, a menu word): no control
        // character in it reaches the terminal, and it stays one line.
        let message = record.args().to_string();
        let _ = writeln!(
            std::io::stderr().lock(),
            "pvgrub-probe: {word}: {}",
            escape_controls(&message)
        );
    }

    fn flush(&self) {}
}

static LOGGER: Stderr = Stderr;

/// Installs the logger, logging up to `level`.
pub fn init(level: LevelFilter) {
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(level);
    }
}
