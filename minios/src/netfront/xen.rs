//! netfront on Xen: opening a vif (the xenbus handshake, its rings, grants and event
//! channels) and following its backend for the device's life.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::{poll_fn, Future};
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::Poll;

use super::device::{NetDevice, SharedQueue, Signal};
use super::features::{Features, Overrides, BACKEND_NODES};
use super::handshake::{front_nodes, Ports, QueueRefs};
use super::queue::{Queue, QueueParts, QueueStats};
use super::NetError;
use crate::blkfront::bufpool::BufPool;
use crate::blkfront::features::BackendNodes;
use crate::blkfront::XenGranter;
use crate::events::{self, Channel, Port};
use crate::grant::GrantedPages;
use crate::time::{self, Duration};
use crate::xenbus::{self, DeviceStatus, Frontend, XenbusError, XenbusState};
use crate::xenstore::{self, Errno, XsError};

/// How long the connect and close handshakes may take.
const HANDSHAKE_LIMIT: Duration = Duration::from_secs(20);
/// How long closing waits for the backend to answer the last tx requests.
const DRAIN_LIMIT: Duration = Duration::from_secs(1);
/// How long grants the backend still holds after closing are tried again.
const END_LIMIT: Duration = Duration::from_secs(5);
/// Tx buffer pages per queue (packets of one page in flight at once).
const TX_PAGES: usize = 64;
/// Rx buffer pages per queue: one per slot of the one-page ring.
const RX_PAGES: usize = crate::abi::netif::NETIF_RX_RING_SIZE;

type XenQueue = SharedQueue<GrantedPages, XenGranter, Port>;

/// The device type a [`Net`] hands out: give it to `smoltcp::iface::Interface::poll`.
pub type XenNetDevice = NetDevice<GrantedPages, XenGranter, Port>;

struct Inner {
    features: Features,
    queues: Vec<XenQueue>,
    fe: Frontend<'static>,
    channels: spin::Mutex<Vec<Channel>>,
    signal: Arc<Signal>,
    status: spin::Mutex<DeviceStatus>,
    closing: AtomicBool,
}

impl xenbus::Closable for Inner {
    fn frontend(&self) -> &Frontend<'static> {
        &self.fe
    }

    fn closing(&self) -> &AtomicBool {
        &self.closing
    }

    fn shutdown(&self) -> impl core::future::Future<Output = DeviceStatus> + Send {
        Inner::shutdown(self)
    }
}

impl Inner {
    /// Tx requests not yet answered, after taking the responses there are.
    fn tx_in_flight(&self) -> usize {
        self.queues
            .iter()
            .map(|q| {
                let mut q = q.lock();
                q.reclaim();
                q.stats().tx.in_flight
            })
            .sum()
    }

    /// Stops the queues, runs the close handshake, ends every grant (retrying those the
    /// backend still maps for a while).
    async fn shutdown(&self) -> DeviceStatus {
        *self.status.lock() = DeviceStatus::Closing;
        let start = time::Instant::now();
        for q in &self.queues {
            q.lock().stop_tx();
        }
        // Packets sent last may not be answered yet (or not yet taken): give them a moment.
        let end = time::Instant::now() + DRAIN_LIMIT;
        while time::Instant::now() < end && self.tx_in_flight() > 0 {
            time::sleep(Duration::from_millis(5)).await;
        }
        let mut failed = 0;
        let mut rings: Vec<GrantedPages> = Vec::new();
        for q in &self.queues {
            let (f, mems) = q.lock().close();
            failed += f;
            rings.extend(mems);
        }
        self.signal.notify();
        let drained = start.elapsed();
        let handshake = match self.fe.close_within(HANDSHAKE_LIMIT).await {
            Ok(()) => true,
            Err(e) => {
                log::warn!("netfront: {}: close: {e}", self.fe.node());
                false
            }
        };
        for c in self.channels.lock().drain(..) {
            events::set_handler(c.port(), None);
        }
        let closed = start.elapsed();
        let buffers = || self.queues.iter().map(|q| q.lock().end_grants()).sum();
        let stuck = xenbus::end_grants(self.fe.node(), rings, buffers, END_LIMIT).await;
        log::info!(
            "netfront: {}: closed in {} ms (tx drained {} ms, handshake done {} ms)",
            self.fe.node(),
            start.elapsed().as_millis(),
            drained.as_millis(),
            closed.as_millis()
        );
        let status = DeviceStatus::Closed {
            failed,
            stuck,
            handshake,
        };
        *self.status.lock() = status;
        status
    }
}

/// An open vif, cheap to clone. When the backend closes (`xl network-detach`) the queues
/// stop, our side closes and every grant is ended.
#[derive(Clone)]
pub struct Net {
    inner: Arc<Inner>,
}

async fn bounded<T>(
    what: &'static str,
    fut: impl core::future::Future<Output = Result<T, XenbusError>>,
) -> Result<T, NetError> {
    match time::timeout(HANDSHAKE_LIMIT, fut).await {
        Ok(r) => Ok(r?),
        Err(time::Elapsed) => Err(NetError::Xenbus(XenbusError::Timeout {
            waiting_for: what,
            ms: HANDSHAKE_LIMIT.as_millis() as u64,
        })),
    }
}

