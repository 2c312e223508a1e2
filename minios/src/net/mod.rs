//! A small IPv4 network stack over one netfront vif: smoltcp's `Interface`, the device and a
//! `SocketSet`, addressed statically (`ip=A.B.C.D/N[,gw]` on the command line, see
//! [`Addressing`]) or by DHCP (smoltcp's `dhcpv4` socket, kept polled for the domain's life
//! so that the lease is renewed).
//!
//! Pure and host-tested: the command-line word ([`config`]) and the reading of a DHCP
//! server's answer ([`bootp`]: the BOOTP fields and options a network boot needs, such as
//! next-server, options 66, 67 and 150, into a [`Lease`]). On Xen, [`Stack`] drives it all.

pub mod bootp;
pub mod config;
mod error;

#[cfg(target_os = "none")]
mod stack;

pub use bootp::{BootpError, Lease};
pub use config::{Addressing, StaticConfig};
pub use error::{ConfigError, StackError};

#[cfg(target_os = "none")]
pub use stack::{smol_now, Stack};
