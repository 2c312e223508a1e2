//! Plain types of the audited layer: hypercall errors and shutdown reasons.

use core::fmt;

use crate::abi::sched;

/// A hypercall failed with this (negative) errno value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XenError(pub i32);

/// Names of the errno values hypercalls return (`xen/errno.h`).
const NAMES: [(i32, &str); 18] = [
    (1, "EPERM"),
    (2, "ENOENT"),
    (3, "ESRCH"),
    (4, "EINTR"),
    (5, "EIO"),
    (6, "ENXIO"),
    (7, "E2BIG"),
    (11, "EAGAIN"),
    (12, "ENOMEM"),
    (13, "EACCES"),
    (14, "EFAULT"),
    (16, "EBUSY"),
    (17, "EEXIST"),
    (19, "ENODEV"),
    (22, "EINVAL"),
    (28, "ENOSPC"),
    (38, "ENOSYS"),
    (95, "EOPNOTSUPP"),
];

impl XenError {
    /// `Ok` for a hypercall's non-negative result, else the error.
    pub fn check(rc: isize) -> Result<(), XenError> {
        if rc < 0 {
            Err(XenError(rc as i32))
        } else {
            Ok(())
        }
    }

    /// The errno's name (`"EINVAL"`), if it is one of the common ones.
    pub fn name(self) -> Option<&'static str> {
        NAMES
            .iter()
            .find(|(n, _)| *n == -self.0)
            .map(|&(_, name)| name)
    }
}

impl fmt::Display for XenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "Xen returned {name} ({})", self.0),
            None => write!(f, "Xen returned errno {}", self.0),
        }
    }
}

/// Why the domain stops (SCHEDOP_shutdown reasons).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShutdownReason {
    /// Clean power off.
    Poweroff,
    /// Restart the domain.
    Reboot,
    /// Suspend (the toolstack saves the domain).
    Suspend,
    /// The domain crashed.
    Crash,
}

impl ShutdownReason {
    /// The `SHUTDOWN_*` code.
    pub fn code(self) -> u32 {
        match self {
            Self::Poweroff => sched::SHUTDOWN_POWEROFF,
            Self::Reboot => sched::SHUTDOWN_REBOOT,
            Self::Suspend => sched::SHUTDOWN_SUSPEND,
            Self::Crash => sched::SHUTDOWN_CRASH,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_names_follow_xen_errno_h() {
        let header = std::fs::read_to_string("/usr/include/xen/errno.h")
            .expect("libxen-dev must be installed (/usr/include/xen/errno.h)");
        for (n, name) in NAMES {
            let line = format!("XEN_ERRNO({name},");
            let value = header
                .lines()
                .find_map(|l| l.strip_prefix(&line))
                .and_then(|rest| rest.split(')').next())
                .map(|v| v.trim().parse::<i32>().unwrap());
            assert_eq!(value, Some(n), "{name}");
        }
    }

    #[test]
    fn display_names_the_errno() {
        assert_eq!(XenError(-22).to_string(), "Xen returned EINVAL (-22)");
        assert_eq!(XenError(-200).to_string(), "Xen returned errno -200");
        assert_eq!(XenError::check(0), Ok(()));
        assert_eq!(XenError::check(-1), Err(XenError(-1)));
    }
}
