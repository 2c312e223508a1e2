//! The device over its queues, as a [`smoltcp::phy::Device`]: received frames are copied
//! out of the rx pages into the token, sent frames into the tx pages. Capabilities follow
//! what was negotiated: the MTU, and with checksum offload smoltcp leaves TCP and UDP
//! checksums to the backend on tx (it still verifies them on rx, where we complete blank
//! ones). Each queue is used for both directions; received packets are taken from the
//! queues in turn, at most [`RX_BURST`] per `Interface::poll`, so a flooding backend
//! cannot keep the stack from sending.

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::future::poll_fn;
use core::task::{Poll, Waker};

use smoltcp::phy::{self, Checksum, DeviceCapabilities, Medium};
use smoltcp::time::Instant;

use super::features::{Features, ETH_HEADER};
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
}

impl<M: SharedMem, G: Granter, K: Kick> NetDevice<M, G, K> {
    /// A device with `features` over `queues` (at least one).
    pub fn new(features: Features, queues: Vec<SharedQueue<M, G, K>>) -> Self {
        assert!(!queues.is_empty(), "a device has at least one queue");
        Self {
            features,
            queues,
            next: 0,
            burst: 0,
        }
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

    /// A queue that can send a full-size frame now.
    fn tx_queue(&self) -> Option<usize> {
        let len = self.tx_frame();
        (0..self.queues.len()).find(|&i| self.queues[i].lock().tx_ready(len))
    }

    /// Sends `frame` on the first queue with room.
    pub fn send_packet(&mut self, frame: &mut [u8]) -> Result<(), TxRefused> {
        let i = self.tx_queue().ok_or(TxRefused::Busy)?;
        self.queues[i].lock().send(frame)
    }
}

/// A received frame.
pub struct RxToken(Vec<u8>);

impl phy::RxToken for RxToken {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

/// Room to send one frame on a queue.
pub struct TxToken<'a, M, G: Granter, K> {
    queue: &'a spin::Mutex<Queue<M, G, K>>,
}

impl<M: SharedMem, G: Granter, K: Kick> phy::TxToken for TxToken<'_, M, G, K> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut buf = vec![0; len];
        let r = f(&mut buf);
        // A frame that cannot go is counted (`tx_dropped`), as a NIC drops it.
        let _ = self.queue.lock().send(&mut buf);
        r
    }
}

impl<M: SharedMem, G: Granter, K: Kick> phy::Device for NetDevice<M, G, K> {
    type RxToken<'a>
        = RxToken
    where
        Self: 'a;
    type TxToken<'a>
        = TxToken<'a, M, G, K>
    where
        Self: 'a;

    fn receive(&mut self, _: Instant) -> Option<(RxToken, TxToken<'_, M, G, K>)> {
        if self.burst >= RX_BURST {
            self.burst = 0;
            return None;
        }
        let Some((p, at)) = self.receive_packet() else {
            self.burst = 0;
            return None;
        };
        self.burst += 1;
        Some((
            RxToken(p.data),
            TxToken {
                queue: &self.queues[at],
            },
        ))
    }

    fn transmit(&mut self, _: Instant) -> Option<TxToken<'_, M, G, K>> {
        let i = self.tx_queue()?;
        Some(TxToken {
            queue: &self.queues[i],
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
        poll_fn(|cx| {
            let mut s = self.inner.lock();
            if core::mem::take(&mut s.0) {
                Poll::Ready(())
            } else {
                s.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }
}
