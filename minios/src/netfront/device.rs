//! The device over its queues, as a [`smoltcp::phy::Device`]: received frames are copied
//! out of the rx pages into the token, sent frames into the tx pages. Capabilities follow
//! what was negotiated: the MTU, and with checksum offload smoltcp leaves TCP and UDP
//! checksums to the backend on tx (it still verifies them on rx, where we complete blank
//! ones). Received packets are taken from the queues in turn, at most [`RX_BURST`] per
//! `Interface::poll`, so a flooding backend cannot keep the stack from sending. Sent frames
//! go on the queue of their flow ([`flow`](super::flow)), so one TCP stream stays in order;
//! smoltcp is offered room to send only while every queue has room for a full frame (and the
//! device remembers when it had to refuse, so that the stack waits for the backend instead of
//! polling again at once). A frame is built in one buffer the device keeps, then copied into
//! the tx pages; a received frame's buffer goes back to its queue for the next one (no
//! allocation per packet either way).

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::future::poll_fn;
use core::task::{Context, Poll, Waker};

use smoltcp::phy::{self, Checksum, DeviceCapabilities, Medium};
use smoltcp::time::Instant;

use super::features::{Features, ETH_HEADER};
use super::flow;
use super::queue::{Kick, Queue, QueueStats};
use super::rx::Packet;
use super::tx::TxRefused;
use super::NetError;
use crate::blkfront::bufpool::Granter;
use crate::ring::SharedMem;

/// Received packets handed to smoltcp per `receive` burst.
pub const RX_BURST: usize = 64;

/// A queue shared between the device and the code that closes it.
pub type SharedQueue<M, G, K> = Arc<spin::Mutex<Queue<M, G, K>>>;

/// A connected network device: its features and queues.
pub struct NetDevice<M, G: Granter, K> {
    features: Features,
    queues: Vec<SharedQueue<M, G, K>>,
    next: usize,
    burst: usize,
    /// Where smoltcp builds the frame it sends.
    scratch: Vec<u8>,
    /// smoltcp had a frame to send and no queue room was offered.
    tx_refused: bool,
}

impl<M: SharedMem, G: Granter, K: Kick> NetDevice<M, G, K> {
    /// A device with `features` over `queues` (at least one).
    pub fn new(features: Features, queues: Vec<SharedQueue<M, G, K>>) -> Self {
        assert!(!queues.is_empty(), "a device has at least one queue");
        Self {
            scratch: vec![0; usize::from(features.mtu) + ETH_HEADER],
            features,
            queues,
            next: 0,
            burst: 0,
            tx_refused: false,
        }
    }

    /// Whether smoltcp was refused room to send since the last call (the tx ring was full:
    /// the backend's tx responses, which signal the event channel, make room).
    pub fn take_tx_refused(&mut self) -> bool {
        core::mem::take(&mut self.tx_refused)
    }

    /// What was negotiated.
    pub fn features(&self) -> &Features {
        &self.features
    }

    /// The queues.
    pub fn queues(&self) -> &[SharedQueue<M, G, K>] {
        &self.queues
    }

    /// Counters of each queue.
    pub fn stats(&self) -> Vec<QueueStats> {
        self.queues.iter().map(|q| q.lock().stats()).collect()
    }

    /// Why the device stopped working, if a queue did.
    pub fn broken(&self) -> Option<NetError> {
        self.queues.iter().find_map(|q| q.lock().broken())
    }

    /// The largest frame smoltcp may send: the MTU and the Ethernet header.
    fn tx_frame(&self) -> usize {
        usize::from(self.features.mtu) + ETH_HEADER
    }

    /// The next received packet, from the queues in turn.
    pub fn receive_packet(&mut self) -> Option<(Packet, usize)> {
        let n = self.queues.len();
        for i in 0..n {
            let at = (self.next + i) % n;
            if let Some(p) = self.queues[at].lock().receive() {
                self.next = (at + 1) % n;
                return Some((p, at));
            }
        }
        None
    }

    /// Whether every queue can send a full-size frame now (so whatever flow smoltcp sends
    /// next has room).
    fn tx_ready(&self) -> bool {
        let len = self.tx_frame();
        self.queues.iter().all(|q| q.lock().tx_ready(len))
    }

