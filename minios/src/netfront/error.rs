//! What opening or using a network device can fail with.

use core::fmt;

use crate::grant::GrantError;
use crate::ring::RingError;
use crate::xenbus::XenbusError;

/// Why opening the device failed, or why it stopped working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetError {
    /// The backend does not offer `feature-rx-copy`: it could only flip pages into ours,
    /// which we do not support (nor does Linux's netback since 2.6.x).
    NoRxCopy,
    /// Our `mac` node is missing or is not six `:`-separated hex bytes.
    BadMac,
    /// A backend node is malformed.
    BadNode {
        /// The node, relative to the backend.
        key: &'static str,
    },
    /// The device went away (the backend closed, `xl network-detach`, or we closed it).
    Gone,
    /// A ring index the backend wrote was impossible: the queue is unusable from then on.
    Ring(RingError),
    /// Granting a page or allocating memory failed.
    Grant(GrantError),
    /// The xenbus handshake or a xenstore access failed.
    Xenbus(XenbusError),
    /// Setting up an event channel failed.
    Event,
}

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoRxCopy => f.write_str(
                "the backend does not offer feature-rx-copy (page flipping is not supported); \
                 use a netback that copies (any Linux since 2.6.x)",
            ),
            Self::BadMac => f.write_str(
                "our mac node is missing or malformed (expected six hex bytes like \
                 00:16:3e:01:02:03; set mac= in the vif line)",
            ),
            Self::BadNode { key } => write!(f, "the backend's {key} node is malformed"),
            Self::Gone => f.write_str("the network device went away (backend closed or detached)"),
            Self::Ring(e) => write!(f, "the backend broke the netif ring protocol: {e}"),
            Self::Grant(e) => write!(f, "granting a buffer page failed: {e}"),
            Self::Xenbus(e) => write!(f, "xenbus: {e}"),
            Self::Event => f.write_str("setting up an event channel failed"),
        }
    }
}

impl core::error::Error for NetError {}

impl From<GrantError> for NetError {
    fn from(e: GrantError) -> Self {
        Self::Grant(e)
    }
}

impl From<XenbusError> for NetError {
    fn from(e: XenbusError) -> Self {
        Self::Xenbus(e)
    }
}

impl From<RingError> for NetError {
    fn from(e: RingError) -> Self {
        Self::Ring(e)
    }
}
