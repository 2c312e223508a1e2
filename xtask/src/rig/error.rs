//! The rig's error type.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::guest::Outcome;
use crate::check::CheckError;

/// What can go wrong while building, booting or driving the rig.
#[derive(Debug)]
pub enum RigError {
    /// A file or process operation failed.
    Io {
        /// What was being done (a path or a command).
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A host tool exited unsuccessfully.
    Tool {
        /// The command line.
        command: String,
        /// Its exit status, as text.
        status: String,
    },
    /// Building a guest image failed (the message comes from `xtask::build`).
    Build(String),
    /// dom0 never became ready, in any of the boot attempts.
    Boot {
        /// How many boots were tried.
        attempts: u32,
        /// Why the last attempt was given up.
        last: BootFailure,
        /// The end of the last attempt's serial log.
        serial_tail: String,
    },
    /// QEMU ended while the rig was in use.
    QemuExited {
        /// QEMU's exit status, as text.
        status: String,
        /// The end of the serial log.
        serial_tail: String,
    },
    /// The host gave up waiting for a job's result.
    JobTimeout {
        /// The job's id.
        id: u32,
        /// How long the host waited.
        waited: Duration,
    },
    /// run-guest.sh did not report an outcome.
    GuestReport {
        /// What it printed.
        output: String,
    },
    /// A guest ended in an outcome the caller treats as failure.
    GuestFailed(Outcome),
    /// A missing file the rig needs.
    Missing(PathBuf),
    /// Bad command-line arguments.
    Usage(String),
    /// The static checks `cargo xtask test` runs first failed.
    Check(CheckError),
}

/// Why one boot attempt was given up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BootFailure {
    /// dom0 did not write its ready marker in time.
    NotReady(Duration),
    /// The serial log did not grow for this long before dom0 was ready (a hang).
    Stalled(Duration),
    /// QEMU exited before dom0 was ready.
    QemuExited(String),
    /// dom0's init reported a fatal error.
    Dom0Failed(String),
}

impl RigError {
    /// Wraps an I/O error with what was being done.
    pub fn io(context: impl fmt::Display, source: std::io::Error) -> Self {
        RigError::Io {
            context: context.to_string(),
            source,
        }
    }

    /// True when the rig itself is broken (QEMU gone, a job hung): the next user should reboot it.
    pub fn is_rig_fault(&self) -> bool {
        matches!(
            self,
            RigError::QemuExited { .. } | RigError::JobTimeout { .. } | RigError::Boot { .. }
        )
    }
}

impl fmt::Display for BootFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BootFailure::NotReady(d) => write!(f, "dom0 not ready after {:.0} s", d.as_secs_f64()),
            BootFailure::Stalled(d) => {
                write!(f, "serial output stalled for {:.0} s", d.as_secs_f64())
            }
            BootFailure::QemuExited(s) => write!(f, "QEMU exited ({s})"),
            BootFailure::Dom0Failed(s) => write!(f, "dom0 init failed: {s}"),
        }
    }
}

impl fmt::Display for RigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RigError::Io { context, source } => write!(f, "{context}: {source}"),
            RigError::Tool { command, status } => write!(f, "{command}: {status}"),
            RigError::Build(msg) => write!(f, "image build: {msg}"),
            RigError::Boot {
                attempts,
                last,
                serial_tail,
            } => write!(
                f,
                "the rig did not boot in {attempts} attempts (last: {last}); serial log ends:\n{serial_tail}"
            ),
            RigError::QemuExited {
                status,
                serial_tail,
            } => write!(f, "QEMU exited ({status}); serial log ends:\n{serial_tail}"),
            RigError::JobTimeout { id, waited } => write!(
                f,
                "job {id} gave no result in {:.0} s",
                waited.as_secs_f64()
            ),
            RigError::GuestReport { output } => {
                write!(f, "run-guest.sh reported no outcome; it printed:\n{output}")
            }
            RigError::GuestFailed(outcome) => write!(f, "guest ended with {outcome}"),
            RigError::Missing(p) => write!(f, "missing {}", p.display()),
            RigError::Usage(msg) => write!(f, "{msg}"),
            RigError::Check(e) => write!(f, "static checks: {e}"),
        }
    }
}

impl From<CheckError> for RigError {
    fn from(e: CheckError) -> Self {
        RigError::Check(e)
    }
}

impl std::error::Error for RigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RigError::Io { source, .. } => Some(source),
            RigError::Check(e) => Some(e),
            _ => None,
        }
    }
}
