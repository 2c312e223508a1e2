//! vchan on Xen: the server grants and publishes, the client maps; both wait on the event
//! channel.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::endpoint::{ring_mem, Endpoint, Notify, Peer};
use super::{Layout, Orders, VchanError};
use crate::abi::xen::DomId;
use crate::events::{Channel, Port, Wait};
use crate::grant::{map_foreign, ForeignPage, ForeignPages, GrantedPages};
use crate::ring::{SharedFlags, SharedMem};
use crate::time::{sleep, timeout, Duration, Instant};
use crate::xenstore::{self, Access, Errno, Perm, XsError};

/// The control page, as the endpoint sees it.
type Ctrl = Arc<dyn SharedFlags + Send + Sync>;
/// A ring's own pages, as the endpoint sees them.
type Pages = Arc<dyn SharedMem + Send + Sync>;

/// How long a close waits for the peer to read what we wrote, and then to unmap our pages.
const LINGER: Duration = Duration::from_secs(5);

/// The event channel as the endpoint's notifier.
struct PortNotify(Port);

impl Notify for PortNotify {
    fn notify(&self) {
        if let Err(e) = self.0.notify() {
            log::warn!("vchan: notifying port {}: {e}", self.0);
        }
    }
}

/// The memory one side owns.
enum Own {
    Server {
        ctrl: Arc<GrantedPages>,
        rings: Vec<Arc<GrantedPages>>,
        path: String,
    },
    Client {
        ctrl: Arc<ForeignPage>,
        rings: Vec<Arc<ForeignPages>>,
    },
}

/// One end of a vchan: a byte stream to another domain.
///
/// One task uses it at a time (`&mut self`): reads and writes share one event channel.
/// Waits are cancel-safe; bound them with [`crate::time::timeout`]. Dropping it without
/// [`Vchan::close`] still tells the peer, but does not flush, and leaks pages the peer maps
/// at that moment.
pub struct Vchan {
    end: Endpoint<Ctrl, Pages, PortNotify>,
    channel: Channel,
    peer: DomId,
    orders: Orders,
    own: Own,
}

fn number(path: &str, r: Result<String, XsError>) -> Result<u32, VchanError> {
    let dir = || String::from(path.rsplit_once('/').map_or(path, |(d, _)| d));
    let value = match r {
        Ok(v) => v,
        Err(XsError::Errno(Errno::ENOENT)) => return Err(VchanError::NotPublished(dir())),
        Err(e) => return Err(e.into()),
    };
    match value.trim().parse::<u32>() {
        Ok(n) if n != 0 => Ok(n),
        _ => Err(VchanError::BadNode {
            path: String::from(path),
            value,
        }),
    }
}

impl Vchan {
    /// Serves a vchan to domain `peer`: grants the control page and the rings of `orders`
    /// (the ring `peer` writes read-write, the one it reads read-only), allocates the event
    /// channel, and publishes `path/ring-ref` and `path/event-channel` in one transaction,
    /// readable by `peer`. Returns at once; [`Vchan::accept`] waits for the client.
    pub async fn server(peer: DomId, path: &str, orders: Orders) -> Result<Self, VchanError> {
        let xs = xenstore::client();
        let channel = Channel::alloc_unbound(peer)?;
        let ctrl = Arc::new(GrantedPages::new(peer, 1, false)?);
        let left = grant_ring(peer, orders.left_pages(), false)?;
        let right = grant_ring(peer, orders.right_pages(), true)?;
        let refs = |r: &Option<Arc<GrantedPages>>| -> Vec<u32> {
            r.as_ref().map_or(Vec::new(), |p| p.grefs().collect())
        };
        let layout = Layout {
            orders,
            left: refs(&left),
            right: refs(&right),
        };
        let c: Ctrl = ctrl.clone();
        let end = Endpoint::server(
            c.clone(),
            &layout,
            ring_mem(&c, orders.left_pages(), left.clone().map(|p| p as Pages))?,
            ring_mem(&c, orders.right_pages(), right.clone().map(|p| p as Pages))?,
            PortNotify(channel.port()),
        )?;
        let me = xs.domid().await?;
        let perms = [
            Perm {
                domid: me,
                access: Access::None,
            },
            Perm {
                domid: peer,
                access: Access::Read,
            },
        ];
        let gref = ctrl.grefs().next().unwrap_or_default();
        let port = channel.port().raw();
        xs.transaction(async |tx| {
            for (node, value) in [("ring-ref", gref), ("event-channel", port)] {
                let p = format!("{path}/{node}");
                tx.write(&p, format!("{value}")).await?;
                tx.set_perms(&p, &perms).await?;
            }
            Ok(())
        })
        .await?;
        Ok(Self {
            end,
            channel,
            peer,
            orders,
            own: Own::Server {
                ctrl,
                rings: left.into_iter().chain(right).collect(),
                path: String::from(path),
            },
        })
    }

