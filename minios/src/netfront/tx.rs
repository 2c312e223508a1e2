//! The tx ring: a packet is copied into buffer pages of ours that stay granted (reused,
//! never one grant per packet) and described by one request per page, the first carrying
//! the packet's whole size, all but the last `NETTXF_more_data`. Each request has its own
//! id ([`InFlight`]); netback answers every request, in any order.
//!
//! A response naming an id that is not in flight is counted and dropped. If the ring has no
//! request left unanswered while ids are still in flight, the backend lied about those ids:
//! their pages are taken back (counted as orphans), so a lying backend cannot starve us.

use alloc::vec::Vec;

use super::features::PAGE;
use crate::abi::netif::{
    NetifTxRequest, NetifTxResponse, NETIF_RSP_DROPPED, NETIF_RSP_ERROR, NETIF_RSP_NULL,
    NETIF_RSP_OKAY, NETTXF_MORE_DATA,
};
use crate::blkfront::bufpool::{BufPage, BufPool, Granter};
use crate::grant::GrantError;
use crate::ring::{FrontRing, InFlight, RingError, SharedMem};

/// Counters of a tx ring.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TxStats {
    /// Packets queued.
    pub packets: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Slots (requests) they took.
    pub slots: u64,
    /// Of the packets, those sent with a blank checksum for the backend to fill in.
    pub csum_blank: u64,
    /// Responses with `NETIF_RSP_ERROR` or `NETIF_RSP_DROPPED`.
    pub errors: u64,
    /// Responses naming an id not in flight (dropped).
    pub bad_id: u64,
    /// Responses with a status that is no `NETIF_RSP_*` value (counted as answered).
    pub bad_status: u64,
    /// Pages taken back from ids the backend never answered although the ring was empty.
    pub orphans: u64,
    /// Packets refused because they were larger than the device allows.
    pub too_big: u64,
    /// Requests in flight now.
    pub in_flight: usize,
}

/// Why a packet was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxRefused {
    /// Larger than the negotiated frame size or slot count.
    TooBig,
    /// No room on the ring or in the pool now: try again after responses came back.
    Busy,
    /// Granting a page failed.
    Grant(GrantError),
    /// The ring is broken.
    Ring(RingError),
    /// The device is closing: no new packets (those in flight may still be answered).
    Stopped,
}

/// One tx ring with its buffer pages.
pub struct Tx<M, G: Granter> {
    ring: Option<FrontRing<M, NetifTxRequest, NetifTxResponse>>,
    pool: BufPool<G>,
    inflight: InFlight<G::Page>,
    /// The pages of the packet being queued (kept, so that sending allocates nothing).
    pages: Vec<G::Page>,
    max_frame: usize,
    max_slots: usize,
    stats: TxStats,
}

/// Slots a frame of `len` bytes takes.
pub fn slots_for(len: usize) -> usize {
    len.div_ceil(PAGE).max(1)
}

impl<M: SharedMem, G: Granter> Tx<M, G> {
    /// A tx ring in `mem` (initialised here) with buffer pages from `pool`, sending frames
    /// of at most `max_frame` bytes in at most `max_slots` slots.
    pub fn new(
        mem: M,
        pool: BufPool<G>,
        max_frame: usize,
        max_slots: usize,
    ) -> Result<Self, RingError> {
        let ring = FrontRing::new(mem)?;
        Ok(Self {
            inflight: InFlight::new(ring.size()),
            ring: Some(ring),
            pool,
            pages: Vec::with_capacity(max_slots),
            max_frame,
            max_slots,
            stats: TxStats::default(),
        })
    }

    /// Counters.
    pub fn stats(&self) -> TxStats {
        TxStats {
            in_flight: self.inflight.len(),
            ..self.stats
        }
    }

    /// Whether a frame of `len` bytes could be queued now (after taking the responses).
    pub fn ready(&mut self, len: usize) -> Result<bool, RingError> {
        self.reclaim()?;
        let n = slots_for(len);
        Ok(self.ring.as_ref().is_some_and(|r| {
            let ids = r.size() as usize - self.inflight.len();
            r.free_requests() as usize >= n && ids >= n && self.pool.available() >= n
        }))
    }

