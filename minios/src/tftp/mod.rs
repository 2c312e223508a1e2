//! A TFTP client (RFC 1350) reading one file, with option negotiation (RFC 2347), `blksize`
//! (RFC 2348), `timeout` and `tsize` (RFC 2349) and `windowsize` (RFC 7440).
//!
//! Pure: [`wire`] parses and writes packets, [`Client`] is the transfer's state machine, fed
//! datagrams and the time by the caller (the network glue), which sends what it returns and
//! calls it back at its deadline. Every byte from the server is untrusted: a malformed or
//! hostile server gets a typed [`TftpError`], never a panic, unbounded memory or a hang
//! (the caller's `max_size` caps the file; retransmissions are bounded). On Xen, [`fetch`]
//! runs a transfer over a [`crate::net::Stack`].

pub mod client;
mod error;
pub mod options;
mod text;
pub mod wire;

#[cfg(target_os = "none")]
mod udp;

#[cfg(test)]
mod tests;

pub use client::{Client, Datagram, Status, Step};
pub use error::{ConfigError, Refusal, Text, TftpError, Violation, WireError};
pub use options::{Negotiated, Options, DEFAULT_TIMEOUT_S};
#[cfg(target_os = "none")]
pub use udp::{fetch, FetchError, Fetched, PORT};
