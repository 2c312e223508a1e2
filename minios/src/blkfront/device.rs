//! The device's requests over its queues: reads and writes split into requests of at most
//! [`Features::segments_per_request`] pages, spread over the queues and all in flight at once;
//! flushes and discards. Positions and sizes are in logical sectors of the device.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::poll_fn;
use core::ops::Range;
use core::task::Poll;

use super::bufpool::{BufPage, Granter};
use super::features::{Features, Flush};
use super::queue::{Done, Io, Kick, Queue, QueueStats};
use super::request::{page_lengths, PAGE};
use super::{BlkError, Op};
use crate::abi::blkif::{BLKIF_OP_FLUSH_DISKCACHE, BLKIF_OP_WRITE_BARRIER};
use crate::ring::SharedMem;

/// A queue shared between the device and its event handler.
pub type SharedQueue<M, G, K> = Arc<spin::Mutex<Queue<M, G, K>>>;

/// A connected block device: its features and queues.
pub struct Device<M, G: Granter, K> {
    features: Features,
    queues: Vec<SharedQueue<M, G, K>>,
}

/// A request in flight for one caller; dropping it (the caller gave up) gives back the
/// pages of a read that completed meanwhile.
struct Flight<'q, M: SharedMem, G: Granter, K: Kick> {
    queue: &'q spin::Mutex<Queue<M, G, K>>,
    done: Arc<Done<G::Page>>,
    range: Range<usize>,
}

impl<M: SharedMem, G: Granter, K: Kick> Drop for Flight<'_, M, G, K> {
    fn drop(&mut self) {
        if let Some(Ok(pages)) = self.done.take() {
            if !pages.is_empty() {
                self.queue.lock().give(pages);
            }
        }
    }
}

impl<M: SharedMem, G: Granter, K: Kick> Device<M, G, K> {
    /// A device with `features` over `queues` (at least one).
    pub fn new(features: Features, queues: Vec<SharedQueue<M, G, K>>) -> Self {
        assert!(!queues.is_empty(), "a device has at least one queue");
        Self { features, queues }
    }

    /// What the device negotiated.
    pub fn features(&self) -> &Features {
        &self.features
    }

    /// Bytes per logical sector.
    pub fn sector_size(&self) -> u32 {
        self.features.sector_size
    }

    /// The disk's size in logical sectors.
    pub fn sectors(&self) -> u64 {
        self.features.logical_sectors()
    }

    /// The queues (for the event handlers and statistics).
    pub fn queues(&self) -> &[SharedQueue<M, G, K>] {
        &self.queues
    }

    /// Counters of each queue.
    pub fn stats(&self) -> Vec<QueueStats> {
        self.queues.iter().map(|q| q.lock().stats()).collect()
    }

    /// Requests in flight over all queues.
    pub fn in_flight(&self) -> usize {
        self.queues.iter().map(|q| q.lock().in_flight()).sum()
    }

    /// Fails every request in flight with `err` and refuses new ones; returns how many
    /// requests failed.
    pub fn fail(&self, err: BlkError) -> usize {
        self.queues.iter().map(|q| q.lock().fail(err)).sum()
    }

    /// Checks a request of `len` bytes at logical sector `lba`; returns its 512-byte sector.
    fn check(&self, lba: u64, len: u64, write: bool) -> Result<u64, BlkError> {
        let ss = u64::from(self.features.sector_size);
        if write {
            if let Some(e) = self.features.write_refusal() {
                return Err(e);
            }
        }
        if !len.is_multiple_of(ss) {
            return Err(BlkError::Misaligned {
                sector_size: self.features.sector_size,
            });
        }
        let count = len / ss;
        let sectors = self.sectors();
        if lba.checked_add(count).is_none_or(|end| end > sectors) {
            return Err(BlkError::OutOfRange {
                sector: lba,
                count,
                sectors,
            });
        }
        Ok(lba * (ss / 512))
    }

    /// Bytes one request carries at most: its segments, within what one queue's pool lends.
    fn chunk_bytes(&self) -> usize {
        let segs = self.features.segments_per_request() as usize;
        let limit = self.queues[0].lock().page_limit();
        // Leave room for the indirect page.
        segs.min(limit.saturating_sub(1)).max(1) * PAGE
    }

    /// The queue with the fewest requests in flight.
    fn pick(&self) -> &spin::Mutex<Queue<M, G, K>> {
        self.queues
            .iter()
            .min_by_key(|q| q.lock().in_flight())
            .expect("a device has at least one queue")
    }

