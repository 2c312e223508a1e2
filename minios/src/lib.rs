//! minios: a library for Xen PV guests on x86_64.
//!
//! The crate is split in two. `sys` is the one audited layer that owns every `unsafe`
//! operation: the boot entry, hypercalls, page tables, and memory shared with Xen or a
//! backend. Everything else is safe code built on it. Pure parts (the ABI types in [`abi`],
//! allocators, wire formats) build and test on the host as well.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

extern crate alloc;

pub mod abi;
pub mod blkfront;
pub mod console;
pub mod control;
#[cfg(any(test, target_os = "none"))]
mod escape;
pub mod events;
pub mod grant;
#[cfg(target_os = "none")]
pub mod kexec;
pub mod mm;
pub mod net;
pub mod netfront;
pub mod ring;
pub mod sched;
pub mod tftp;
pub mod time;
pub mod vchan;
pub mod xenbus;
pub mod xenstore;

#[cfg(target_os = "none")]
mod logger;
#[cfg(target_os = "none")]
mod runtime;
mod sys;

#[cfg(target_os = "none")]
pub use runtime::{cmdline, exit, poweroff, ramdisk, start_info};
pub use sys::error::{ShutdownReason, XenError};
