//! The echo server's words on the command line: `echo.port=N`, `echo.conns=N`,
//! `echo.window=KIB`. Other words (such as `dhcp`, `ip=`, `net.*`) are someone else's.

use alloc::string::String;
use core::fmt;

/// The echo port (RFC 862) when the command line names none.
pub const DEFAULT_PORT: u16 = 7;
/// TCP connections served at once when the command line says nothing.
pub const DEFAULT_CONNS: usize = 8;
/// The most TCP connections served at once.
pub const MAX_CONNS: usize = 16;
/// Each TCP socket's receive and send buffers, in KiB, when the command line says nothing:
/// the receive buffer is the window the peer may fill.
pub const DEFAULT_WINDOW_KIB: usize = 256;
/// The smallest and largest buffers accepted, in KiB.
pub const WINDOW_KIB: core::ops::RangeInclusive<usize> = 4..=1024;

/// What the server serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// The TCP and UDP port.
    pub port: u16,
    /// TCP connections served at once (each has its own socket and buffers).
    pub conns: usize,
    /// Each TCP socket's receive and send buffer, in bytes.
    pub window: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: DEFAULT_PORT,
            conns: DEFAULT_CONNS,
            window: DEFAULT_WINDOW_KIB << 10,
        }
    }
}

/// An `echo.*` word that is not a known setting with a valid value (the word is kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// `echo.port=` is not a port number from 1 to 65535.
    BadPort(String),
    /// `echo.conns=` is not a number from 1 to [`MAX_CONNS`].
    BadConns(String),
    /// `echo.window=` is not a number of KiB in [`WINDOW_KIB`].
    BadWindow(String),
    /// An `echo.` word with another name.
    Unknown(String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadPort(w) => write!(f, "\"{w}\": echo.port= takes a port from 1 to 65535"),
            Self::BadConns(w) => write!(
                f,
                "\"{w}\": echo.conns= takes a number of connections from 1 to {MAX_CONNS}"
            ),
            Self::BadWindow(w) => write!(
                f,
                "\"{w}\": echo.window= takes a buffer size in KiB from {} to {}",
                WINDOW_KIB.start(),
                WINDOW_KIB.end()
            ),
            Self::Unknown(w) => write!(
                f,
                "unknown echo setting \"{w}\" (known: echo.port=N echo.conns=N echo.window=KIB)"
            ),
        }
    }
}

impl core::error::Error for ConfigError {}

impl Config {
    /// Reads the `echo.*` words of a command line; a setting given twice takes the last.
    pub fn from_cmdline(cmdline: &str) -> Result<Config, ConfigError> {
        let mut c = Config::default();
        for word in cmdline.split_ascii_whitespace() {
            let Some(kv) = word.strip_prefix("echo.") else {
                continue;
            };
            let w = || String::from(word);
            let (key, value) = kv.split_once('=').unwrap_or((kv, ""));
            let n = value.parse::<usize>().ok();
            match key {
                "port" => {
                    c.port = n
                        .and_then(|n| u16::try_from(n).ok())
                        .filter(|&p| p != 0)
                        .ok_or_else(|| ConfigError::BadPort(w()))?
                }
                "conns" => {
                    c.conns = n
                        .filter(|n| (1..=MAX_CONNS).contains(n))
                        .ok_or_else(|| ConfigError::BadConns(w()))?
                }
                "window" => {
                    c.window = n
                        .filter(|n| WINDOW_KIB.contains(n))
                        .ok_or_else(|| ConfigError::BadWindow(w()))?
                        << 10
                }
                _ => return Err(ConfigError::Unknown(w())),
            }
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        assert_eq!(Config::from_cmdline("dhcp net.sg=0"), Ok(Config::default()));
        let c = Config::from_cmdline("ip=10.0.2.50/24 echo.port=7007 echo.conns=2 echo.window=64")
            .unwrap();
        assert_eq!(
            c,
            Config {
                port: 7007,
                conns: 2,
                window: 64 << 10
            }
        );
        assert_eq!(
            Config::from_cmdline("echo.port=1 echo.port=9").map(|c| c.port),
            Ok(9)
        );
    }

    #[test]
    fn bad_words() {
        for w in [
            "echo.port=0",
            "echo.port=65536",
            "echo.port=",
            "echo.port=x",
        ] {
            assert_eq!(Config::from_cmdline(w), Err(ConfigError::BadPort(w.into())));
        }
        for w in ["echo.conns=0", "echo.conns=17", "echo.conns"] {
            assert_eq!(
                Config::from_cmdline(w),
                Err(ConfigError::BadConns(w.into()))
            );
        }
        for w in ["echo.window=3", "echo.window=1025", "echo.window=-1"] {
            assert_eq!(
                Config::from_cmdline(w),
                Err(ConfigError::BadWindow(w.into()))
            );
        }
        assert_eq!(
            Config::from_cmdline("echo.prot=7"),
            Err(ConfigError::Unknown("echo.prot=7".into()))
        );
        assert!(ConfigError::BadWindow("echo.window=1".into())
            .to_string()
            .contains("from 4 to 1024"));
    }
}
