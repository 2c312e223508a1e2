//! The state of one xenstore connection, independent of how bytes move: requests waiting to
//! be sent, the reassembly of incoming messages (which may arrive a few bytes at a time and
//! be larger than the ring), replies matched to their requests by `req_id`, and watch events
//! queued for their watchers by token.
//!
//! Everything xenstored sends is treated as hostile: oversized messages are skipped (their
//! length still frames the stream), replies nobody waits for are dropped, and each watch
//! queues a bounded number of events (the oldest are dropped first; watchers re-read the
//! state they watch, so a lost event only merges into a later one).

use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;
use core::task::{Poll, Waker};

use super::error::{WireError, XsError};
use super::wire::{self, Header, Message, Request, HEADER_LEN};
use crate::abi::xs_wire::XsdSockmsgType;

/// Most events one watch queues before dropping the oldest.
pub const MAX_QUEUED_EVENTS: usize = 64;
/// Most bytes of paths one watch queues before dropping the oldest.
pub const MAX_QUEUED_BYTES: usize = 16 * 1024;

/// A successful reply: its transaction id and payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The header's transaction id.
    pub tx_id: u32,
    /// The payload (at most `XENSTORE_PAYLOAD_MAX` bytes).
    pub payload: Vec<u8>,
}

enum Slot {
    Waiting {
        kind: u32,
        waker: Option<Waker>,
    },
    Done(Result<Reply, XsError>),
    /// The requester went away: drop the reply when it comes.
    Detached,
}

#[derive(Default)]
struct WatchQueue {
    events: VecDeque<String>,
    bytes: usize,
    waker: Option<Waker>,
}

/// Counters of what the connection saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Requests queued.
    pub requests: u64,
    /// Replies matched to a request.
    pub replies: u64,
    /// Watch events queued for a watcher.
    pub watch_events: u64,
    /// Messages dropped: unknown req_id or token, duplicates, malformed events.
    pub dropped: u64,
    /// Watch events dropped because a queue was full.
    pub lost_events: u64,
    /// Messages skipped because their payload was over the limit.
    pub oversized: u64,
    /// The most requests that were in flight at once.
    pub max_in_flight: u64,
}

enum RxState {
    Header,
    Body(Header),
    Skip(Header, u32),
}

/// One xenstore connection's bookkeeping.
pub struct Conn {
    out: VecDeque<u8>,
    head: [u8; HEADER_LEN],
    body: Vec<u8>,
    have: usize,
    rx: RxState,
    next_id: u32,
    pending: BTreeMap<u32, Slot>,
    watches: BTreeMap<String, WatchQueue>,
    stats: Stats,
    /// The ring broke: every request fails, now and later.
    broken: bool,
}

impl Default for Conn {
    fn default() -> Self {
        Self::new()
    }
}

impl Conn {
    /// A connection with nothing in flight.
    pub fn new() -> Self {
        Self {
            out: VecDeque::new(),
            head: [0; HEADER_LEN],
            body: Vec::new(),
            have: 0,
            rx: RxState::Header,
            next_id: 1,
            pending: BTreeMap::new(),
            watches: BTreeMap::new(),
            stats: Stats::default(),
            broken: false,
        }
    }

    /// The counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Queues `req` (in transaction `tx_id`, 0 for none) and returns its request id.
    pub fn submit(&mut self, tx_id: u32, req: &Request) -> Result<u32, XsError> {
        if self.broken {
            return Err(XsError::Disconnected);
        }
        let mut id = self.next_id;
        while self.pending.contains_key(&id) {
            id = id.wrapping_add(1);
        }
        self.next_id = id.wrapping_add(1);
        let msg = req.encode(id, tx_id)?;
        self.out.extend(msg);
        let kind = req.kind().into();
        self.pending.insert(id, Slot::Waiting { kind, waker: None });
        self.stats.requests += 1;
        let in_flight = self.pending.len() as u64;
        self.stats.max_in_flight = self.stats.max_in_flight.max(in_flight);
        Ok(id)
    }

    /// The reply to request `id` if it came (and forgets the request), else remembers
    /// `waker` to wake when it comes.
    pub fn poll_reply(&mut self, id: u32, waker: &Waker) -> Poll<Result<Reply, XsError>> {
        match self.pending.get_mut(&id) {
            Some(Slot::Waiting { waker: w, .. }) => {
                *w = Some(waker.clone());
                Poll::Pending
            }
            Some(Slot::Done(_)) => match self.pending.remove(&id) {
                Some(Slot::Done(r)) => Poll::Ready(r),
                _ => Poll::Ready(Err(XsError::Disconnected)),
            },
            Some(Slot::Detached) | None => Poll::Ready(Err(XsError::Disconnected)),
        }
    }

    /// The transport broke (xenstored broke the ring protocol): every request waiting fails
    /// with [`XsError::Disconnected`], as does every later one, and watchers are woken (their
    /// watches are gone).
    pub fn disconnect(&mut self) {
        self.broken = true;
        self.out.clear();
        for slot in self.pending.values_mut() {
            if let Slot::Waiting { waker, .. } = slot {
                if let Some(w) = waker.take() {
                    w.wake();
                }
                *slot = Slot::Done(Err(XsError::Disconnected));
            }
        }
        for (_, q) in core::mem::take(&mut self.watches) {
            if let Some(w) = q.waker {
                w.wake();
            }
        }
    }

    /// Forgets request `id`: a reply still to come is dropped.
    pub fn detach(&mut self, id: u32) {
        if let Some(slot) = self.pending.get_mut(&id) {
            if matches!(slot, Slot::Waiting { .. }) {
                *slot = Slot::Detached;
            } else {
                self.pending.remove(&id);
            }
        }
    }

