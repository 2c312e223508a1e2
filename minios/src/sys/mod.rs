//! The audited layer: every `unsafe` operation in minios lives under this module.
//!
//! It owns the boot entry, the hypercall page and hypercalls, the trap table, page tables
//! and the machine-to-physical tables, and memory shared with Xen or another domain
//! ([`shared::SharedPage`]). It exposes safe functions and types; the modules outside `sys`
//! are safe code. Every `unsafe` block carries a `// SAFETY:` comment.
#![allow(unsafe_code)]

pub(crate) mod boot;
mod entry;
pub(crate) mod events;
pub mod grant;
pub(crate) mod heap;
pub mod hypercall;
pub mod mm;
pub mod shared;
pub(crate) mod time;
mod traps;
pub(crate) mod upcall;
pub mod xen;
