//! The `log` facade, printed to the primary console.

use log::{LevelFilter, Metadata, Record};

struct ConsoleLogger;

impl log::Log for ConsoleLogger {
    fn enabled(&self, _: &Metadata) -> bool {
        true
    }

    fn log(&self, record: &Record) {
        crate::println!("[{}] {}", record.level(), record.args());
    }

    fn flush(&self) {}
}

static LOGGER: ConsoleLogger = ConsoleLogger;

/// Routes `log` records to the console. The level comes from the command line word
/// `loglevel=error|warn|info|debug|trace` (default `info`).
pub(crate) fn init() {
    let level = crate::cmdline()
        .split_whitespace()
        .find_map(|w| w.strip_prefix("loglevel="))
        .and_then(|l| l.parse().ok())
        .unwrap_or(LevelFilter::Info);
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(level);
    }
}
