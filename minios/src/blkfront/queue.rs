//! One queue: a shared ring, its requests in flight (by id, [`InFlight`]), and its buffer
//! pages. Requests are queued under the queue's lock; responses are taken by
//! [`Queue::poll_responses`] (the event-channel handler on Xen), each checked against the
//! request in flight under its id: an unknown id, a wrong operation or a status that is no
//! `BLKIF_RSP_*` value breaks the queue and fails every request in flight.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::task::{Poll, Waker};

use super::bufpool::{BufPage, BufPool, Granter, PoolStats};
use super::request::{self, page_lengths, PAGE};
use super::{BlkError, Op, Violation};
use crate::abi::blkif::{
    BlkifRequest, BlkifResponse, BlkifVdev, BLKIF_OP_DISCARD, BLKIF_OP_READ, BLKIF_OP_WRITE,
    BLKIF_RSP_EOPNOTSUPP, BLKIF_RSP_ERROR, BLKIF_RSP_OKAY,
};
use crate::ring::{FrontRing, InFlight, SharedMem};

/// Notifies the backend of new requests (the queue's event channel).
pub trait Kick {
    /// Sends the notification.
    fn kick(&self);
}

/// One request to queue. Sectors are 512-byte units.
#[derive(Debug, Clone, Copy)]
pub enum Io<'a> {
    /// Read `len` bytes (a multiple of 512, at most the pool's pages) at `sector`.
    Read {
        /// First sector.
        sector: u64,
        /// Bytes.
        len: usize,
    },
    /// Write `data` at `sector`.
    Write {
        /// First sector.
        sector: u64,
        /// The bytes (a multiple of 512).
        data: &'a [u8],
    },
    /// An empty request of operation `op` (`BLKIF_OP_FLUSH_DISKCACHE` or
    /// `BLKIF_OP_WRITE_BARRIER`).
    Flush {
        /// The operation.
        op: u8,
    },
    /// Discard `count` sectors at `sector`.
    Discard {
        /// First sector.
        sector: u64,
        /// Sectors.
        count: u64,
        /// `BLKIF_DISCARD_SECURE`.
        secure: bool,
    },
}

impl Io<'_> {
    fn kind(&self) -> Op {
        match self {
            Io::Read { .. } => Op::Read,
            Io::Write { .. } => Op::Write,
            Io::Flush { .. } => Op::Flush,
            Io::Discard { .. } => Op::Discard,
        }
    }

    /// The `BLKIF_OP_*` a response must name (an indirect request's is its `indirect_op`).
    fn op(&self) -> u8 {
        match self {
            Io::Read { .. } => BLKIF_OP_READ,
            Io::Write { .. } => BLKIF_OP_WRITE,
            Io::Flush { op } => *op,
            Io::Discard { .. } => BLKIF_OP_DISCARD,
        }
    }

    fn data_pages(&self) -> usize {
        match self {
            Io::Read { len, .. } => len.div_ceil(PAGE),
            Io::Write { data, .. } => data.len().div_ceil(PAGE),
            _ => 0,
        }
    }
}

/// Where a request's outcome is left for its submitter: the result and, for a read, the
/// pages holding the data (to copy out, then give back with [`Queue::give`]).
pub struct Done<P> {
    inner: spin::Mutex<DoneState<P>>,
}

/// A request's outcome once it completed, and who waits for it.
type DoneState<P> = (Option<Outcome<P>>, Option<Waker>);

/// A request's outcome: for a read, the pages holding the data.
pub type Outcome<P> = Result<Vec<P>, BlkError>;

impl<P> Done<P> {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            inner: spin::Mutex::new((None, None)),
        })
    }

    fn finish(&self, r: Outcome<P>) {
        let waker = {
            let mut inner = self.inner.lock();
            inner.0 = Some(r);
            inner.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// The outcome if the request completed (taken), else registers `waker`.
    pub fn poll(&self, waker: &Waker) -> Poll<Outcome<P>> {
        let mut inner = self.inner.lock();
        match inner.0.take() {
            Some(r) => Poll::Ready(r),
            None => {
                inner.1 = Some(waker.clone());
                Poll::Pending
            }
        }
    }

    /// The outcome, if the request completed (taken).
    pub fn take(&self) -> Option<Outcome<P>> {
        self.inner.lock().0.take()
    }
}

struct Pending<P> {
    op: u8,
    kind: Op,
    data: Vec<P>,
    indirect: Vec<P>,
    done: Arc<Done<P>>,
}

/// Counters of a queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueStats {
    /// Requests queued.
    pub requests: u64,
    /// Of those, indirect requests.
    pub indirect: u64,
    /// Responses taken.
    pub responses: u64,
    /// Notifications sent to the backend.
    pub kicks: u64,
    /// Requests in flight now.
    pub in_flight: usize,
    /// The buffer pool's counters.
    pub pool: PoolStats,
}

