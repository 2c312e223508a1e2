//! Event channels: Xen's virtual interrupts between domains, from Xen, and within a domain.
//!
//! A [`Port`] fires when its peer notifies it (or Xen raises its VIRQ). minios takes fired
//! ports out of shared_info with the 2-level scan ([`bits::scan`]) and remembers them in a
//! sticky per-port mark ([`registry::Registry`]). Code then either
//! - awaits [`Port::wait`] (async; woken by the executor),
//! - calls [`Port::wait_blocking`] (sync; blocks the vCPU until the port fires), or
//! - installs a per-port [`Handler`] that the executor calls when the port fires.
//!
//! A wait completes if the port fired at any time since the previous wait on it completed,
//! so the usual driver loop (process the ring, then wait) loses no notification. Waits may
//! complete spuriously; re-check the condition you wait for.
//!
//! Upcalls are masked except while the vCPU sleeps in SCHEDOP_block (`sys::upcall`), so
//! none of this runs in interrupt context.

pub mod bits;
pub mod registry;

#[cfg(target_os = "none")]
mod xen;

#[cfg(target_os = "none")]
pub use xen::{
    alloc_unbound, bind_interdomain, bind_virq, close, set_handler, stats, status, Channel,
    EventStats, PortStatus, Wait,
};
#[cfg(target_os = "none")]
pub(crate) use xen::{dispatch, init};

pub use registry::Handler;

/// An event channel port number of the 2-level ABI (below 4096).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Port(u16);

impl Port {
    /// The port numbered `raw`, if the 2-level ABI has it.
    pub const fn new(raw: u32) -> Option<Self> {
        if (raw as usize) < bits::WORDS * 64 {
            Some(Self(raw as u16))
        } else {
            None
        }
    }

    /// The port number.
    pub const fn raw(self) -> u32 {
        self.0 as u32
    }

    pub(crate) const fn index(self) -> usize {
        self.0 as usize
    }
}

impl core::fmt::Display for Port {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Why an event channel operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventError {
    /// Xen returned a port number outside the 2-level ABI's range.
    PortOutOfRange(u32),
    /// The domain has no free port left (`ENOSPC`).
    NoFreePort,
    /// Not allowed, e.g. binding a port reserved for another domain (`EPERM`).
    PermissionDenied,
    /// The remote domain does not exist (`ESRCH`).
    NoSuchDomain,
    /// Bad port, VIRQ or vCPU, or the port is in the wrong state (`EINVAL`).
    InvalidArgument,
    /// The VIRQ is already bound on this vCPU (`EEXIST`).
    AlreadyBound,
    /// Another errno from Xen (its positive value).
    Other(i32),
}

impl EventError {
    /// Maps Xen's negative errno (xen/errno.h numbering).
    pub const fn from_errno(rc: i32) -> Self {
        match -rc {
            1 => Self::PermissionDenied,
            3 => Self::NoSuchDomain,
            17 => Self::AlreadyBound,
            22 => Self::InvalidArgument,
            28 => Self::NoFreePort,
            e => Self::Other(e),
        }
    }
}

impl core::fmt::Display for EventError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::PortOutOfRange(p) => write!(f, "port {p} out of range"),
            Self::NoFreePort => f.write_str("no free port"),
            Self::PermissionDenied => f.write_str("permission denied"),
            Self::NoSuchDomain => f.write_str("no such domain"),
            Self::InvalidArgument => f.write_str("invalid argument"),
            Self::AlreadyBound => f.write_str("already bound"),
            Self::Other(e) => write!(f, "Xen errno {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_range_is_the_2_level_abi() {
        assert_eq!(Port::new(0).map(Port::raw), Some(0));
        assert_eq!(Port::new(4095).map(Port::raw), Some(4095));
        assert_eq!(Port::new(4096), None);
        assert_eq!(Port::new(u32::MAX), None);
    }

    #[test]
    fn errno_mapping_follows_xen_errno_h() {
        // Values from /usr/include/xen/errno.h (libxen-dev), read by the ABI layout test too.
        let header = std::fs::read_to_string("/usr/include/xen/errno.h")
            .expect("libxen-dev must be installed (/usr/include/xen/errno.h)");
        let errno = |name: &str| -> i32 {
            let line = header
                .lines()
                .find(|l| l.starts_with(&format!("XEN_ERRNO({name},")))
                .unwrap_or_else(|| panic!("{name} not in errno.h"));
            let num = line.split(',').nth(1).unwrap();
            num.trim_start()
                .split(')')
                .next()
                .unwrap()
                .trim()
                .parse()
                .unwrap()
        };
        assert_eq!(
            EventError::from_errno(-errno("EPERM")),
            EventError::PermissionDenied
        );
        assert_eq!(
            EventError::from_errno(-errno("ESRCH")),
            EventError::NoSuchDomain
        );
        assert_eq!(
            EventError::from_errno(-errno("EEXIST")),
            EventError::AlreadyBound
        );
        assert_eq!(
            EventError::from_errno(-errno("EINVAL")),
            EventError::InvalidArgument
        );
        assert_eq!(
            EventError::from_errno(-errno("ENOSPC")),
            EventError::NoFreePort
        );
        assert_eq!(
            EventError::from_errno(-errno("EBUSY")),
            EventError::Other(errno("EBUSY"))
        );
    }
}

#[cfg(test)]
mod pipeline_tests;
