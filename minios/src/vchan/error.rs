//! Why a vchan operation failed.

use alloc::string::String;
use core::fmt;

use crate::events::EventError;
use crate::grant::GrantError;
use crate::ring::RingError;
use crate::xenstore::XsError;

/// Why a vchan operation failed. Errors that come from the peer ([`VchanError::Ring`],
/// [`VchanError::BadOrders`], [`VchanError::BadLive`]) break the channel: close it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VchanError {
    /// The peer closed the channel (or its process died) and everything it sent was read.
    Closed,
    /// The peer broke a ring's indices.
    Ring(RingError),
    /// The server's control page names ring orders that are out of range or overlap.
    BadOrders {
        /// Order of the client-to-server ring.
        left: u16,
        /// Order of the server-to-client ring.
        right: u16,
    },
    /// The peer's liveness flag has a value the protocol does not know.
    BadLive {
        /// The value.
        value: u8,
    },
    /// A ring of order 12 or more was given no pages of its own (a bug of the caller).
    MissingPages {
        /// Pages the ring needs.
        pages: usize,
    },
    /// A ring larger than the protocol's 1 MiB was asked for.
    TooLarge {
        /// Bytes asked for.
        bytes: usize,
    },
    /// No server has published `ring-ref` and `event-channel` under this path.
    NotPublished(String),
    /// A node of the server's is not a number we can use.
    BadNode {
        /// The node.
        path: String,
        /// Its value.
        value: String,
    },
    /// The peer did not connect, or let go of our pages, in time.
    Timeout(&'static str),
    /// Our pages are still mapped by the peer after the close: they are leaked.
    StillMapped {
        /// Pages leaked.
        pages: usize,
    },
    /// Granting our pages or mapping the server's failed.
    Grant(GrantError),
    /// Allocating or binding the event channel failed.
    Event(EventError),
    /// Publishing or reading the xenstore nodes failed.
    Xs(XsError),
}

impl fmt::Display for VchanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Closed => f.write_str("the peer closed the vchan"),
            Self::Ring(e) => write!(f, "the peer broke a vchan ring: {e}"),
            Self::BadOrders { left, right } => write!(
                f,
                "the server's ring orders {left}/{right} are not usable (each must be 10 to \
                 20, in-page rings apart, the grant list clear of them)"
            ),
            Self::BadLive { value } => write!(
                f,
                "the peer's liveness flag is {value}, which the vchan protocol does not have"
            ),
            Self::MissingPages { pages } => {
                write!(f, "a vchan ring needs {pages} page(s) and was given none")
            }
            Self::TooLarge { bytes } => write!(
                f,
                "a vchan ring of {bytes} bytes is larger than the protocol's 1 MiB"
            ),
            Self::NotPublished(path) => write!(
                f,
                "no vchan server has published {path}/ring-ref and {path}/event-channel"
            ),
            Self::BadNode { path, value } => {
                write!(f, "vchan node {path} holds {value:?}, not a usable number")
            }
            Self::Timeout(what) => write!(f, "vchan: timed out waiting for {what}"),
            Self::StillMapped { pages } => write!(
                f,
                "the peer still maps {pages} page(s) of the closed vchan; they are leaked"
            ),
            Self::Grant(e) => write!(f, "vchan grant: {e}"),
            Self::Event(e) => write!(f, "vchan event channel: {e}"),
            Self::Xs(e) => write!(f, "vchan xenstore: {e}"),
        }
    }
}

impl core::error::Error for VchanError {}

impl From<RingError> for VchanError {
    fn from(e: RingError) -> Self {
        Self::Ring(e)
    }
}

impl From<GrantError> for VchanError {
    fn from(e: GrantError) -> Self {
        Self::Grant(e)
    }
}

impl From<EventError> for VchanError {
    fn from(e: EventError) -> Self {
        Self::Event(e)
    }
}

impl From<XsError> for VchanError {
    fn from(e: XsError) -> Self {
        Self::Xs(e)
    }
}
