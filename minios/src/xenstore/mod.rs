//! The xenstore client, over the ring page Xen set up in start_info (`io/xs_wire.h`).
//!
//! - [`wire`]: the message format, requests and reply parsers (pure; host-tested, fuzzed).
//! - [`conn`]: one connection's state: output queue, reassembly, replies matched by
//!   `req_id`, watch events queued by token (pure; host-tested, fuzzed).
//! - [`Xenstore`]: the asynchronous client (read, write, mkdir, rm, directory, perms,
//!   watches, transactions with retry on `EAGAIN`).
//! - On Xen: [`client()`] is the domain's connection, and the functions of this module are a
//!   blocking facade over it for simple programs (`minios::xenstore::read("domid")`).

pub mod client;
pub mod conn;
mod error;
mod tx;
mod watch;
pub mod wire;

pub use client::{Transport, TxStats, Xenstore};
pub use error::{Errno, WireError, XsError};
pub use tx::Tx;
pub use watch::Watch;
pub use wire::{Access, Perm};

#[cfg(target_os = "none")]
mod blocking;
#[cfg(target_os = "none")]
mod ring;

#[cfg(target_os = "none")]
pub use blocking::*;

#[cfg(test)]
pub(crate) mod tests;
