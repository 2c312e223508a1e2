//! The xenbus frontend handshake: the device state machine every PV frontend follows with its
//! backend through xenstore (`io/xenbus.h`).
//!
//! Connecting: the frontend says `Initialising`, waits for the backend's `InitWait`, publishes
//! its ring references and event channel together with `Initialised` in one transaction,
//! waits for the backend's `Connected`, and says `Connected`. Closing: `Closing`, wait for the
//! backend to close, `Closed`. The backend's state is followed through a watch on
//! `<backend>/state`, never by polling.

use alloc::format;
use alloc::string::String;

use crate::abi::xen::DomId;
use crate::xenstore::{Errno, Tx, Xenstore, XsError};

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
        }
    }
}

impl From<XsError> for XenbusError {
    fn from(e: XsError) -> Self {
        Self::Xs(e)
    }
}

/// One frontend device, such as `device/vbd/51712`.
pub struct Frontend<'a> {
    xs: &'a Xenstore,
    node: String,
    backend: String,
    backend_id: DomId,
}

impl<'a> Frontend<'a> {
    /// The device at `node` (relative to our home, or absolute): reads its `backend` and
    /// `backend-id` nodes.
    pub async fn new(xs: &'a Xenstore, node: &str) -> Result<Self, XenbusError> {
        let backend = xs.read(&format!("{node}/backend")).await?;
        let id = xs.read(&format!("{node}/backend-id")).await?;
        let backend_id = id.parse().map_err(|_| XenbusError::BadBackendId)?;
        Ok(Self {
            xs,
            node: String::from(node),
            backend,
            backend_id,
        })
    }

    /// Our device node.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// The backend's node (`/local/domain/0/backend/vbd/<us>/51712`).
    pub fn backend(&self) -> &str {
        &self.backend
    }

    /// The backend's domain.
    pub fn backend_id(&self) -> DomId {
        self.backend_id
    }

    /// Our own state.
    pub async fn state(&self) -> Result<XenbusState, XenbusError> {
        read_state(self.xs, &format!("{}/state", self.node)).await
    }

    /// Sets our state.
    pub async fn set_state(&self, state: XenbusState) -> Result<(), XenbusError> {
        let path = format!("{}/state", self.node);
        Ok(self.xs.write(&path, state.as_str()).await?)
    }

    /// The backend's state (`Unknown` while its node does not exist).
    pub async fn backend_state(&self) -> Result<XenbusState, XenbusError> {
        read_state(self.xs, &format!("{}/state", self.backend)).await
    }

    /// Waits, through a watch on the backend's state, until `accept` takes it; returns it.
    pub async fn wait_backend(
        &self,
        mut accept: impl FnMut(XenbusState) -> bool,
    ) -> Result<XenbusState, XenbusError> {
        let path = format!("{}/state", self.backend);
        let mut watch = self.xs.watch(&path).await?;
        loop {
            let state = read_state(self.xs, &path).await?;
            if accept(state) {
                return Ok(state);
            }
            watch.next().await?;
        }
    }

    /// Runs the connect handshake. `publish` writes the device's details (ring references,
    /// event channel...) in the same transaction as our `Initialised`; it may run more than
    /// once if the transaction is retried.
    pub async fn connect<R>(
        &self,
        mut publish: impl AsyncFnMut(&Tx<'_>) -> Result<R, XsError>,
    ) -> Result<R, XenbusError> {
        self.set_state(XenbusState::Initialising).await?;
        let seen = self
            .wait_backend(|s| s >= XenbusState::InitWait && s <= XenbusState::Closed)
            .await?;
        if seen.is_closing() {
            return Err(XenbusError::BackendClosed(seen));
        }
        let state_path = format!("{}/state", self.node);
        let r = self
            .xs
            .transaction(async |tx| {
                let r = publish(tx).await?;
                tx.write(&state_path, XenbusState::Initialised.as_str())
                    .await?;
                Ok(r)
            })
            .await?;
        let seen = self
            .wait_backend(|s| s == XenbusState::Connected || s.is_closing())
            .await?;
        if seen != XenbusState::Connected {
            return Err(XenbusError::BackendClosed(seen));
        }
        self.set_state(XenbusState::Connected).await?;
        Ok(r)
    }

    /// Runs the close handshake: `Closing`, wait for the backend to close (or vanish),
    /// `Closed`. After it returns the backend has let go of our grants.
    pub async fn close(&self) -> Result<(), XenbusError> {
        self.set_state(XenbusState::Closing).await?;
        self.wait_backend(|s| s.is_closing() || s == XenbusState::Unknown)
            .await?;
        self.set_state(XenbusState::Closed).await?;
        self.wait_backend(|s| {
            matches!(
                s,
                XenbusState::Closed | XenbusState::Unknown | XenbusState::InitWait
            )
        })
        .await?;
        Ok(())
    }
}

async fn read_state(xs: &Xenstore, path: &str) -> Result<XenbusState, XenbusError> {
    match xs.read(path).await {
        Ok(v) => XenbusState::parse(&v).ok_or(XenbusError::BadState),
        Err(XsError::Errno(Errno::ENOENT)) => Ok(XenbusState::Unknown),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
#[path = "xenstore/tests/xenbus.rs"]
mod tests;