/// One ring with its requests and pages.
pub struct Queue<M, G: Granter, K> {
    ring: Option<FrontRing<M, BlkifRequest, BlkifResponse>>,
    inflight: InFlight<Pending<G::Page>>,
    pool: BufPool<G>,
    kick: K,
    handle: BlkifVdev,
    waiters: Vec<Waker>,
    broken: Option<BlkError>,
    stats: QueueStats,
}

impl<M: SharedMem, G: Granter, K: Kick> Queue<M, G, K> {
    /// A queue on the ring in `mem` (initialised here: not yet shared with the backend),
    /// with buffer pages from `pool`, notifying through `kick`; `handle` is the device's id.
    pub fn new(mem: M, pool: BufPool<G>, kick: K, handle: BlkifVdev) -> Result<Self, BlkError> {
        let ring = FrontRing::new(mem).map_err(|e| BlkError::Protocol(Violation::Ring(e)))?;
        Ok(Self {
            inflight: InFlight::new(ring.size()),
            ring: Some(ring),
            pool,
            kick,
            handle,
            waiters: Vec::new(),
            broken: None,
            stats: QueueStats::default(),
        })
    }

    /// Counters.
    pub fn stats(&self) -> QueueStats {
        QueueStats {
            in_flight: self.inflight.len(),
            pool: self.pool.stats(),
            ..self.stats
        }
    }

    /// Sets whether buffer pages are persistent grants (see [`BufPool::set_persistent`]).
    pub fn set_persistent(&mut self, on: bool) {
        self.pool.set_persistent(on);
    }

    /// Requests in flight.
    pub fn in_flight(&self) -> usize {
        self.inflight.len()
    }

    /// The most buffer pages in use at once.
    pub fn page_limit(&self) -> usize {
        self.pool.limit()
    }

    /// Why the queue stopped working, if it did.
    pub fn broken(&self) -> Option<BlkError> {
        self.broken
    }

    /// Queues `io` if the ring has a free slot and the pool the pages; otherwise registers
    /// `waker` to be woken when a request completes.
    pub fn try_submit(
        &mut self,
        io: &Io<'_>,
        waker: &Waker,
    ) -> Poll<Result<Arc<Done<G::Page>>, BlkError>> {
        if let Some(e) = self.broken {
            return Poll::Ready(Err(e));
        }
        let Some(ring) = self.ring.as_mut() else {
            return Poll::Ready(Err(BlkError::Gone));
        };
        let nd = io.data_pages();
        let ni = if request::needs_indirect(nd) {
            request::indirect_pages(nd)
        } else {
            0
        };
        if ring.free_requests() == 0 || self.pool.available() < nd + ni {
            self.waiters.push(waker.clone());
            return Poll::Pending;
        }
        let data = match self.pool.take(nd, matches!(io, Io::Read { .. })) {
            Ok(p) => p.unwrap_or_default(),
            Err(e) => return Poll::Ready(Err(e.into())),
        };
        let indirect = match self.pool.take(ni, false) {
            Ok(p) => p.unwrap_or_default(),
            Err(e) => {
                self.pool.give(data);
                return Poll::Ready(Err(e.into()));
            }
        };
        if let Io::Write { data: bytes, .. } = io {
            for (page, chunk) in data.iter().zip(bytes.chunks(PAGE)) {
                page.write(0, chunk);
            }
        }
        let len = match io {
            Io::Read { len, .. } => *len,
            Io::Write { data, .. } => data.len(),
            _ => 0,
        };
        let segs: Vec<_> = data
            .iter()
            .zip(page_lengths(len))
            .map(|(p, n)| request::segment(p.gref(), n))
            .collect();
        for (page, bytes) in indirect.iter().zip(request::indirect_page_bytes(&segs)) {
            page.write(0, &bytes);
        }
        let igrefs: Vec<_> = indirect.iter().map(BufPage::gref).collect();
        let op = io.op();
        let done = Done::new();
        let pending = Pending {
            op,
            kind: io.kind(),
            data,
            indirect,
            done: done.clone(),
        };
        let Some(id) = self.inflight.issue(pending) else {
            // Cannot happen: ids are as many as ring slots. Wait for a completion.
            self.waiters.push(waker.clone());
            return Poll::Pending;
        };
        let id = u64::from(id);
        let h = self.handle;
        let req = match *io {
            Io::Read { sector, .. } | Io::Write { sector, .. } if ni > 0 => {
                request::indirect(op, id, h, sector, segs.len(), &igrefs)
            }
            Io::Read { sector, .. } | Io::Write { sector, .. } => {
                request::direct(op, id, h, sector, &segs)
            }
            Io::Flush { op } => request::direct(op, id, h, 0, &[]),
            Io::Discard {
                sector,
                count,
                secure,
            } => request::discard(id, h, sector, count, secure),
        };
        ring.queue_request(&req);
        self.stats.requests += 1;
        self.stats.indirect += u64::from(ni > 0);
        if ring.publish() {
            self.stats.kicks += 1;
            self.kick.kick();
        }
        Poll::Ready(Ok(done))
    }

