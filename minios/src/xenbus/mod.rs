//! xenbus: how PV frontends find their devices and follow their backends through xenstore
//! (`io/xenbus.h`).
//!
//! Devices are the nodes under `device/<class>/` of our home ([`devices`], sorted by id, so
//! the first vbd is xvda, `(hd0)`). Each one's [`Frontend`] reads the backend's features,
//! runs the connect handshake (its details and `Initialised` published in one transaction),
//! follows the backend's state for the device's whole life ([`Frontend::backend_gone`]) and
//! runs the close handshake. The backend's state is followed through a watch on
//! `<backend>/state`, never by polling; every wait a driver does can be bounded
//! (`Frontend::connect_within`, `close_within`).

#[cfg(target_os = "none")]
mod close;
mod devices;
mod frontend;
mod switches;

#[cfg(target_os = "none")]
pub use close::{close_when_backend_gone, end_grants, Closable};
pub use devices::devices;
pub use frontend::Frontend;
pub use switches::{switches, Switch};

use crate::xenstore::XsError;

/// A xenbus device state (`enum xenbus_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum XenbusState {
    /// 0: no state yet (or the node is missing).
    Unknown,
    /// 1: setting up.
    Initialising,
    /// 2: the backend waits for the frontend's details (backends only).
    InitWait,
    /// 3: the frontend published its details.
    Initialised,
    /// 4: the device works.
    Connected,
    /// 5: shutting down.
    Closing,
    /// 6: shut down.
    Closed,
    /// 7: reconfiguring.
    Reconfiguring,
    /// 8: reconfigured.
    Reconfigured,
}

impl XenbusState {
    /// Parses a state node's value (a decimal number).
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value.trim_end_matches('\0') {
            "0" => Self::Unknown,
            "1" => Self::Initialising,
            "2" => Self::InitWait,
            "3" => Self::Initialised,
            "4" => Self::Connected,
            "5" => Self::Closing,
            "6" => Self::Closed,
            "7" => Self::Reconfiguring,
            "8" => Self::Reconfigured,
            _ => return None,
        })
    }

    /// The value written to a state node.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "0",
            Self::Initialising => "1",
            Self::InitWait => "2",
            Self::Initialised => "3",
            Self::Connected => "4",
            Self::Closing => "5",
            Self::Closed => "6",
            Self::Reconfiguring => "7",
            Self::Reconfigured => "8",
        }
    }

    /// Whether the backend is going away (or gone) in this state.
    pub fn is_closing(self) -> bool {
        matches!(self, Self::Closing | Self::Closed)
    }
}

/// How a frontend device stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceStatus {
    /// Connected: the device works.
    Connected,
    /// Closing: requests fail; the close handshake runs.
    Closing,
    /// Closed.
    Closed {
        /// Requests that were in flight and failed (for a vif: packets lost).
        failed: usize,
        /// Grants (rings and buffer pages) the backend still held when we gave up waiting:
        /// kept, never reused.
        stuck: usize,
        /// Whether the close handshake finished (else the backend did not answer in time).
        handshake: bool,
    },
}

/// What the handshake can fail with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XenbusError {
    /// A xenstore request failed.
    Xs(XsError),
    /// A state node held something that is not a state.
    BadState,
    /// The `backend-id` node is not a domain id.
    BadBackendId,
    /// The backend closed while we were connecting; its state.
    BackendClosed(XenbusState),
    /// A backend node holds something that is not what `io/<class>if.h` says it holds.
    BadValue {
        /// The node, relative to the backend.
        key: &'static str,
    },
    /// The backend did not reach the state we waited for in time.
    Timeout {
        /// What we waited for.
        waiting_for: &'static str,
        /// How long, in milliseconds.
        ms: u64,
    },
}

impl core::fmt::Display for XenbusError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Xs(e) => write!(f, "xenstore: {e}"),
            Self::BadState => f.write_str("a state node does not hold a xenbus state"),
            Self::BadBackendId => f.write_str("the backend-id node is not a domain id"),
            Self::BackendClosed(s) => write!(
                f,
                "the backend closed while we were connecting (state {})",
                s.as_str()
            ),
            Self::BadValue { key } => write!(f, "the backend's {key} node is malformed"),
            Self::Timeout { waiting_for, ms } => {
                write!(f, "the backend did not {waiting_for} within {ms} ms")
            }
        }
    }
}

impl From<XsError> for XenbusError {
    fn from(e: XsError) -> Self {
        Self::Xs(e)
    }
}

#[cfg(test)]
#[path = "../xenstore/tests/xenbus.rs"]
mod tests;
