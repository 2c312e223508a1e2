//! What the echo server reports: each connection's start and end ([`Event`]), its counters
//! ([`Totals`]), and why it could not start ([`StartError`]).

use core::fmt;

use smoltcp::socket::{tcp, udp};
use smoltcp::time::Duration;
use smoltcp::wire::IpEndpoint;

/// How a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The peer closed, everything it sent went back, and we closed.
    Finished,
    /// The peer reset it, or it stopped answering (no answer for a minute).
    Reset,
    /// We aborted it ([`Echo::abort_all`](crate::Echo::abort_all)).
    Aborted,
}

/// What happened to a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A connection is established.
    Open {
        /// Its number, from 1, in the order connections arrived.
        id: u64,
        /// The peer.
        peer: IpEndpoint,
    },
    /// A connection that was open ended.
    Closed {
        /// Its number.
        id: u64,
        /// The peer.
        peer: IpEndpoint,
        /// The bytes echoed.
        bytes: u64,
        /// How long it lasted.
        took: Duration,
        /// How it ended.
        end: End,
    },
}

/// Counters since the server started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// TCP connections established.
    pub tcp_conns: u64,
    /// Bytes echoed over TCP.
    pub tcp_bytes: u64,
    /// UDP datagrams echoed.
    pub udp_datagrams: u64,
    /// Their bytes.
    pub udp_bytes: u64,
    /// UDP datagrams dropped: too large for our buffers, or to an unaddressable sender.
    pub udp_dropped: u64,
}

/// Why the server could not start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartError {
    /// The TCP port could not be listened on.
    Listen(tcp::ListenError),
    /// The UDP port could not be bound.
    Bind(udp::BindError),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Listen(e) => write!(f, "cannot listen on the TCP port: {e}"),
            Self::Bind(e) => write!(f, "cannot bind the UDP port: {e}"),
        }
    }
}

impl core::error::Error for StartError {}
