//! blkfront on Xen: opening a vbd (the xenbus handshake, its rings, grants and event
//! channels) and following its backend for the device's life.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};

use super::bufpool::{BufPage, BufPool, Granter};
use super::cache::{SectorIo, SyncDisk};
use super::device::Device;
use super::features::{
    BackendNodes, Features, Overrides, Transport, DEVICE_NODES, TRANSPORT_NODES,
};
use super::handshake::{front_nodes, QueueRefs};
use super::queue::{Kick, Queue, QueueStats};
use super::BlkError;
use crate::abi::grant_table::GrantRef;
use crate::abi::xen::DomId;
use crate::events::{self, Channel, Port};
use crate::grant::{Grant, GrantError, GrantedPages, PoolPage};
use crate::time::{self, Duration};
use crate::xenbus::{self, DeviceStatus, Frontend, XenbusError, XenbusState};
use crate::xenstore;

/// How long one request may take before it fails with [`BlkError::Timeout`].
const REQUEST_LIMIT: Duration = Duration::from_secs(30);
/// How long the connect and close handshakes may take.
const HANDSHAKE_LIMIT: Duration = Duration::from_secs(20);
/// The most buffer pages one queue keeps granted.
const MAX_PAGES_PER_QUEUE: usize = 1024;
/// How long grants the backend still holds after closing are tried again.
const END_LIMIT: Duration = Duration::from_secs(5);

/// A frame-pool page granted to the backend. Dropping it ends the grant and frees the page,
/// or, if the backend still maps it, leaks both (never reused).
pub struct XenPage {
    grant: Option<Grant>,
    page: Option<PoolPage>,
}

impl XenPage {
    fn page(&self) -> &PoolPage {
        self.page
            .as_ref()
            .expect("a XenPage holds its page until dropped")
    }
}

impl BufPage for XenPage {
    fn gref(&self) -> GrantRef {
        self.grant.as_ref().map_or(0, Grant::gref)
    }
    fn read(&self, off: usize, out: &mut [u8]) {
        self.page().read_bytes(off, out)
    }
    fn write(&self, off: usize, data: &[u8]) {
        self.page().write_bytes(off, data)
    }
}

impl Drop for XenPage {
    fn drop(&mut self) {
        if let Some(grant) = self.grant.take() {
            if let Err((grant, e)) = grant.end() {
                log::warn!(
                    "grant: buffer ref {} still in use ({e}); leaking it",
                    grant.gref()
                );
                core::mem::forget(grant);
                core::mem::forget(self.page.take());
            }
        }
    }
}

/// Grants pages to the backend's domain, reusing the frames of ended grants.
pub struct XenGranter {
    domid: DomId,
    spare: Vec<PoolPage>,
}

impl XenGranter {
    /// Grants to `domid`.
    pub(crate) fn new(domid: DomId) -> Self {
        Self {
            domid,
            spare: Vec::new(),
        }
    }
}

impl Granter for XenGranter {
    type Page = XenPage;

    fn grant(&mut self, writable: bool) -> Result<XenPage, GrantError> {
        let page = match self.spare.pop() {
            Some(p) => p,
            None => PoolPage::alloc().map_err(|_| GrantError::NoFrames)?,
        };
        match Grant::new(self.domid, &page, !writable) {
            Ok(grant) => Ok(XenPage {
                grant: Some(grant),
                page: Some(page),
            }),
            Err(e) => {
                self.spare.push(page);
                Err(e)
            }
        }
    }

    fn end(&mut self, mut page: XenPage) -> Result<(), XenPage> {
        let Some(grant) = page.grant.take() else {
            return Ok(());
        };
        match grant.end() {
            Ok(()) => {
                self.spare.extend(page.page.take());
                Ok(())
            }
            Err((grant, _)) => {
                page.grant = Some(grant);
                Err(page)
            }
        }
    }
}

impl Kick for Port {
    fn kick(&self) {
        if let Err(e) = self.notify() {
            log::warn!("notifying port {self}: {e}");
        }
    }
}

type XenDevice = Device<GrantedPages, XenGranter, Port>;

