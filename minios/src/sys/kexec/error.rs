//! The error of the switch.

use core::fmt;

use super::PlanError;

/// Why a kernel cannot be booted in this domain. Every error is returned before the point
/// of no return: the domain goes on as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KexecError {
    /// A pfn of the request was given twice, or lies outside the domain.
    Pfn {
        /// The new pfn.
        pfn: usize,
        /// What is wrong with it.
        what: &'static str,
    },
    /// A buffer page lies past the end of its buffer.
    BufferPage {
        /// The page asked for.
        page: usize,
        /// Pages the buffer has.
        pages: usize,
    },
    /// The frames cannot be laid out.
    Plan(PlanError),
    /// A hypercall failed (`step` says which).
    Xen {
        /// The step: `pin`, `read-only`, `trampoline`.
        step: &'static str,
        /// Xen's errno.
        errno: i32,
    },
    /// The request breaks a rule of the switch.
    Unsupported(&'static str),
}

impl fmt::Display for KexecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pfn { pfn, what } => write!(f, "kernel pfn {pfn:#x}: {what}"),
            Self::BufferPage { page, pages } => {
                write!(f, "buffer page {page} asked for, the buffer has {pages}")
            }
            Self::Plan(e) => write!(f, "cannot lay out the domain's frames: {e}"),
            Self::Xen { step, errno } => write!(
                f,
                "Xen refused the switch at step {step} ({})",
                crate::sys::error::XenError(*errno)
            ),
            Self::Unsupported(what) => f.write_str(what),
        }
    }
}

impl core::error::Error for KexecError {}

impl From<PlanError> for KexecError {
    fn from(e: PlanError) -> Self {
        Self::Plan(e)
    }
}
