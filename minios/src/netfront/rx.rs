//! The rx ring: kept full of buffer pages of ours, granted once and reused (never one grant
//! per packet). As in Linux's netfront, a request's id is its ring position: netback answers
//! rx requests in order, the response at position `i` filling the page of the request at
//! `i`, and extra-info slots (which carry no id) consume a request too. A page is posted
//! again as soon as its slot is read.
//!
//! A packet is one response, or several chained by `NETRXF_more_data`; its first may be
//! followed by extra-info slots (`NETRXF_extra_info`, then `XEN_NETIF_EXTRA_FLAG_MORE`).
//! Everything about a response is checked: its id against its position, its status, that
//! offset and size stay within the page, the packet's length against the frame size, its
//! slots against the bound. A bad slot spoils its packet, which is still consumed to its
//! end and then dropped and counted. Work per call is bounded.

use alloc::vec::Vec;

use zerocopy::{FromBytes, IntoBytes};

use super::features::PAGE;
use crate::abi::netif::{
    NetifExtraInfo, NetifRxRequest, NetifRxResponse, NETRXF_CSUM_BLANK, NETRXF_DATA_VALIDATED,
    NETRXF_EXTRA_INFO, NETRXF_GSO_PREFIX, NETRXF_MORE_DATA, XEN_NETIF_EXTRA_FLAG_MORE,
    XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_TYPE_HASH,
};
use crate::blkfront::bufpool::{BufPage, BufPool, Granter};
use crate::grant::GrantError;
use crate::ring::{FrontRing, RingError, SharedMem};

/// The most extra-info slots one packet may carry (one of each type).
const MAX_EXTRAS: usize = 4;

/// Counters of an rx ring.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RxStats {
    /// Packets handed up.
    pub packets: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Slots (responses) taken, extra-info slots included.
    pub slots: u64,
    /// Extra-info slots skipped.
    pub extras: u64,
    /// Packets whose blank checksum we completed.
    pub csum_completed: u64,
    /// Packets dropped because a slot had a negative status (the backend's error).
    pub errors: u64,
    /// Packets dropped because a response's id was not its position's.
    pub bad_id: u64,
    /// Packets dropped because a slot's offset and size reached past its page.
    pub bad_slot: u64,
    /// Packets dropped for being longer than the frame size.
    pub too_long: u64,
    /// Packets dropped for having more slots than allowed.
    pub too_many_slots: u64,
    /// Packets dropped for a malformed extra-info chain or a GSO prefix slot.
    pub bad_extra: u64,
    /// Buffer pages posted now.
    pub posted: usize,
}

/// Why the packet being assembled will be dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spoiled {
    Error,
    BadId,
    BadSlot,
    TooLong,
    TooManySlots,
    BadExtra,
}

/// A received packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// The frame.
    pub data: Vec<u8>,
    /// The backend flagged its checksum blank (`NETRXF_csum_blank`).
    pub csum_blank: bool,
    /// The backend flagged its checksum validated (`NETRXF_data_validated`).
    pub validated: bool,
}

/// The packet being assembled.
#[derive(Default)]
struct Partial {
    data: Vec<u8>,
    flags: u16,
    slots: usize,
    extras: usize,
    extras_pending: bool,
    more: bool,
    spoiled: Option<Spoiled>,
}

/// One rx ring with its buffer pages.
pub struct Rx<M, G: Granter> {
    ring: Option<FrontRing<M, NetifRxRequest, NetifRxResponse>>,
    pool: BufPool<G>,
    slots: Vec<Option<G::Page>>,
    prod: u32,
    cons: u32,
    partial: Option<Partial>,
    /// A frame buffer handed back ([`Rx::recycle`]) for the next packet.
    spare: Vec<u8>,
    max_frame: usize,
    max_slots: usize,
    stats: RxStats,
}

impl<M: SharedMem, G: Granter> Rx<M, G> {
    /// An rx ring in `mem` (initialised here) with buffer pages from `pool`, accepting frames
    /// of at most `max_frame` bytes in at most `max_slots` data slots. Call [`Rx::fill`]
    /// before the backend connects.
    pub fn new(
        mem: M,
        pool: BufPool<G>,
        max_frame: usize,
        max_slots: usize,
    ) -> Result<Self, RingError> {
        let ring = FrontRing::new(mem)?;
        Ok(Self {
            slots: (0..ring.size()).map(|_| None).collect(),
            ring: Some(ring),
            pool,
            prod: 0,
            cons: 0,
            partial: None,
            spare: Vec::new(),
            max_frame,
            max_slots,
            stats: RxStats::default(),
        })
    }

    /// Counters.
    pub fn stats(&self) -> RxStats {
        RxStats {
            posted: self.slots.iter().filter(|s| s.is_some()).count(),
            ..self.stats
        }
    }

    fn mask(&self) -> u32 {
        self.slots.len() as u32 - 1
    }

    /// Queues `page` at the next position.
    fn post(&mut self, page: G::Page) {
        let Some(ring) = self.ring.as_mut() else {
            return;
        };
        let at = self.prod & (self.slots.len() as u32 - 1);
        let req = NetifRxRequest {
            id: at as u16,
            pad: 0,
            gref: page.gref(),
        };
        if ring.queue_request(&req) {
            self.slots[at as usize] = Some(page);
            self.prod = self.prod.wrapping_add(1);
        } else {
            self.pool.give([page]);
        }
    }