    /// Queues `frame` with `flags` (`NETTXF_csum_blank`, `NETTXF_data_validated`) on its
    /// first slot; returns whether the backend asked to be notified.
    pub fn send(&mut self, frame: &[u8], flags: u16) -> Result<bool, TxRefused> {
        let n = slots_for(frame.len());
        if frame.len() > self.max_frame || n > self.max_slots {
            self.stats.too_big += 1;
            return Err(TxRefused::TooBig);
        }
        if !self.ready(frame.len()).map_err(TxRefused::Ring)? {
            return Err(TxRefused::Busy);
        }
        let Some(ring) = self.ring.as_mut() else {
            return Err(TxRefused::Busy);
        };
        // All of the packet's pages first, so that a failed grant queues none of it.
        while self.pages.len() < n {
            match self.pool.take_one(false) {
                Ok(Some(p)) => self.pages.push(p),
                Ok(None) => {
                    self.pool.give(self.pages.drain(..));
                    return Err(TxRefused::Busy);
                }
                Err(e) => {
                    self.pool.give(self.pages.drain(..));
                    return Err(TxRefused::Grant(e));
                }
            }
        }
        // An empty frame is one empty slot (netback answers it with an error): its page must
        // not fall out of the zip.
        let chunks = frame.chunks(PAGE).chain(core::iter::once(&[][..])).take(n);
        for (i, (page, chunk)) in self.pages.drain(..).zip(chunks).enumerate() {
            page.write(0, chunk);
            let gref = page.gref();
            // `ready` checked there are ids for every slot; were there none, the page would
            // just go back.
            let Some(id) = self.inflight.issue(page) else {
                continue;
            };
            let more = if i + 1 < n { NETTXF_MORE_DATA } else { 0 };
            let req = NetifTxRequest {
                gref,
                offset: 0,
                flags: more | if i == 0 { flags } else { 0 },
                id: id as u16,
                size: if i == 0 { frame.len() } else { chunk.len() } as u16,
            };
            ring.queue_request(&req);
        }
        self.stats.packets += 1;
        self.stats.bytes += frame.len() as u64;
        self.stats.slots += n as u64;
        self.stats.csum_blank += u64::from(flags & crate::abi::netif::NETTXF_CSUM_BLANK != 0);
        Ok(ring.publish())
    }

    /// Takes every response and gives their pages back; returns how many.
    pub fn reclaim(&mut self) -> Result<usize, RingError> {
        let Some(ring) = self.ring.as_mut() else {
            return Ok(0);
        };
        let mut n = 0;
        loop {
            let rsp = match ring.take_response()? {
                Some(r) => r,
                None if ring.final_check_for_responses()? => continue,
                None => break,
            };
            n += 1;
            match self.inflight.complete(u64::from(rsp.id)) {
                Ok(page) => self.pool.give([page]),
                Err(_) => {
                    self.stats.bad_id += 1;
                    continue;
                }
            }
            match rsp.status {
                NETIF_RSP_OKAY | NETIF_RSP_NULL => {}
                NETIF_RSP_ERROR | NETIF_RSP_DROPPED => self.stats.errors += 1,
                _ => self.stats.bad_status += 1,
            }
        }
        if ring.outstanding() == 0 && !self.inflight.is_empty() {
            let orphans: Vec<_> = self.inflight.drain().collect();
            self.stats.orphans += orphans.len() as u64;
            self.pool.give(orphans);
        }
        Ok(n)
    }

    /// After the backend closed: forgets what is in flight (returns how many requests),
    /// hands back the ring's memory and ends every buffer grant it can.
    pub fn close(&mut self) -> (usize, Option<M>) {
        let failed: Vec<_> = self.inflight.drain().collect();
        let n = failed.len();
        self.pool.set_aside(failed);
        let mem = self.ring.take().map(FrontRing::into_mem);
        self.pool.close();
        (n, mem)
    }

    /// Ends the buffer grants still held; returns how many the backend still maps.
    pub fn end_grants(&mut self) -> usize {
        self.pool.close()
    }
}
