//! One end of a channel over its shared memory, without Xen: the byte rings, the notify
//! bits and the liveness flags. Pure; the tests run a server and a client against each other
//! and against a hostile peer.

use core::sync::atomic::{fence, Ordering};

use super::layout::{off, Layout, Orders, Place};
use super::VchanError;
use crate::abi::vchan::{VCHAN_NOTIFY_READ, VCHAN_NOTIFY_WRITE};
use crate::ring::{ByteReader, ByteRing, ByteWriter, SharedFlags, SharedMem};

/// Which side of the channel we are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Granted the pages and published them; reads the left ring.
    Server,
    /// Mapped the server's pages; reads the right ring.
    Client,
}

/// What the other side's liveness flag says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    /// The client has not connected yet (only a server sees this).
    Waiting,
    /// Connected.
    Connected,
    /// Closed, or gone (Linux's gntdev and gntalloc clear the flag when a process dies).
    Gone,
}

/// How an end tells the other side that it should look (its event channel).
pub trait Notify {
    /// Signals the peer.
    fn notify(&self);
}

/// A ring's bytes: inside the control page, or pages of its own.
#[derive(Clone)]
pub enum RingMem<C, P> {
    /// In the control page.
    InPage(C),
    /// In pages of its own.
    Pages(P),
}

impl<C: SharedMem, P: SharedMem> SharedMem for RingMem<C, P> {
    fn len(&self) -> usize {
        match self {
            Self::InPage(c) => c.len(),
            Self::Pages(p) => p.len(),
        }
    }
    fn load_u32(&self, off: usize) -> u32 {
        match self {
            Self::InPage(c) => c.load_u32(off),
            Self::Pages(p) => p.load_u32(off),
        }
    }
    fn store_u32(&self, off: usize, value: u32) {
        match self {
            Self::InPage(c) => c.store_u32(off, value),
            Self::Pages(p) => p.store_u32(off, value),
        }
    }
    fn read(&self, off: usize, out: &mut [u8]) {
        match self {
            Self::InPage(c) => c.read(off, out),
            Self::Pages(p) => p.read(off, out),
        }
    }
    fn write(&self, off: usize, data: &[u8]) {
        match self {
            Self::InPage(c) => c.write(off, data),
            Self::Pages(p) => p.write(off, data),
        }
    }
}

/// The memory of one ring: the control page for an in-page ring, else `pages`. A ring that
/// should have pages of its own and has none is refused.
pub fn ring_mem<C: Clone, P>(
    ctrl: &C,
    place_pages: usize,
    pages: Option<P>,
) -> Result<RingMem<C, P>, VchanError> {
    match (place_pages, pages) {
        (0, _) => Ok(RingMem::InPage(ctrl.clone())),
        (_, Some(p)) => Ok(RingMem::Pages(p)),
        (n, None) => Err(VchanError::MissingPages { pages: n }),
    }
}

/// One end of a channel.
pub struct Endpoint<C: SharedFlags + Clone, P: SharedMem, N: Notify> {
    role: Role,
    ctrl: C,
    reader: ByteReader<C, RingMem<C, P>>,
    writer: ByteWriter<C, RingMem<C, P>>,
    notify: N,
    broken: Option<VchanError>,
    closed: bool,
}

fn ring<C: Clone, P>(
    ctrl: &C,
    (cons_off, prod_off): (usize, usize),
    place: Place,
    order: u8,
    data: RingMem<C, P>,
) -> ByteRing<C, RingMem<C, P>> {
    ByteRing {
        idx: ctrl.clone(),
        cons_off,
        prod_off,
        data,
        data_off: match place {
            Place::InPage(at) => at,
            Place::Pages(_) => 0,
        },
        size: 1 << order,
    }
}

const LEFT: (usize, usize) = (off::LEFT_CONS, off::LEFT_PROD);
const RIGHT: (usize, usize) = (off::RIGHT_CONS, off::RIGHT_PROD);

impl<C: SharedFlags + Clone, P: SharedMem, N: Notify> Endpoint<C, P, N> {
    /// The server end: writes a fresh control page (`layout`, whose grant references name
    /// `left` and `right`) and reads the left ring.
    pub fn server(
        ctrl: C,
        layout: &Layout,
        left: RingMem<C, P>,
        right: RingMem<C, P>,
        notify: N,
    ) -> Result<Self, VchanError> {
        layout.write(&ctrl);
        let o = layout.orders;
        let reader = ByteReader::new(ring(&ctrl, LEFT, o.left_place(), o.left(), left))?;
        let writer = ByteWriter::new(ring(&ctrl, RIGHT, o.right_place(), o.right(), right))?;
        Ok(Self {
            role: Role::Server,
            ctrl,
            reader,
            writer,
            notify,
            broken: None,
            closed: false,
        })
    }

    /// The client end, over a server's control page with the checked `orders` and the
    /// mapped rings: marks the client connected and asks to be told of the server's writes.
    /// The caller then notifies the server.
    pub fn client(
        ctrl: C,
        orders: Orders,
        left: RingMem<C, P>,
        right: RingMem<C, P>,
        notify: N,
    ) -> Result<Self, VchanError> {
        let o = orders;
        let reader = ByteReader::new(ring(&ctrl, RIGHT, o.right_place(), o.right(), right))?;
        let writer = ByteWriter::new(ring(&ctrl, LEFT, o.left_place(), o.left(), left))?;
        ctrl.store_u8(off::SRV_NOTIFY, VCHAN_NOTIFY_WRITE);
        ctrl.store_u8(off::CLI_LIVE, 1);
        Ok(Self {
            role: Role::Client,
            ctrl,
            reader,
            writer,
            notify,
            broken: None,
            closed: false,
        })
    }