struct Inner {
    dev: XenDevice,
    fe: Frontend<'static>,
    channels: spin::Mutex<Vec<Channel>>,
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
    /// Fails what is in flight, runs the close handshake, ends every grant. Grants the
    /// backend still maps (it may finish requests it had taken after it says Closed) are
    /// refused by Xen; they are tried again for a while, then kept.
    async fn shutdown(&self) -> DeviceStatus {
        *self.status.lock() = DeviceStatus::Closing;
        let failed = self.dev.fail(BlkError::Gone);
        let handshake = match self.fe.close_within(HANDSHAKE_LIMIT).await {
            Ok(()) => true,
            Err(e) => {
                log::warn!("blkfront: {}: close: {e}", self.fe.node());
                false
            }
        };
        for c in self.channels.lock().drain(..) {
            events::set_handler(c.port(), None);
        }
        let rings: Vec<GrantedPages> = self
            .dev
            .queues()
            .iter()
            .filter_map(|q| q.lock().close())
            .collect();
        let buffers = || {
            self.dev
                .queues()
                .iter()
                .map(|q| q.lock().end_grants())
                .sum()
        };
        let stuck = xenbus::end_grants(self.fe.node(), rings, buffers, END_LIMIT).await;
        let status = DeviceStatus::Closed {
            failed,
            stuck,
            handshake,
        };
        *self.status.lock() = status;
        status
    }
}

/// An open vbd: async reads, writes, flushes and discards (each bounded by a 30 s
/// timeout), cheap to clone. When the backend closes (`xl block-detach`) every request in
/// flight and every later one fails with [`BlkError::Gone`].
#[derive(Clone)]
pub struct Disk {
    inner: Arc<Inner>,
}

async fn bounded<T>(
    limit: Duration,
    what: &'static str,
    fut: impl core::future::Future<Output = Result<T, XenbusError>>,
) -> Result<T, BlkError> {
    match time::timeout(limit, fut).await {
        Ok(r) => Ok(r?),
        Err(time::Elapsed) => Err(BlkError::Xenbus(XenbusError::Timeout {
            waiting_for: what,
            ms: limit.as_millis() as u64,
        })),
    }
}

async fn read_nodes(fe: &Frontend<'_>, keys: &[&'static str]) -> Result<BackendNodes, BlkError> {
    let mut nodes = BackendNodes::new();
    for &k in keys {
        if let Some(v) = fe.backend_value(k).await? {
            nodes.insert(k, v);
        }
    }
    Ok(nodes)
}

impl Disk {
    /// Opens the vbd at `node` (such as `device/vbd/51712`) with the features `o` allows.
    pub async fn open(node: &str, o: &Overrides) -> Result<Disk, BlkError> {
        let fe = Frontend::new(xenstore::client(), node).await?;
        let handle = node
            .rsplit('/')
            .next()
            .and_then(|id| id.parse::<u16>().ok())
            .unwrap_or(0);
        // blkback writes its transport limits before it waits for us.
        let seen = bounded(
            HANDSHAKE_LIMIT,
            "reach InitWait",
            fe.wait_backend(|s| s >= XenbusState::InitWait),
        )
        .await?;
        if seen.is_closing() || seen == XenbusState::Unknown {
            return Err(BlkError::Xenbus(XenbusError::BackendClosed(seen)));
        }
        let t = Transport::choose(&read_nodes(&fe, TRANSPORT_NODES).await?, o);
        let domid = fe.backend_id();
        let pages = o.pages.map_or_else(
            || {
                let frames = crate::mm::free_frame_count() / (2 * t.queues as usize);
                frames.min(MAX_PAGES_PER_QUEUE)
            },
            |p| p as usize,
        );
        let mut queues = Vec::new();
        let mut channels = Vec::new();
        let mut refs = Vec::new();
        for _ in 0..t.queues {
            let ring = GrantedPages::new(domid, 1 << t.ring_page_order, false)?;
            let chan = Channel::alloc_unbound(domid).map_err(|_| BlkError::Event)?;
            refs.push(QueueRefs {
                grefs: ring.grefs().collect(),
                port: chan.port().raw(),
            });
            let granter = XenGranter::new(domid);
            let pool = BufPool::new(granter, o.persistent, pages);
            let q = Queue::new(ring, pool, chan.port(), handle)?;
            queues.push(Arc::new(spin::Mutex::new(q)));
            channels.push(chan);
        }
        let nodes = front_nodes(t, &refs, o.persistent);
        let dir = String::from(fe.node());
        fe.connect_within(HANDSHAKE_LIMIT, async |tx| {
            for (k, v) in &nodes {
                tx.write(&format!("{dir}/{k}"), v.as_str()).await?;
            }
            Ok(())
        })
        .await?;
        let f = Features::negotiate(&read_nodes(&fe, DEVICE_NODES).await?, t, o)?;
        for (q, c) in queues.iter().zip(&channels) {
            q.lock().set_persistent(f.persistent);
            let q = q.clone();
            events::set_handler(
                c.port(),
                Some(Arc::new(move |_| {
                    q.lock().poll_responses();
                })),
            );
        }
        let inner = Arc::new(Inner {
            dev: Device::new(f, queues),
            fe,
            channels: spin::Mutex::new(channels),
            status: spin::Mutex::new(DeviceStatus::Connected),
            closing: AtomicBool::new(false),
        });
        xenbus::close_when_backend_gone(inner.clone(), "blkfront", "failing requests and closing");
        Ok(Disk { inner })
    }

