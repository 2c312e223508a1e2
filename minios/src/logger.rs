//! The `log` facade, printed to the primary console.
//!
//! Log messages can quote what a peer or a guest disk said (a path, a title, a backend's
//! node): control characters in them are printed escaped (`\x1b`, `\u{9b}`), so nothing
//! logged can drive the terminal of whoever reads `xl console`.

use core::fmt::{self, Write};

use log::{LevelFilter, Metadata, Record};

use crate::escape::Escaping;

struct ConsoleLogger;

/// The primary console as a `fmt::Write`.
struct Console;

impl Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        crate::console::write(s.as_bytes());
        Ok(())
    }
}

impl log::Log for ConsoleLogger {
    fn enabled(&self, _: &Metadata) -> bool {
        true
    }

    fn log(&self, record: &Record) {
        let _ = write!(Console, "[{}] ", record.level());
        let _ = write!(Escaping(Console), "{}", record.args());
        crate::console::write(b"\n");
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
