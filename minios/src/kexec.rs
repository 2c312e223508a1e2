//! kexec: boot another PV kernel in this domain (what pv-grub ends with).
//!
//! A [`Builder`] collects the new kernel's pages: buffers whose pages become pfns (an
//! unpacked ELF file, an initrd) and pages of their own (the p2m list, start_info, page
//! tables). [`Builder::plan`] decides which of the domain's frames becomes which pfn and
//! returns the new p2m list; the caller then writes the p2m pages, the page tables and
//! start_info with those frames, and [`Builder::exec`] switches (see the audited code in
//! `sys::kexec` for each step). `exec` returns only if the switch could not start, and then
//! the domain goes on as it was. Close every frontend first: the new kernel connects its own.
//!
//! The new kernel's boot stack must lie in the upper half of the address space, above
//! Xen's slots (Linux's is at `0xffffffff8...`): the trampoline is mapped there in our
//! tables, which use the lower half.

pub use crate::sys::kexec::{Builder, ExecSpec, Fixed, KexecError, PlanError};
