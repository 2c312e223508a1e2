//! One frontend device and its backend.

use alloc::format;
use alloc::string::String;

use super::{XenbusError, XenbusState};
use crate::abi::xen::DomId;
use crate::xenstore::{Errno, Tx, Xenstore, XsError};

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

    /// The backend's node `key`, `None` if it does not exist (a feature not offered).
    pub async fn backend_value(&self, key: &str) -> Result<Option<String>, XenbusError> {
        match self.xs.read(&format!("{}/{key}", self.backend)).await {
            Ok(v) => Ok(Some(v)),
            Err(XsError::Errno(Errno::ENOENT)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The backend's decimal node `key`, `None` if it does not exist.
    pub async fn backend_u64(&self, key: &'static str) -> Result<Option<u64>, XenbusError> {
        self.backend_value(key)
            .await?
            .map(|v| v.trim().parse().map_err(|_| XenbusError::BadValue { key }))
            .transpose()
    }

    /// Whether the backend offers feature `key` (the node holds a non-zero number, as Linux's
    /// `xenbus_read_unsigned(..., 0)` reads it); a malformed value is a missing feature.
    pub async fn backend_flag(&self, key: &'static str) -> Result<bool, XenbusError> {
        match self.backend_u64(key).await {
            Ok(v) => Ok(v.unwrap_or(0) != 0),
            Err(XenbusError::BadValue { key }) => {
                log::warn!(
                    "xenbus: {}/{key} is not a number; feature off",
                    self.backend
                );
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// Waits until the backend leaves the connected state (goes to Closing or Closed, or its
    /// state node vanishes with the device); returns the state it went to. A driver runs
    /// this beside its I/O for the device's whole life, and fails what is in flight when it
    /// completes.
    pub async fn backend_gone(&self) -> Result<XenbusState, XenbusError> {
        self.wait_backend(|s| s.is_closing() || s == XenbusState::Unknown)
            .await
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
        publish: impl AsyncFnMut(&Tx<'_>) -> Result<R, XsError>,
    ) -> Result<R, XenbusError> {
        self.handshake(XenbusState::Initialised, publish).await
    }

    /// [`Frontend::connect`] for backends that connect only once the frontend is
    /// `Connected` and ignore `Initialised` (Linux's netback): `publish` runs in the same
    /// transaction as our `Connected`, as Linux's netfront does it.
    pub async fn connect_direct<R>(
        &self,
        publish: impl AsyncFnMut(&Tx<'_>) -> Result<R, XsError>,
    ) -> Result<R, XenbusError> {
        self.handshake(XenbusState::Connected, publish).await
    }

    async fn handshake<R>(
        &self,
        published: XenbusState,
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
                tx.write(&state_path, published.as_str()).await?;
                Ok(r)
            })
            .await?;
        let seen = self
            .wait_backend(|s| s == XenbusState::Connected || s.is_closing())
            .await?;
        if seen != XenbusState::Connected {
            return Err(XenbusError::BackendClosed(seen));
        }
        if published != XenbusState::Connected {
            self.set_state(XenbusState::Connected).await?;
        }
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

/// The nodes of a frontend directory the toolstack writes (libxl, for vbds and vifs): the
/// rest are what a frontend driver published.
const TOOLSTACK_NODES: &[&str] = &[
    "backend",
    "backend-id",
    "state",
    "virtual-device",
    "device-type",
    "trusted",
    "handle",
    "mac",
    "mtu",
];

impl Frontend<'_> {
    /// Hands a closed device over to the next driver of this domain (a kernel booted in it,
    /// as pv-grub does): removes what we published (ring references, event channels, queue
    /// and feature nodes; a backend would read stale ones beside the new driver's), writes
    /// `Initialising`, then waits until the backend is ready for a new frontend (`InitWait`,
    /// as Linux's backends answer a closed frontend that starts again) or gone. A frontend
    /// left `Closed` would never be probed again.
    pub async fn hand_over(&self) -> Result<(), XenbusError> {
        for name in self.xs.directory(&self.node).await? {
            if !TOOLSTACK_NODES.contains(&name.as_str()) {
                self.xs.rm(&format!("{}/{name}", self.node)).await?;
            }
        }
        self.set_state(XenbusState::Initialising).await?;
        self.wait_backend(|s| s == XenbusState::InitWait || s == XenbusState::Unknown)
            .await?;
        Ok(())
    }
}

/// A state node that does not exist is `Unknown`. So is one we may not read: xenstored
/// answers EACCES for a missing node whose nearest existing parent we cannot read, which is
/// what a backend directory looks like while the toolstack is still creating or removing
/// it. Waits on the state are bounded, so a node that stays unreadable ends in a timeout.
async fn read_state(xs: &Xenstore, path: &str) -> Result<XenbusState, XenbusError> {
    match xs.read(path).await {
        Ok(v) => XenbusState::parse(&v).ok_or(XenbusError::BadState),
        Err(XsError::Errno(Errno::ENOENT | Errno::EACCES)) => Ok(XenbusState::Unknown),
        Err(e) => Err(e.into()),
    }
}

#[cfg(target_os = "none")]
impl Frontend<'_> {
    /// [`Frontend::connect`], failing with [`XenbusError::Timeout`] if the backend has not
    /// connected within `limit`.
    pub async fn connect_within<R>(
        &self,
        limit: crate::time::Duration,
        publish: impl AsyncFnMut(&Tx<'_>) -> Result<R, XsError>,
    ) -> Result<R, XenbusError> {
        bounded(limit, "connect", self.connect(publish)).await
    }

    /// [`Frontend::connect_direct`], failing with [`XenbusError::Timeout`] if the backend has
    /// not connected within `limit`.
    pub async fn connect_direct_within<R>(
        &self,
        limit: crate::time::Duration,
        publish: impl AsyncFnMut(&Tx<'_>) -> Result<R, XsError>,
    ) -> Result<R, XenbusError> {
        bounded(limit, "connect", self.connect_direct(publish)).await
    }

    /// [`Frontend::hand_over`], failing with [`XenbusError::Timeout`] if the backend is not
    /// ready for a new frontend within `limit`.
    pub async fn hand_over_within(&self, limit: crate::time::Duration) -> Result<(), XenbusError> {
        bounded(limit, "hand-over", self.hand_over()).await
    }

    /// [`Frontend::close`], failing with [`XenbusError::Timeout`] if the backend has not let
    /// go within `limit` (its grants must then be treated as still in use).
    pub async fn close_within(&self, limit: crate::time::Duration) -> Result<(), XenbusError> {
        bounded(limit, "close", self.close()).await
    }
}

#[cfg(target_os = "none")]
async fn bounded<T>(
    limit: crate::time::Duration,
    waiting_for: &'static str,
    work: impl core::future::Future<Output = Result<T, XenbusError>>,
) -> Result<T, XenbusError> {
    match crate::time::timeout(limit, work).await {
        Ok(r) => r,
        Err(crate::time::Elapsed) => Err(XenbusError::Timeout {
            waiting_for,
            ms: limit.as_millis() as u64,
        }),
    }
}