    /// Posts pages until the ring is full (or the pool is out of pages); returns whether the
    /// backend asked to be notified.
    pub fn fill(&mut self) -> Result<bool, GrantError> {
        let free = self.ring.as_ref().map_or(0, |r| r.free_requests() as usize);
        let mut err = None;
        for _ in 0..free {
            match self.pool.take_one(true) {
                Ok(Some(page)) => self.post(page),
                Ok(None) => break,
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
        let kick = self.publish();
        match err {
            Some(e) if !kick && self.stats().posted == 0 => Err(e),
            _ => Ok(kick),
        }
    }

    fn publish(&mut self) -> bool {
        self.ring.as_mut().is_some_and(FrontRing::publish)
    }

    /// Takes responses until a whole packet is assembled or none is left (at most a ring's
    /// worth per call); reposts every page read. Returns the packet, if a good one is
    /// complete, and whether the backend asked to be notified of the reposted pages.
    pub fn receive(&mut self) -> Result<(Option<Packet>, bool), RingError> {
        let mut out = None;
        for _ in 0..self.slots.len() {
            let Some(ring) = self.ring.as_mut() else {
                break;
            };
            let rsp = match ring.take_response()? {
                Some(r) => r,
                None if ring.final_check_for_responses()? => continue,
                None => break,
            };
            let at = self.cons & self.mask();
            self.cons = self.cons.wrapping_add(1);
            self.stats.slots += 1;
            let page = self.slots[at as usize].take();
            let p = self.partial.get_or_insert_with(|| Partial {
                data: core::mem::take(&mut self.spare),
                ..Partial::default()
            });
            if p.extras_pending {
                let extra = NetifExtraInfo::read_from_bytes(rsp.as_bytes()).unwrap_or_default();
                self.stats.extras += 1;
                p.extras += 1;
                p.extras_pending = extra.flags & XEN_NETIF_EXTRA_FLAG_MORE != 0;
                let known = matches!(
                    extra.r#type,
                    XEN_NETIF_EXTRA_TYPE_GSO..=XEN_NETIF_EXTRA_TYPE_HASH
                );
                if !known || p.extras > MAX_EXTRAS {
                    p.spoiled.get_or_insert(Spoiled::BadExtra);
                }
            } else {
                let first = p.slots == 0;
                p.slots += 1;
                if first {
                    p.flags = rsp.flags;
                    p.extras_pending = rsp.flags & NETRXF_EXTRA_INFO != 0;
                    if rsp.flags & NETRXF_GSO_PREFIX != 0 {
                        p.spoiled.get_or_insert(Spoiled::BadExtra);
                    }
                }
                p.more = rsp.flags & NETRXF_MORE_DATA != 0;
                let off = usize::from(rsp.offset);
                let len = usize::try_from(rsp.status).unwrap_or(0);
                let bad = if rsp.id as u32 != at {
                    Some(Spoiled::BadId)
                } else if rsp.status < 0 {
                    Some(Spoiled::Error)
                } else if off + len > PAGE {
                    Some(Spoiled::BadSlot)
                } else if p.slots > self.max_slots {
                    Some(Spoiled::TooManySlots)
                } else if p.data.len() + len > self.max_frame {
                    Some(Spoiled::TooLong)
                } else {
                    None
                };
                if let Some(b) = bad {
                    p.spoiled.get_or_insert(b);
                }
                if let (None, Some(page)) = (p.spoiled, page.as_ref()) {
                    let start = p.data.len();
                    p.data.resize(start + len, 0);
                    page.read(off, &mut p.data[start..]);
                }
            }
            if let Some(page) = page {
                self.post(page);
            }
            let done = self
                .partial
                .as_ref()
                .is_some_and(|p| p.slots > 0 && !p.more && !p.extras_pending);
            if done {
                if let Some(p) = self.partial.take() {
                    out = self.finish(p);
                    if out.is_some() {
                        break;
                    }
                }
            }
        }
        let kick = self.publish();
        Ok((out, kick))
    }

    /// Keeps `frame`'s buffer (a packet's, once read) for the next packet, if it is larger
    /// than the one kept.
    pub fn recycle(&mut self, mut frame: Vec<u8>) {
        if frame.capacity() > self.spare.capacity() {
            frame.clear();
            self.spare = frame;
        }
    }

    /// A complete packet: counted, and handed up unless spoiled (a spoiled one's buffer is
    /// kept for the next).
    fn finish(&mut self, p: Partial) -> Option<Packet> {
        let s = &mut self.stats;
        let counter = match p.spoiled {
            None if p.data.is_empty() => &mut s.errors,
            None => {
                s.packets += 1;
                s.bytes += p.data.len() as u64;
                return Some(Packet {
                    data: p.data,
                    csum_blank: p.flags & NETRXF_CSUM_BLANK != 0,
                    validated: p.flags & NETRXF_DATA_VALIDATED != 0,
                });
            }
            Some(Spoiled::Error) => &mut s.errors,
            Some(Spoiled::BadId) => &mut s.bad_id,
            Some(Spoiled::BadSlot) => &mut s.bad_slot,
            Some(Spoiled::TooLong) => &mut s.too_long,
            Some(Spoiled::TooManySlots) => &mut s.too_many_slots,
            Some(Spoiled::BadExtra) => &mut s.bad_extra,
        };
        *counter += 1;
        self.recycle(p.data);
        None
    }

    /// Counts a completed checksum.
    pub fn count_csum_completed(&mut self) {
        self.stats.csum_completed += 1;
    }

    /// After the backend closed: hands back the ring's memory, takes back every posted page
    /// and ends every buffer grant it can; returns how many the backend still maps.
    pub fn close(&mut self) -> (usize, Option<M>) {
        let mem = self.ring.take().map(FrontRing::into_mem);
        let posted: Vec<_> = self.slots.iter_mut().filter_map(Option::take).collect();
        self.pool.set_aside(posted);
        (self.pool.close(), mem)
    }

    /// Ends the buffer grants still held; returns how many the backend still maps.
    pub fn end_grants(&mut self) -> usize {
        self.pool.close()
    }
}