    /// Sends `frame` on the queue of its flow.
    pub fn send_packet(&mut self, frame: &mut [u8]) -> Result<(), TxRefused> {
        send(&self.queues, frame)
    }
}

/// Sends `frame` on the queue of its flow.
fn send<M: SharedMem, G: Granter, K: Kick>(
    queues: &[SharedQueue<M, G, K>],
    frame: &mut [u8],
) -> Result<(), TxRefused> {
    queues[flow::queue_for(frame, queues.len())]
        .lock()
        .send(frame)
}

/// A received frame, whose buffer goes back to its queue once smoltcp has read it.
pub struct RxToken<'a, M, G: Granter, K> {
    frame: Vec<u8>,
    queue: &'a SharedQueue<M, G, K>,
}

impl<M: SharedMem, G: Granter, K: Kick> phy::RxToken for RxToken<'_, M, G, K> {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        let r = f(&self.frame);
        self.queue.lock().recycle(self.frame);
        r
    }
}

/// Room to send one frame, on the queue its flow picks.
pub struct TxToken<'a, M, G: Granter, K> {
    queues: &'a [SharedQueue<M, G, K>],
    scratch: &'a mut Vec<u8>,
}

impl<M: SharedMem, G: Granter, K: Kick> phy::TxToken for TxToken<'_, M, G, K> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        if self.scratch.len() < len {
            // Past the MTU smoltcp was given: grows once, and the queue refuses it as too big.
            self.scratch.resize(len, 0);
        }
        let buf = &mut self.scratch[..len];
        buf.fill(0);
        let r = f(buf);
        // A frame that cannot go is counted (`tx_dropped`), as a NIC drops it.
        let _ = send(self.queues, buf);
        r
    }
}

impl<M: SharedMem, G: Granter, K: Kick> phy::Device for NetDevice<M, G, K> {
    type RxToken<'a>
        = RxToken<'a, M, G, K>
    where
        Self: 'a;
    type TxToken<'a>
        = TxToken<'a, M, G, K>
    where
        Self: 'a;

    fn receive(&mut self, _: Instant) -> Option<(RxToken<'_, M, G, K>, TxToken<'_, M, G, K>)> {
        if self.burst >= RX_BURST {
            self.burst = 0;
            return None;
        }
        let Some((p, at)) = self.receive_packet() else {
            self.burst = 0;
            return None;
        };
        self.burst += 1;
        let rx = RxToken {
            frame: p.data,
            queue: &self.queues[at],
        };
        let tx = TxToken {
            queues: &self.queues,
            scratch: &mut self.scratch,
        };
        Some((rx, tx))
    }

    fn transmit(&mut self, _: Instant) -> Option<TxToken<'_, M, G, K>> {
        if !self.tx_ready() {
            self.tx_refused = true;
            return None;
        }
        Some(TxToken {
            queues: &self.queues,
            scratch: &mut self.scratch,
        })
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ethernet;
        caps.max_transmission_unit = self.tx_frame();
        if self.features.csum {
            caps.checksum.tcp = Checksum::Rx;
            caps.checksum.udp = Checksum::Rx;
        }
        caps
    }
}

/// A notification that a device's event channel fired, for the task that polls the
/// interface to wait on.
#[derive(Default)]
pub struct Signal {
    inner: spin::Mutex<(bool, Option<Waker>)>,
}

impl Signal {
    /// A signal not yet raised.
    pub fn new() -> Arc<Self> {
        Arc::default()
    }

    /// Raises the signal and wakes its waiter.
    pub fn notify(&self) {
        let waker = {
            let mut s = self.inner.lock();
            s.0 = true;
            s.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Waits until the signal was raised (since the last wait), and lowers it.
    pub async fn wait(&self) {
        poll_fn(|cx| self.poll_raised(cx)).await
    }

    /// Ready (and lowered) if the signal was raised since the last wait; otherwise `cx`'s
    /// task is woken when it is.
    pub fn poll_raised(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.inner.lock();
        if core::mem::take(&mut s.0) {
            Poll::Ready(())
        } else {
            s.1 = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}
