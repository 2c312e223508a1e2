//! One queue: a tx ring and an rx ring, their buffer pages and event channel(s). A ring
//! index the backend got wrong breaks the queue ([`NetError::Ring`]); everything else it
//! gets wrong is counted and dropped.

use alloc::vec::Vec;

use super::csum;
use super::rx::{Packet, Rx, RxStats};
use super::tx::{Tx, TxRefused, TxStats};
use super::NetError;
use crate::abi::netif::{NETTXF_CSUM_BLANK, NETTXF_DATA_VALIDATED};
use crate::blkfront::bufpool::{BufPool, Granter};
use crate::ring::{RingError, SharedMem};

pub use crate::blkfront::queue::Kick;

/// Counters of a queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueStats {
    /// The tx ring's.
    pub tx: TxStats,
    /// The rx ring's.
    pub rx: RxStats,
    /// Packets the device could not queue (no room, or a grant failed) and dropped.
    pub tx_dropped: u64,
    /// Notifications sent to the backend.
    pub kicks: u64,
}

/// A queue's parts, for [`Queue::new`].
pub struct QueueParts<M, G: Granter, K> {
    /// Memory of the tx ring (not yet shared).
    pub tx_mem: M,
    /// Memory of the rx ring (not yet shared).
    pub rx_mem: M,
    /// Buffer pages for tx (at most one per tx slot is useful).
    pub tx_pool: BufPool<G>,
    /// Buffer pages for rx (one per rx slot is posted).
    pub rx_pool: BufPool<G>,
    /// Notifies the backend of tx requests.
    pub tx_kick: K,
    /// Notifies the backend of rx requests (the same channel without split event channels).
    pub rx_kick: K,
}

/// One tx and rx ring pair.
pub struct Queue<M, G: Granter, K> {
    tx: Tx<M, G>,
    rx: Rx<M, G>,
    tx_kick: K,
    rx_kick: K,
    csum: bool,
    broken: Option<NetError>,
    tx_stopped: bool,
    stats: QueueStats,
}

impl<M: SharedMem, G: Granter, K: Kick> Queue<M, G, K> {
    /// A queue over `parts` receiving frames of at most `rx_frame` bytes and sending frames
    /// of at most `tx_frame`, each in at most `max_slots` slots, with checksum offload if
    /// `csum`; its rx ring is filled here (before the backend sees it).
    pub fn new(
        parts: QueueParts<M, G, K>,
        rx_frame: usize,
        tx_frame: usize,
        max_slots: usize,
        csum: bool,
    ) -> Result<Self, NetError> {
        let tx = Tx::new(parts.tx_mem, parts.tx_pool, tx_frame, max_slots)?;
        let mut rx = Rx::new(parts.rx_mem, parts.rx_pool, rx_frame, max_slots)?;
        rx.fill()?;
        Ok(Self {
            tx,
            rx,
            tx_kick: parts.tx_kick,
            rx_kick: parts.rx_kick,
            csum,
            broken: None,
            tx_stopped: false,
            stats: QueueStats::default(),
        })
    }

    /// Counters.
    pub fn stats(&self) -> QueueStats {
        QueueStats {
            tx: self.tx.stats(),
            rx: self.rx.stats(),
            ..self.stats
        }
    }

    /// Why the queue stopped working, if it did.
    pub fn broken(&self) -> Option<NetError> {
        self.broken
    }

    fn ring<T>(&mut self, r: Result<T, RingError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                if self.broken.is_none() {
                    log::error!("netfront: {e}; the queue stops");
                    self.broken = Some(NetError::Ring(e));
                }
                None
            }
        }
    }

    /// Takes no new packets from now on (the device is closing); the responses to those in
    /// flight are still taken ([`Queue::reclaim`]).
    pub fn stop_tx(&mut self) {
        self.tx_stopped = true;
    }

    /// Whether a frame of `len` bytes could be sent now.
    pub fn tx_ready(&mut self, len: usize) -> bool {
        if self.broken.is_some() || self.tx_stopped {
            return false;
        }
        let r = self.tx.ready(len);
        self.ring(r).unwrap_or(false)
    }

    /// Sends `frame` (its TCP or UDP checksum left for the backend if checksum offload was
    /// negotiated; the frame is modified for that). A frame that cannot be sent is counted
    /// and dropped, as a NIC drops what it has no room for.
    pub fn send(&mut self, frame: &mut [u8]) -> Result<(), TxRefused> {
        if let Some(NetError::Ring(e)) = self.broken {
            return Err(TxRefused::Ring(e));
        }
        if self.tx_stopped || self.broken.is_some() {
            self.stats.tx_dropped += 1;
            return Err(TxRefused::Stopped);
        }
        let flags = if self.csum && csum::fill_partial(frame) {
            NETTXF_CSUM_BLANK | NETTXF_DATA_VALIDATED
        } else {
            0
        };
        match self.tx.send(frame, flags) {
            Ok(kick) => {
                if kick {
                    self.stats.kicks += 1;
                    self.tx_kick.kick();
                }
                Ok(())
            }
            Err(e) => {
                if let TxRefused::Ring(r) = e {
                    let _ = self.ring::<()>(Err(r));
                }
                self.stats.tx_dropped += 1;
                Err(e)
            }
        }
    }

    /// The next received packet, if one is complete (its blank checksum completed).
    pub fn receive(&mut self) -> Option<Packet> {
        if self.broken.is_some() {
            return None;
        }
        let r = self.rx.receive();
        let (packet, kick) = self.ring(r)?;
        if kick {
            self.stats.kicks += 1;
            self.rx_kick.kick();
        }
        let mut packet = packet?;
        if packet.csum_blank && csum::complete(&mut packet.data) {
            self.rx.count_csum_completed();
        }
        Some(packet)
    }

    /// Keeps a received packet's buffer, once read, for the next packet.
    pub fn recycle(&mut self, frame: Vec<u8>) {
        self.rx.recycle(frame);
    }

    /// Takes the tx responses (their pages come back).
    pub fn reclaim(&mut self) {
        if self.broken.is_none() {
            let r = self.tx.reclaim();
            self.ring(r);
        }
    }

    /// After the backend closed: stops the queue, hands back both rings' memory (for their
    /// owner to end the grants) and ends every buffer grant it can. Returns how many tx
    /// requests were still in flight (those packets are lost) and the rings' memory.
    pub fn close(&mut self) -> (usize, Vec<M>) {
        self.broken.get_or_insert(NetError::Gone);
        let (failed, tx) = self.tx.close();
        let (_, rx) = self.rx.close();
        (failed, tx.into_iter().chain(rx).collect())
    }

    /// Ends the buffer grants still held; returns how many the backend still maps.
    pub fn end_grants(&mut self) -> usize {
        self.tx.end_grants() + self.rx.end_grants()
    }
}
