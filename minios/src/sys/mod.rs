//! The audited layer: every `unsafe` operation in minios lives under this module.
//!
//! It owns the boot entry, the hypercall page and hypercalls, the trap table, page tables
//! and the machine-to-physical tables, the frame pool, and memory shared with Xen or another
//! domain ([`shared::SharedPage`]). Its safe functions are sound for any arguments: no safe
//! function, public or private, can reach memory it does not own, and a function with a
//! precondition is an `unsafe fn` with a `# Safety` section. Every `unsafe` block carries a
//! `// SAFETY:` comment.
//!
//! `sys` is a leaf: it uses only [`crate::abi`] and external crates, never the modules built
//! on it. The one call upwards is the hand-over at the end of boot: [`boot`] calls
//! `crate::runtime::start` once the memory map, the heap and the frame pool exist. The module
//! is private to the crate; applications see only the safe wrappers re-exported elsewhere.
//!
//! The pure parts (the frame bitmap, grant status codes and errors, shutdown reasons) also
//! build on the host, where their tests run.
#![allow(unsafe_code)]

pub(crate) mod error;
pub(crate) mod grant;
#[cfg(any(test, target_os = "none"))]
pub(crate) mod kexec;
pub(crate) mod mm;

#[cfg(target_os = "none")]
pub(crate) mod boot;
#[cfg(target_os = "none")]
mod entry;
#[cfg(target_os = "none")]
pub(crate) mod events;
#[cfg(target_os = "none")]
mod heap;
#[cfg(target_os = "none")]
mod hypercall;
#[cfg(target_os = "none")]
pub(crate) mod shared;
#[cfg(target_os = "none")]
pub(crate) mod time;
#[cfg(target_os = "none")]
mod traps;
#[cfg(target_os = "none")]
pub(crate) mod upcall;
#[cfg(target_os = "none")]
pub(crate) mod xen;

/// The size of a page.
#[cfg(target_os = "none")]
pub(crate) const PAGE_SIZE: usize = 4096;