    /// Number of requests whose reply has not been collected.
    pub fn in_flight(&self) -> usize {
        self.pending.len()
    }

    /// Starts queuing events for `token` (before the XS_WATCH goes out, so that the event
    /// xenstored fires at once is not lost).
    pub fn add_watch(&mut self, token: &str) {
        self.watches.entry(String::from(token)).or_default();
    }

    /// Stops queuing events for `token` and drops those queued.
    pub fn remove_watch(&mut self, token: &str) {
        self.watches.remove(token);
    }

    /// The next queued event (the path that changed) for `token`, else remembers `waker`.
    /// `Ready(None)` if the watch is not registered.
    pub fn poll_event(&mut self, token: &str, waker: &Waker) -> Poll<Option<String>> {
        let Some(q) = self.watches.get_mut(token) else {
            return Poll::Ready(None);
        };
        match q.events.pop_front() {
            Some(path) => {
                q.bytes -= path.len();
                Poll::Ready(Some(path))
            }
            None => {
                q.waker = Some(waker.clone());
                Poll::Pending
            }
        }
    }

    /// Bytes waiting to be sent, as the two halves of a ring buffer.
    pub fn output(&self) -> (&[u8], &[u8]) {
        self.out.as_slices()
    }

    /// Drops the first `n` bytes of the output (they were sent).
    pub fn consume_output(&mut self, n: usize) {
        self.out.drain(..n.min(self.out.len()));
    }

    /// Takes bytes received from xenstored; complete messages are dispatched.
    pub fn input(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            match self.rx {
                RxState::Header => {
                    let n = (HEADER_LEN - self.have).min(data.len());
                    self.head[self.have..self.have + n].copy_from_slice(&data[..n]);
                    self.have += n;
                    data = &data[n..];
                    if self.have == HEADER_LEN {
                        self.have = 0;
                        let h = Header::parse(&self.head);
                        self.rx = match h.check() {
                            Ok(()) => RxState::Body(h),
                            Err(_) => RxState::Skip(h, h.len),
                        };
                    }
                }
                RxState::Body(h) => {
                    let n = (h.len as usize - self.body.len()).min(data.len());
                    self.body.extend_from_slice(&data[..n]);
                    data = &data[n..];
                }
                RxState::Skip(h, left) => {
                    let n = (left as usize).min(data.len());
                    data = &data[n..];
                    self.rx = RxState::Skip(h, left - n as u32);
                }
            }
            self.finish_frame();
        }
        self.finish_frame();
    }

    /// Dispatches the current frame if it is complete.
    fn finish_frame(&mut self) {
        match self.rx {
            RxState::Body(h) if self.body.len() == h.len as usize => {
                let body = core::mem::take(&mut self.body);
                match Message::from_parts(h, &body) {
                    Ok(m) => self.dispatch(&m),
                    Err(e) => self.fail(h, e),
                }
                self.rx = RxState::Header;
            }
            RxState::Skip(h, 0) => {
                self.stats.oversized += 1;
                self.fail(h, WireError::PayloadTooLong(h.len));
                self.rx = RxState::Header;
            }
            _ => {}
        }
    }

    /// A frame that could not be read: fail its request, if anyone waits for it.
    fn fail(&mut self, h: Header, e: WireError) {
        let is_event = h.kind == u32::from(XsdSockmsgType::WatchEvent);
        match self.pending.get_mut(&h.req_id) {
            Some(slot) if !is_event && matches!(slot, Slot::Waiting { .. }) => {
                if let Slot::Waiting { waker: Some(w), .. } = slot {
                    w.wake_by_ref();
                }
                *slot = Slot::Done(Err(XsError::Wire(e)));
            }
            _ => self.stats.dropped += 1,
        }
    }

    fn dispatch(&mut self, m: &Message) {
        let h = m.header();
        if m.msg_type() == Some(XsdSockmsgType::WatchEvent) {
            self.queue_event(m.payload());
            return;
        }
        let mut result = if m.msg_type() == Some(XsdSockmsgType::Error) {
            Err(XsError::Errno(wire::parse_error(m.payload())))
        } else {
            Ok(Reply {
                tx_id: h.tx_id,
                payload: m.payload().to_vec(),
            })
        };
        match self.pending.get_mut(&h.req_id) {
            Some(slot @ Slot::Waiting { .. }) => {
                if let Slot::Waiting { kind, waker } = slot {
                    if result.is_ok() && h.kind != *kind {
                        result = Err(XsError::Wire(WireError::UnexpectedType(h.kind)));
                    }
                    if let Some(w) = waker.take() {
                        w.wake();
                    }
                }
                *slot = Slot::Done(result);
                self.stats.replies += 1;
            }
            Some(Slot::Detached) => {
                self.pending.remove(&h.req_id);
            }
            Some(Slot::Done(_)) | None => self.stats.dropped += 1,
        }
    }

    fn queue_event(&mut self, payload: &[u8]) {
        let Ok((path, token)) = wire::parse_watch_event(payload) else {
            self.stats.dropped += 1;
            return;
        };
        let Some(q) = self.watches.get_mut(token) else {
            self.stats.dropped += 1;
            return;
        };
        q.events.push_back(String::from(path));
        q.bytes += path.len();
        while q.events.len() > MAX_QUEUED_EVENTS || q.bytes > MAX_QUEUED_BYTES {
            match q.events.pop_front() {
                Some(old) => q.bytes -= old.len(),
                None => break,
            }
            self.stats.lost_events += 1;
        }
        self.stats.watch_events += 1;
        if let Some(w) = q.waker.take() {
            w.wake();
        }
    }
}