    /// Gives back pages a completed read handed out.
    pub fn give(&mut self, pages: Vec<G::Page>) {
        self.pool.give(pages);
        self.wake_waiters();
    }

    fn wake_waiters(&mut self) {
        for w in self.waiters.drain(..) {
            w.wake();
        }
    }

    /// Takes every response the backend produced and completes its request; returns how
    /// many. A protocol violation breaks the queue (see [`Queue::fail`]).
    pub fn poll_responses(&mut self) -> usize {
        let mut n = 0;
        while self.broken.is_none() {
            let Some(ring) = self.ring.as_mut() else {
                break;
            };
            let next = match ring.take_response() {
                Ok(Some(rsp)) => Ok(Some(rsp)),
                Ok(None) => match ring.final_check_for_responses() {
                    Ok(true) => continue,
                    Ok(false) => Ok(None),
                    Err(e) => Err(Violation::Ring(e)),
                },
                Err(e) => Err(Violation::Ring(e)),
            };
            match next.and_then(|r| r.map(|rsp| self.complete(rsp)).transpose()) {
                Ok(Some(())) => n += 1,
                Ok(None) => break,
                Err(v) => {
                    log::error!("blkfront: {v}; failing the queue");
                    self.fail(BlkError::Protocol(v));
                }
            }
        }
        self.stats.responses += n as u64;
        if n > 0 {
            self.wake_waiters();
        }
        n
    }

    fn complete(&mut self, rsp: BlkifResponse) -> Result<(), Violation> {
        let id = rsp.id;
        let p = self
            .inflight
            .complete(id)
            .map_err(|_| Violation::UnknownId(id))?;
        let status = match rsp.status {
            _ if rsp.operation != p.op => Err(Violation::WrongOp {
                id,
                sent: p.op,
                got: rsp.operation,
            }),
            BLKIF_RSP_OKAY => Ok(Ok(())),
            BLKIF_RSP_ERROR => Ok(Err(BlkError::Backend)),
            BLKIF_RSP_EOPNOTSUPP => Ok(Err(BlkError::NotSupported(p.kind))),
            status => Err(Violation::BadStatus { id, status }),
        };
        let Pending {
            data,
            indirect,
            done,
            ..
        } = p;
        match status {
            Err(v) => {
                // The backend is confused: it may still use these pages.
                self.pool.set_aside(data);
                self.pool.set_aside(indirect);
                done.finish(Err(BlkError::Protocol(v)));
                return Err(v);
            }
            Ok(result) => {
                self.pool.give(indirect);
                // A read's data goes to its submitter, unless it gave up waiting.
                let keep = result.is_ok() && !data.is_empty() && Arc::strong_count(&done) > 1;
                let data = if keep && p.op == BLKIF_OP_READ {
                    data
                } else {
                    self.pool.give(data);
                    Vec::new()
                };
                done.finish(result.map(|()| data));
            }
        }
        Ok(())
    }

    /// Fails every request in flight with `err` and refuses new ones from then on; their
    /// pages are set aside until [`Queue::close`]. Returns how many requests failed.
    pub fn fail(&mut self, err: BlkError) -> usize {
        self.broken.get_or_insert(err);
        let failed: Vec<_> = self.inflight.drain().collect();
        let n = failed.len();
        for p in failed {
            self.pool.set_aside(p.data);
            self.pool.set_aside(p.indirect);
            p.done.finish(Err(err));
        }
        self.wake_waiters();
        n
    }

    /// After the backend closed: fails what is left with [`BlkError::Gone`] and hands back
    /// the ring's memory (for its owner to end the grants), then ends every buffer grant
    /// ([`Queue::end_grants`]).
    pub fn close(&mut self) -> Option<M> {
        self.fail(BlkError::Gone);
        let mem = self.ring.take().map(FrontRing::into_mem);
        self.end_grants();
        mem
    }

    /// Ends every buffer grant the queue holds; returns how many the backend still held
    /// (kept, and tried again on the next call).
    pub fn end_grants(&mut self) -> usize {
        self.pool.close()
    }
}
