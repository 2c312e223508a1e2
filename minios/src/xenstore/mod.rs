//! The xenstore client, over the ring page Xen set up in start_info (io/xs_wire.h).
//!
//! This first version is synchronous: one request at a time, polling the ring and yielding
//! the CPU while xenstored answers.

pub mod wire;

pub use wire::{Header, XsError, XS_READ};

#[cfg(target_os = "none")]
mod ring;

#[cfg(target_os = "none")]
pub use ring::read;
