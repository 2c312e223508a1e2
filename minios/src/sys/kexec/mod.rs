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

#[cfg(target_os = "none")]
pub use plan::PlanError;

#[cfg(target_os = "none")]
mod error;
#[cfg(target_os = "none")]
pub use error::KexecError;
