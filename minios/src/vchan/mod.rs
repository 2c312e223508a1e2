//! vchan: a byte stream between two domains over shared memory, as `io/libxenvchan.h` and
//! dom0's libxenvchan have it (libxl reaches a Linux-style device model's QMP this way, and
//! `vchan-socket-proxy` joins one to a Unix socket).
//!
//! The **server** grants a control page and, for rings of order 12 or more, their pages,
//! allocates an event channel for the peer and publishes `ring-ref` and `event-channel`
//! under a xenstore path readable by the peer. The **client** maps them. The left ring
//! carries client to server, the right ring server to client; orders 10 and 11 are rings
//! inside the control page.
//!
//! Stream semantics follow libxenvchan: reads return what is there, writes what fits; each
//! side sets a notify bit in the control page when it wants to be told of the other's read
//! or write, and the other signals the event channel only then. `cli_live` and `srv_live`
//! say whether each side is there: a close (or, in Linux, the death of the process holding
//! the mapping) clears the flag and signals, so the other side sees it at once.
//!
//! The peer is untrusted: its ring orders and grant list are checked once
//! ([`Layout::read`]), its indices on every access, its liveness flag on every read; a
//! violation is a [`VchanError`], never a panic or a hang.
//!
//! - [`layout`], [`endpoint`]: the pure protocol (host-tested).
//! - [`Vchan`] (on Xen): server and client with grants, event channel and xenstore.

pub mod endpoint;
mod error;
pub mod layout;

#[cfg(target_os = "none")]
mod xen;

#[cfg(test)]
mod tests;

pub use endpoint::{Endpoint, Notify, Peer, RingMem, Role};
pub use error::VchanError;
pub use layout::{Layout, Orders, MAX_ORDER, MIN_ORDER};

#[cfg(target_os = "none")]
pub use xen::Vchan;
