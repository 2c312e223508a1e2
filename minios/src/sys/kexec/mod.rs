//! Booting another PV kernel in this domain: the switch pv-grub ends with.
//!
//! The new kernel's pfns are made of this domain's own frames ([`plan`]). [`Builder`] owns
//! every page that holds the new kernel's contents (buffers such as an unpacked ELF file, and
//! single pages for the p2m list, start_info and page tables) and says which pfn each becomes.
//! [`Builder::exec`] then, in order:
//!
//! 1. copies our hypercall page into the kernel's (the page Xen filled for us works for any
//!    PV kernel of this domain);
//! 2. maps the new page tables read-only in our 1:1 mapping and pins the new top table (Xen
//!    validates every table then; a failure is returned and everything is undone);
//! 3. fills the trampoline page and maps it at the address of the new boot stack, where the
//!    new tables map it too (the new stack pfn gets its frame);
//! 4. from here on nothing returns: masks upcalls, stops the timer, closes every event
//!    channel but the xenstore and console ones (so the new kernel can bind VIRQ_TIMER and
//!    the rest), rewrites the M2P so that each frame names its new pfn, and jumps to the
//!    trampoline;
//! 5. the trampoline switches to the new tables and unpins ours in one `mmuext_op`, zeroes
//!    the pages of the new initial mapping that were not filled (they held our memory), and
//!    enters the kernel with `rsi` at start_info and `rsp` at the top of the boot stack.
//!
//! Closing the frontends (so that the new kernel's blkfront and netfront can connect) is the
//! caller's job, done before `exec`.

pub(crate) mod plan;
#[cfg(target_os = "none")]
mod trampoline;

#[cfg(target_os = "none")]
mod builder;
#[cfg(target_os = "none")]
pub use builder::{Builder, ExecSpec, Fixed};

pub use plan::PlanError;

use core::fmt;

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