    /// What was negotiated.
    pub fn features(&self) -> &Features {
        self.inner.dev.features()
    }

    /// Bytes per logical sector.
    pub fn sector_size(&self) -> u32 {
        self.inner.dev.sector_size()
    }

    /// The disk's size in logical sectors.
    pub fn sectors(&self) -> u64 {
        self.inner.dev.sectors()
    }

    /// Requests in flight.
    pub fn in_flight(&self) -> usize {
        self.inner.dev.in_flight()
    }

    /// Counters of each queue.
    pub fn stats(&self) -> Vec<QueueStats> {
        self.inner.dev.stats()
    }

    /// How the disk stands.
    pub fn status(&self) -> DeviceStatus {
        *self.inner.status.lock()
    }

    async fn limited(
        &self,
        fut: impl core::future::Future<Output = Result<(), BlkError>>,
    ) -> Result<(), BlkError> {
        match time::timeout(REQUEST_LIMIT, fut).await {
            Ok(r) => r,
            Err(time::Elapsed) => Err(BlkError::Timeout {
                ms: REQUEST_LIMIT.as_millis() as u64,
            }),
        }
    }

    /// Reads whole sectors at logical sector `lba`.
    pub async fn read(&self, lba: u64, buf: &mut [u8]) -> Result<(), BlkError> {
        self.limited(self.inner.dev.read(lba, buf)).await
    }

    /// Writes whole sectors at logical sector `lba`.
    pub async fn write(&self, lba: u64, data: &[u8]) -> Result<(), BlkError> {
        self.limited(self.inner.dev.write(lba, data)).await
    }

    /// Makes completed writes durable.
    pub async fn flush(&self) -> Result<(), BlkError> {
        self.limited(self.inner.dev.flush()).await
    }

    /// Discards `count` logical sectors at `lba`.
    pub async fn discard(&self, lba: u64, count: u64) -> Result<(), BlkError> {
        self.limited(self.inner.dev.discard(lba, count)).await
    }

    /// Closes the disk: fails what is in flight, runs the close handshake, ends every grant.
    pub async fn close(&self) -> DeviceStatus {
        if self.inner.closing.swap(true, Ordering::SeqCst) {
            return self.closed(HANDSHAKE_LIMIT * 2).await;
        }
        self.inner.shutdown().await
    }

    /// Waits (at most `limit`) until the disk is closed, by us or because its backend left.
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

    /// Synchronous access with a shared sector cache.
    pub fn into_sync(self) -> SyncDisk<Disk> {
        SyncDisk::new(self)
    }
}

/// Blocking I/O for synchronous callers (run from inside a task: the other tasks keep
/// running while a request is in flight).
impl SectorIo for Disk {
    fn sector_size(&self) -> u32 {
        Disk::sector_size(self)
    }
    fn sectors(&self) -> u64 {
        Disk::sectors(self)
    }
    fn read(&self, lba: u64, buf: &mut [u8]) -> Result<(), BlkError> {
        crate::sched::block_on(Disk::read(self, lba, buf))
    }
    fn write(&self, lba: u64, data: &[u8]) -> Result<(), BlkError> {
        crate::sched::block_on(Disk::write(self, lba, data))
    }
    fn flush(&self) -> Result<(), BlkError> {
        crate::sched::block_on(Disk::flush(self))
    }
}
