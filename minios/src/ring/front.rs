//! The front end of an `io/ring.h` request/response ring.

use core::marker::PhantomData;
use core::sync::atomic::{fence, Ordering};

use zerocopy::{FromBytes, Immutable, IntoBytes};

use super::{RingError, SharedMem};
use crate::abi::ring::{entry_size, ring_size, SRING_ENTRIES_OFFSET};

const REQ_PROD: usize = 0;
const REQ_EVENT: usize = 4;
const RSP_PROD: usize = 8;
const RSP_EVENT: usize = 12;

/// A frontend's view of a shared ring of requests `Req` and responses `Rsp` in `M` (one or
/// more pages, `struct X_sring`): a private request producer, the response consumer, and the
/// checks that keep a hostile backend from confusing us.
pub struct FrontRing<M, Req, Rsp> {
    mem: M,
    size: u32,
    entry: usize,
    req_prod_pvt: u32,
    req_published: u32,
    rsp_cons: u32,
    broken: Option<RingError>,
    _entries: PhantomData<(Req, Rsp)>,
}

impl<M, Req, Rsp> FrontRing<M, Req, Rsp>
where
    M: SharedMem,
    Req: IntoBytes + Immutable,
    Rsp: FromBytes + IntoBytes,
{
    /// Initialises the shared ring in `mem` (`SHARED_RING_INIT` and `FRONT_RING_INIT`): no
    /// requests or responses, both event indices 1. `mem` must not be granted to the backend
    /// yet, or the backend must not have started.
    pub fn new(mem: M) -> Result<Self, RingError> {
        let entry = entry_size::<Req, Rsp>();
        let size = ring_size(mem.len(), entry);
        if size == 0 {
            return Err(RingError::TooSmall { bytes: mem.len() });
        }
        for (off, value) in [(REQ_PROD, 0), (REQ_EVENT, 1), (RSP_PROD, 0), (RSP_EVENT, 1)] {
            mem.store_u32(off, value);
        }
        Ok(Self {
            mem,
            size: size as u32,
            entry,
            req_prod_pvt: 0,
            req_published: 0,
            rsp_cons: 0,
            broken: None,
            _entries: PhantomData,
        })
    }

    /// Gives the shared memory back, for its owner to end the grants once the peer let go.
    pub fn into_mem(self) -> M {
        self.mem
    }

    /// Entries in the ring (a power of two).
    pub fn size(&self) -> u32 {
        self.size
    }

    /// The shared memory.
    pub fn mem(&self) -> &M {
        &self.mem
    }

    /// Requests queued or published and not yet answered.
    pub fn outstanding(&self) -> u32 {
        self.req_prod_pvt.wrapping_sub(self.rsp_cons)
    }

    /// Slots free for new requests.
    pub fn free_requests(&self) -> u32 {
        self.size - self.outstanding()
    }

    /// The error that broke the ring, if one did.
    pub fn broken(&self) -> Option<RingError> {
        self.broken
    }

    fn slot(&self, idx: u32) -> usize {
        SRING_ENTRIES_OFFSET + (idx & (self.size - 1)) as usize * self.entry
    }

    /// Queues `req` in the next free slot (not yet visible to the backend: see
    /// [`FrontRing::publish`]). Returns `false` if the ring is full.
    pub fn queue_request(&mut self, req: &Req) -> bool {
        if self.free_requests() == 0 {
            return false;
        }
        self.mem.write(self.slot(self.req_prod_pvt), req.as_bytes());
        self.req_prod_pvt = self.req_prod_pvt.wrapping_add(1);
        true
    }

    /// Publishes the queued requests (`RING_PUSH_REQUESTS_AND_CHECK_NOTIFY`); returns whether
    /// the backend asked to be notified of them.
    pub fn publish(&mut self) -> bool {
        let old = self.req_published;
        let new = self.req_prod_pvt;
        if old == new {
            return false;
        }
        // Release: the entries are visible before the index that covers them.
        self.mem.store_u32(REQ_PROD, new);
        self.req_published = new;
        // Full barrier: the index is published before we read the backend's event index.
        fence(Ordering::SeqCst);
        let event = self.mem.load_u32(REQ_EVENT);
        new.wrapping_sub(event) < new.wrapping_sub(old)
    }

    /// Responses produced and not yet taken, checked against what we asked for.
    fn unconsumed(&mut self) -> Result<u32, RingError> {
        if let Some(e) = self.broken {
            return Err(e);
        }
        let rsp_prod = self.mem.load_u32(RSP_PROD);
        let ready = rsp_prod.wrapping_sub(self.rsp_cons);
        let outstanding = self.req_published.wrapping_sub(self.rsp_cons);
        if ready > outstanding {
            let e = RingError::ResponsesAhead {
                rsp_prod,
                rsp_cons: self.rsp_cons,
                outstanding,
            };
            self.broken = Some(e);
            return Err(e);
        }
        Ok(ready)
    }

    /// Takes the next response, if the backend produced one.
    pub fn take_response(&mut self) -> Result<Option<Rsp>, RingError> {
        if self.unconsumed()? == 0 {
            return Ok(None);
        }
        let mut rsp = Rsp::new_zeroed();
        self.mem.read(self.slot(self.rsp_cons), rsp.as_mut_bytes());
        self.rsp_cons = self.rsp_cons.wrapping_add(1);
        Ok(Some(rsp))
    }

    /// Whether more responses are ready; if none, asks the backend to notify us at the next
    /// one and checks again (`RING_FINAL_CHECK_FOR_RESPONSES`), so a response that races the
    /// request for notification is never missed.
    pub fn final_check_for_responses(&mut self) -> Result<bool, RingError> {
        if self.unconsumed()? > 0 {
            return Ok(true);
        }
        self.mem.store_u32(RSP_EVENT, self.rsp_cons.wrapping_add(1));
        // Full barrier: our event index is visible before we re-read the producer.
        fence(Ordering::SeqCst);
        Ok(self.unconsumed()? > 0)
    }
}