    /// Connects to the vchan domain `peer` serves at `path`: maps its control page and
    /// rings (the ring we read read-only), binds its event channel, and tells it we are
    /// here. [`VchanError::NotPublished`] if the nodes are not there (yet).
    pub async fn client(peer: DomId, path: &str) -> Result<Self, VchanError> {
        let xs = xenstore::client();
        let ref_path = format!("{path}/ring-ref");
        let gref = number(&ref_path, xs.read(&ref_path).await)?;
        let port_path = format!("{path}/event-channel");
        let port = number(&port_path, xs.read(&port_path).await)?;
        let channel = Channel::bind_interdomain(peer, port)?;
        let ctrl = Arc::new(map_foreign(peer, gref, false)?);
        let layout = Layout::read(&*ctrl)?;
        let left = map_ring(peer, &layout.left, false)?;
        let right = map_ring(peer, &layout.right, true)?;
        let c: Ctrl = ctrl.clone();
        let orders = layout.orders;
        let end = Endpoint::client(
            c.clone(),
            orders,
            ring_mem(&c, orders.left_pages(), left.clone().map(|p| p as Pages))?,
            ring_mem(&c, orders.right_pages(), right.clone().map(|p| p as Pages))?,
            PortNotify(channel.port()),
        )?;
        channel.notify()?;
        Ok(Self {
            end,
            channel,
            peer,
            orders,
            own: Own::Client {
                ctrl,
                rings: left.into_iter().chain(right).collect(),
            },
        })
    }

    /// [`Vchan::client`], waiting up to `limit` for a server to publish `path` (a watch on
    /// it).
    pub async fn client_within(
        peer: DomId,
        path: &str,
        limit: Duration,
    ) -> Result<Self, VchanError> {
        let xs = xenstore::client();
        let mut watch = xs.watch(path).await?;
        let deadline = Instant::now().saturating_add(limit);
        loop {
            match Self::client(peer, path).await {
                Err(VchanError::NotPublished(_)) => {}
                r => return r,
            }
            let left = deadline.duration_since(Instant::now());
            if left == Duration::ZERO || timeout(left, watch.next()).await.is_err() {
                return Err(VchanError::Timeout("a vchan server to publish its nodes"));
            }
        }
    }

    /// The peer domain.
    pub fn peer_domid(&self) -> DomId {
        self.peer
    }

    /// The ring orders.
    pub fn orders(&self) -> Orders {
        self.orders
    }

    /// What the peer's liveness flag says now.
    pub fn peer(&mut self) -> Result<Peer, VchanError> {
        self.end.peer()
    }

    /// Waits until a client has connected (server), or returns at once (client).
    /// [`VchanError::Closed`] if the client came and went.
    pub async fn accept(&mut self) -> Result<(), VchanError> {
        loop {
            match self.end.peer()? {
                Peer::Connected => return Ok(()),
                Peer::Gone => return Err(VchanError::Closed),
                Peer::Waiting => self.channel.wait().await,
            }
        }
    }

    /// Completes when the peer signalled since the last completed wait (it read, wrote,
    /// connected or closed), or spuriously. For loops that read and write: try both, and
    /// wait when neither made progress.
    pub fn wait(&self) -> Wait {
        self.channel.wait()
    }

    /// Bytes ready to read now.
    pub fn data_ready(&mut self) -> Result<u32, VchanError> {
        self.end.data_ready()
    }

    /// Free bytes in the ring we write.
    pub fn buffer_space(&mut self) -> Result<u32, VchanError> {
        self.end.buffer_space()
    }

    /// Reads what is ready (up to `buf.len()`), without waiting; 0 if nothing is.
    /// [`VchanError::Closed`] once the peer is gone and everything it sent was read.
    pub fn try_read(&mut self, buf: &mut [u8]) -> Result<usize, VchanError> {
        self.end.try_read(buf)
    }

    /// Writes what fits of `data` now; 0 if the ring is full.
    pub fn try_write(&mut self, data: &[u8]) -> Result<usize, VchanError> {
        self.end.try_write(data)
    }