    /// Reads `buf.len()` bytes (whole sectors) at logical sector `lba`.
    pub async fn read(&self, lba: u64, buf: &mut [u8]) -> Result<(), BlkError> {
        let sector = self.check(lba, buf.len() as u64, false)?;
        self.transfer(sector, Dir::Read(buf)).await
    }

    /// Writes `data` (whole sectors) at logical sector `lba`. Refused on read-only disks
    /// and CD-ROMs.
    pub async fn write(&self, lba: u64, data: &[u8]) -> Result<(), BlkError> {
        let sector = self.check(lba, data.len() as u64, true)?;
        self.transfer(sector, Dir::Write(data)).await
    }

    async fn transfer(&self, sector: u64, mut dir: Dir<'_>) -> Result<(), BlkError> {
        let len = dir.len();
        let chunk = self.chunk_bytes();
        let mut next = 0;
        let mut flights: Vec<Flight<'_, M, G, K>> = Vec::new();
        poll_fn(|cx| {
            // Queue what fits first, then poll every flight, the new ones too: polling is
            // what registers our waker with a request, so a request queued after the
            // flights were polled would complete without waking us.
            while next < len {
                let range = next..(next + chunk).min(len);
                let at = sector + (next / 512) as u64;
                let io = match &dir {
                    Dir::Read(_) => Io::Read {
                        sector: at,
                        len: range.len(),
                    },
                    Dir::Write(data) => Io::Write {
                        sector: at,
                        data: &data[range.clone()],
                    },
                };
                let queue = self.pick();
                match queue.lock().try_submit(&io, cx.waker()) {
                    Poll::Ready(Ok(done)) => flights.push(Flight { queue, done, range }),
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => break,
                }
                next += chunk;
            }
            let mut failed = None;
            flights.retain_mut(|f| match f.done.poll(cx.waker()) {
                Poll::Pending => true,
                Poll::Ready(Ok(pages)) => {
                    if let Dir::Read(buf) = &mut dir {
                        let out = &mut buf[f.range.clone()];
                        let mut at = 0;
                        for (page, n) in pages.iter().zip(page_lengths(out.len())) {
                            page.read(0, &mut out[at..at + n]);
                            at += n;
                        }
                    }
                    if !pages.is_empty() {
                        f.queue.lock().give(pages);
                    }
                    false
                }
                Poll::Ready(Err(e)) => {
                    failed.get_or_insert(e);
                    false
                }
            });
            if let Some(e) = failed {
                return Poll::Ready(Err(e));
            }
            if next >= len && flights.is_empty() {
                Poll::Ready(Ok(()))
            } else {
                Poll::Pending
            }
        })
        .await
    }

    /// Makes completed writes durable: a cache flush, or an empty barrier, whichever the
    /// backend offers; nothing if it offers neither (it writes through).
    pub async fn flush(&self) -> Result<(), BlkError> {
        let op = match self.features.flush {
            Flush::Cache => BLKIF_OP_FLUSH_DISKCACHE,
            Flush::Barrier => BLKIF_OP_WRITE_BARRIER,
            Flush::None => return Ok(()),
        };
        self.one(Io::Flush { op }).await
    }

    /// Discards `count` logical sectors at `lba` (they may then read back as anything,
    /// zeros on most backends). Refused if the backend did not offer discard.
    pub async fn discard(&self, lba: u64, count: u64) -> Result<(), BlkError> {
        // A read-only disk or CD-ROM says so first (blkback offers them no discard either).
        if let Some(e) = self.features.write_refusal() {
            return Err(e);
        }
        let Some(d) = self.features.discard else {
            return Err(BlkError::NotSupported(Op::Discard));
        };
        let len = count.saturating_mul(u64::from(self.features.sector_size));
        let sector = self.check(lba, len, true)?;
        let io = Io::Discard {
            sector,
            count: len / 512,
            secure: d.secure,
        };
        if count == 0 {
            return Ok(());
        }
        self.one(io).await
    }

    async fn one(&self, io: Io<'_>) -> Result<(), BlkError> {
        let queue = &self.queues[0];
        let done = poll_fn(|cx| queue.lock().try_submit(&io, cx.waker())).await?;
        let flight = Flight {
            queue,
            done,
            range: 0..0,
        };
        poll_fn(|cx| flight.done.poll(cx.waker())).await.map(drop)
    }
}

/// A transfer's direction and buffer.
enum Dir<'a> {
    Read(&'a mut [u8]),
    Write(&'a [u8]),
}

impl Dir<'_> {
    fn len(&self) -> usize {
        match self {
            Dir::Read(b) => b.len(),
            Dir::Write(d) => d.len(),
        }
    }
}