    /// Our role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The notifier (the event channel), to wait on its other side.
    pub fn notifier(&self) -> &N {
        &self.notify
    }

    /// What the peer's liveness flag says. A value the protocol does not have breaks the
    /// channel.
    pub fn peer(&mut self) -> Result<Peer, VchanError> {
        if let Some(e) = &self.broken {
            return Err(e.clone());
        }
        let (at, waiting) = match self.role {
            Role::Server => (off::CLI_LIVE, Some(2)),
            Role::Client => (off::SRV_LIVE, None),
        };
        match self.ctrl.load_u8(at) {
            0 => Ok(Peer::Gone),
            1 => Ok(Peer::Connected),
            v if Some(v) == waiting => Ok(Peer::Waiting),
            value => {
                let e = VchanError::BadLive { value };
                self.broken = Some(e.clone());
                Err(e)
            }
        }
    }

    /// The byte the peer reads for what we want to be told.
    fn peer_requests(&self) -> usize {
        match self.role {
            Role::Server => off::CLI_NOTIFY,
            Role::Client => off::SRV_NOTIFY,
        }
    }

    /// The byte in which the peer asks us to tell it things.
    fn our_requests(&self) -> usize {
        match self.role {
            Role::Server => off::SRV_NOTIFY,
            Role::Client => off::CLI_NOTIFY,
        }
    }

    /// Asks the peer to signal us on `bit` (its read or its write). The atomic OR is a full
    /// barrier: the request is visible before we re-read the indices.
    fn request(&self, bit: u8) {
        self.ctrl.fetch_or_u8(self.peer_requests(), bit);
    }

    /// Signals the peer if it asked to be told of `bit`, clearing its request. The fence
    /// orders our index update before reading the request.
    fn tell(&self, bit: u8) {
        fence(Ordering::SeqCst);
        if self.ctrl.fetch_and_u8(self.our_requests(), !bit) & bit != 0 {
            self.notify.notify();
        }
    }

    /// Bytes ready to read now (asks to be told of more).
    pub fn data_ready(&mut self) -> Result<u32, VchanError> {
        self.peer()?;
        self.request(VCHAN_NOTIFY_WRITE);
        Ok(self.reader.available()?)
    }

    /// Free bytes in the ring we write (asks to be told when the peer reads).
    pub fn buffer_space(&mut self) -> Result<u32, VchanError> {
        self.peer()?;
        self.request(VCHAN_NOTIFY_READ);
        Ok(self.writer.space()?)
    }

    /// Reads what is ready, up to `buf.len()` bytes, without waiting: 0 if nothing is (the
    /// peer is then asked to signal its next write). Once the peer is gone and the ring is
    /// drained, [`VchanError::Closed`].
    pub fn try_read(&mut self, buf: &mut [u8]) -> Result<usize, VchanError> {
        let peer = self.peer()?;
        if buf.is_empty() {
            return Ok(0);
        }
        let mut ready = self.reader.available()?;
        if (ready as usize) < buf.len() {
            self.request(VCHAN_NOTIFY_WRITE);
            ready = self.reader.available()?;
        }
        if ready == 0 {
            return match peer {
                Peer::Gone => Err(VchanError::Closed),
                _ => Ok(0),
            };
        }
        let n = self.reader.read(buf)?;
        self.tell(VCHAN_NOTIFY_READ);
        Ok(n)
    }

    /// Writes as much of `data` as fits now: 0 if the ring is full (the peer is then asked
    /// to signal its next read). [`VchanError::Closed`] once the peer is gone.
    pub fn try_write(&mut self, data: &[u8]) -> Result<usize, VchanError> {
        if self.peer()? == Peer::Gone {
            return Err(VchanError::Closed);
        }
        if data.is_empty() {
            return Ok(0);
        }
        let mut space = self.writer.space()?;
        if (space as usize) < data.len() {
            self.request(VCHAN_NOTIFY_READ);
            space = self.writer.space()?;
        }
        if space == 0 {
            return Ok(0);
        }
        let n = self.writer.write(data)?;
        self.tell(VCHAN_NOTIFY_WRITE);
        Ok(n)
    }

    /// Bytes we wrote that the peer has not read yet.
    pub fn unread(&mut self) -> Result<u32, VchanError> {
        self.peer()?;
        Ok(self.writer.pending()?)
    }

    /// Marks our side closed and signals the peer. Reads and writes fail from then on.
    /// Dropping an endpoint does this too.
    pub fn close(&mut self) {
        if self.closed {
            return;
        }
        self.closed = true;
        let at = match self.role {
            Role::Server => off::SRV_LIVE,
            Role::Client => off::CLI_LIVE,
        };
        self.ctrl.store_u8(at, 0);
        fence(Ordering::SeqCst);
        self.notify.notify();
        self.broken.get_or_insert(VchanError::Closed);
    }
}

impl<C: SharedFlags + Clone, P: SharedMem, N: Notify> Drop for Endpoint<C, P, N> {
    fn drop(&mut self) {
        self.close();
    }
}