    /// Reads at least one byte (up to `buf.len()`), waiting while there is none; `Ok(0)`
    /// at the end of the stream (the peer closed and everything it sent was read).
    pub async fn read(&mut self, buf: &mut [u8]) -> Result<usize, VchanError> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match self.end.try_read(buf) {
                Ok(0) => self.channel.wait().await,
                Ok(n) => return Ok(n),
                Err(VchanError::Closed) => return Ok(0),
                Err(e) => return Err(e),
            }
        }
    }

    /// Writes at least one byte of `data` (a partial write when the ring fills), waiting
    /// while the ring is full.
    pub async fn write(&mut self, data: &[u8]) -> Result<usize, VchanError> {
        if data.is_empty() {
            return Ok(0);
        }
        loop {
            match self.end.try_write(data)? {
                0 => self.channel.wait().await,
                n => return Ok(n),
            }
        }
    }

    /// Writes all of `data`. Dropped while waiting, a prefix of it has been sent.
    pub async fn write_all(&mut self, mut data: &[u8]) -> Result<(), VchanError> {
        while !data.is_empty() {
            let n = self.write(data).await?;
            data = &data[n..];
        }
        Ok(())
    }

    /// Waits until the peer read everything we wrote, or is not there to read it (gone,
    /// or a client that never connected).
    pub async fn flush(&mut self) -> Result<(), VchanError> {
        loop {
            if self.end.peer()? != Peer::Connected || self.end.unread()? == 0 {
                return Ok(());
            }
            // Ask to be told of the peer's next read, then re-check before waiting.
            self.end.buffer_space()?;
            if self.end.unread()? == 0 {
                return Ok(());
            }
            self.channel.wait().await;
        }
    }

    /// [`Vchan::read`] for synchronous code (runs the executor meanwhile).
    pub fn read_blocking(&mut self, buf: &mut [u8]) -> Result<usize, VchanError> {
        crate::sched::block_on(self.read(buf))
    }

    /// [`Vchan::write_all`] for synchronous code.
    pub fn write_all_blocking(&mut self, data: &[u8]) -> Result<(), VchanError> {
        crate::sched::block_on(self.write_all(data))
    }

    /// Closes the channel: waits (up to 5 s) for the peer to read what we wrote, clears our
    /// liveness flag and signals; a server removes its nodes. Then every grant is ended (a
    /// server waits up to 5 s for the client to unmap) or every mapping undone (a client).
    pub async fn close(mut self) -> Result<(), VchanError> {
        let flushed = timeout(LINGER, self.flush()).await;
        let Self {
            end, channel, own, ..
        } = self;
        drop(end);
        let r = match own {
            Own::Server { ctrl, rings, path } => {
                let rm = xenstore::client().rm(&path).await;
                drop(channel);
                let ended = end_grants(core::iter::once(ctrl).chain(rings).collect()).await;
                ended.and(rm.map_err(VchanError::from))
            }
            Own::Client { ctrl, rings } => {
                drop(channel);
                unmap(ctrl, rings)
            }
        };
        match flushed {
            Ok(Err(e)) => Err(e),
            _ => r,
        }
    }
}

fn grant_ring(
    peer: DomId,
    pages: usize,
    readonly: bool,
) -> Result<Option<Arc<GrantedPages>>, VchanError> {
    if pages == 0 {
        return Ok(None);
    }
    Ok(Some(Arc::new(GrantedPages::new(peer, pages, readonly)?)))
}

fn map_ring(
    peer: DomId,
    grefs: &[u32],
    readonly: bool,
) -> Result<Option<Arc<ForeignPages>>, VchanError> {
    if grefs.is_empty() {
        return Ok(None);
    }
    Ok(Some(Arc::new(ForeignPages::map(peer, grefs, readonly)?)))
}

/// Ends the grants of a closed server, retrying while the client still maps pages.
async fn end_grants(all: Vec<Arc<GrantedPages>>) -> Result<(), VchanError> {
    let mut left: Vec<GrantedPages> = all.into_iter().filter_map(Arc::into_inner).collect();
    let start = Instant::now();
    loop {
        let mut still = Vec::new();
        for pages in left {
            if let Err((pages, _)) = pages.end() {
                still.push(pages);
            }
        }
        if still.is_empty() {
            return Ok(());
        }
        if start.elapsed() > LINGER {
            let pages = still.iter().map(|p| p.pages().len()).sum();
            // Dropping leaks what is still in use, with a warning each.
            drop(still);
            return Err(VchanError::StillMapped { pages });
        }
        left = still;
        sleep(Duration::from_millis(10)).await;
    }
}

/// Undoes a closed client's mappings.
fn unmap(ctrl: Arc<ForeignPage>, rings: Vec<Arc<ForeignPages>>) -> Result<(), VchanError> {
    let mut r = Ok(());
    for ring in rings.into_iter().filter_map(Arc::into_inner) {
        r = r.and(ring.unmap().map_err(VchanError::from));
    }
    if let Some(ctrl) = Arc::into_inner(ctrl) {
        r = r.and(ctrl.unmap().map_err(VchanError::from));
    }
    r
}
