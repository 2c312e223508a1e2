//! netfront: the PV network frontend (`io/netif.h`), speaking to Linux's netback.
//!
//! - Negotiation ([`features`]): `feature-rx-copy` (required), `feature-sg`,
//!   `feature-gso-tcpv4/6`, checksum offload (`feature-no-csum-offload`,
//!   `feature-ipv6-csum-offload`), `multi-queue-max-queues`,
//!   `feature-split-event-channels`, `mtu`, and our `mac`; each can be switched off with
//!   [`Overrides`] (`net.*` words of the command line).
//! - The rings ([`tx`], [`rx`]): buffer pages granted once and reused; packets of several
//!   slots; extra-info slots; every response checked, what a backend gets wrong counted and
//!   dropped ([`queue`]).
//! - Checksum offload ([`csum`]) for IPv4 TCP and UDP, both ways.
//! - Several queues: a sent frame goes on its flow's ([`flow`]).
//! - The device ([`NetDevice`]) is a `smoltcp` device.
//!
//! On Xen, [`Net`] opens a vif: the xenbus handshake, its rings, grants and event channels,
//! and a task that follows the backend: when it closes (`xl network-detach`) the queues stop,
//! our side closes and every grant is ended.

pub mod csum;
pub mod device;
mod error;
pub mod features;
pub mod flow;
pub mod handshake;
pub mod queue;
pub mod rx;
pub mod tx;

#[cfg(target_os = "none")]
mod xen;

#[cfg(test)]
mod tests;

pub use device::{NetDevice, Signal};
pub use error::NetError;
pub use features::{Features, Overrides};

#[cfg(target_os = "none")]
pub use xen::{Net, XenNetDevice};