/// One queue's rings, channels and buffer pools.
fn queue(
    domid: crate::abi::xen::DomId,
    f: &Features,
    channels: &mut Vec<Channel>,
) -> Result<(XenQueue, QueueRefs), NetError> {
    let tx_mem = GrantedPages::new(domid, 1, false)?;
    let rx_mem = GrantedPages::new(domid, 1, false)?;
    let tx_chan = Channel::alloc_unbound(domid).map_err(|_| NetError::Event)?;
    let (tx_kick, rx_kick, ports) = if f.split_events {
        let rx_chan = Channel::alloc_unbound(domid).map_err(|_| NetError::Event)?;
        let (t, r) = (tx_chan.port(), rx_chan.port());
        channels.push(tx_chan);
        channels.push(rx_chan);
        (
            t,
            r,
            Ports::Split {
                tx: t.raw(),
                rx: r.raw(),
            },
        )
    } else {
        let p = tx_chan.port();
        channels.push(tx_chan);
        (p, p, Ports::Shared(p.raw()))
    };
    let refs = QueueRefs {
        tx: tx_mem.grefs().next().unwrap_or(0),
        rx: rx_mem.grefs().next().unwrap_or(0),
        ports,
    };
    let parts = QueueParts {
        tx_mem,
        rx_mem,
        tx_pool: BufPool::new(XenGranter::new(domid), true, TX_PAGES),
        rx_pool: BufPool::new(XenGranter::new(domid), true, RX_PAGES),
        tx_kick,
        rx_kick,
    };
    let q = Queue::new(parts, f.rx_frame(), f.tx_frame(), f.max_slots(), f.csum)?;
    Ok((Arc::new(spin::Mutex::new(q)), refs))
}

impl Net {
    /// Opens the vif at `node` (such as `device/vif/0`) with the features `o` allows.
    pub async fn open(node: &str, o: &Overrides) -> Result<Net, NetError> {
        let xs = xenstore::client();
        let fe = Frontend::new(xs, node).await?;
        // netback writes its features before it reaches InitWait.
        let seen = bounded(
            "reach InitWait",
            fe.wait_backend(|s| s >= XenbusState::InitWait),
        )
        .await?;
        if seen.is_closing() || seen == XenbusState::Unknown {
            return Err(NetError::Xenbus(XenbusError::BackendClosed(seen)));
        }
        let mut nodes = BackendNodes::new();
        for &k in BACKEND_NODES {
            if let Some(v) = fe.backend_value(k).await? {
                nodes.insert(k, v);
            }
        }
        let mac = match xs.read(&format!("{node}/mac")).await {
            Ok(m) => m,
            Err(XsError::Errno(Errno::ENOENT)) => return Err(NetError::BadMac),
            Err(e) => return Err(NetError::Xenbus(e.into())),
        };
        let f = Features::negotiate(&nodes, &mac, o)?;
        let domid = fe.backend_id();
        let mut channels = Vec::new();
        let mut queues = Vec::new();
        let mut refs = Vec::new();
        for _ in 0..f.queues {
            let (q, r) = queue(domid, &f, &mut channels)?;
            queues.push(q);
            refs.push(r);
        }
        let signal = Signal::new();
        for c in &channels {
            let s = signal.clone();
            events::set_handler(c.port(), Some(Arc::new(move |_| s.notify())));
        }
        let published = front_nodes(&f, &refs);
        let dir = String::from(fe.node());
        fe.connect_direct_within(HANDSHAKE_LIMIT, async |tx| {
            for (k, v) in &published {
                tx.write(&format!("{dir}/{k}"), v.as_str()).await?;
            }
            Ok(())
        })
        .await?;
        // The backend may have taken rx pages and sent packets before it said Connected.
        signal.notify();
        let inner = Arc::new(Inner {
            features: f,
            queues,
            fe,
            channels: spin::Mutex::new(channels),
            signal,
            status: spin::Mutex::new(DeviceStatus::Connected),
            closing: AtomicBool::new(false),
        });
        xenbus::close_when_backend_gone(inner.clone(), "netfront", "closing");
        Ok(Net { inner })
    }

    /// What was negotiated.
    pub fn features(&self) -> &Features {
        &self.inner.features
    }

    /// A smoltcp device over the vif's queues (any number may exist; they share the queues).
    pub fn device(&self) -> XenNetDevice {
        NetDevice::new(self.inner.features, self.inner.queues.clone())
    }

    /// Counters of each queue.
    pub fn stats(&self) -> Vec<QueueStats> {
        self.inner.queues.iter().map(|q| q.lock().stats()).collect()
    }

    /// How the vif stands.
    pub fn status(&self) -> DeviceStatus {
        *self.inner.status.lock()
    }

    /// Waits until an event channel of the vif fired (a packet or a tx response may be
    /// there) or `limit` passed, whichever is first.
    pub async fn wait(&self, limit: Duration) {
        let mut sleep = time::sleep(limit);
        poll_fn(|cx| match self.inner.signal.poll_raised(cx) {
            Poll::Ready(()) => Poll::Ready(()),
            Poll::Pending => Pin::new(&mut sleep).poll(cx),
        })
        .await
    }

    /// Closes the vif: stops the queues, runs the close handshake, ends every grant.
    pub async fn close(&self) -> DeviceStatus {
        if self.inner.closing.swap(true, Ordering::SeqCst) {
            return self.closed(HANDSHAKE_LIMIT * 2).await;
        }
        self.inner.shutdown().await
    }

    /// Waits (at most `limit`) until the vif is closed, by us or because its backend left.
    pub async fn closed(&self, limit: Duration) -> DeviceStatus {
        let end = time::Instant::now() + limit;
        loop {
            let s = self.status();
            if matches!(s, DeviceStatus::Closed { .. }) || time::Instant::now() >= end {
                return s;
            }
            time::sleep(Duration::from_millis(10)).await;
        }
    }
}
