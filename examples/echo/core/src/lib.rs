//! The echo stubdom's server (`examples/echo`): TCP and UDP echo (RFC 862) on one port over
//! smoltcp sockets, with its command-line words ([`Config`]). Pure and host-tested over two
//! smoltcp interfaces joined by a simulated wire; the guest binary drives it over
//! `minios::net::Stack`.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod config;
pub mod report;
pub mod server;

pub use config::{Config, ConfigError};
pub use report::{End, Event, StartError, Totals};
pub use server::{may_listen, Echo};

use smoltcp::iface::{SocketHandle, SocketSet};
use smoltcp::socket::AnySocket;

/// Where the server's sockets live: a smoltcp `SocketSet`, or a stack that owns one.
pub trait Sockets {
    /// Adds a socket to the set.
    fn add<T: AnySocket<'static>>(&mut self, socket: T) -> SocketHandle;
    /// The socket `h` (of type `T`, as it was added).
    fn get<T: AnySocket<'static>>(&mut self, h: SocketHandle) -> &mut T;
}

impl Sockets for SocketSet<'static> {
    fn add<T: AnySocket<'static>>(&mut self, socket: T) -> SocketHandle {
        SocketSet::add(self, socket)
    }

    fn get<T: AnySocket<'static>>(&mut self, h: SocketHandle) -> &mut T {
        self.get_mut(h)
    }
}
