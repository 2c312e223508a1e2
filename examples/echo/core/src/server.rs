//! The echo server: TCP (RFC 862: everything a connection sends comes back, until the peer
//! closes) and UDP (each datagram goes back to its sender) on one port, over smoltcp
//! sockets the caller polls.
//!
//! TCP has a fixed set of slots, each a socket with its buffers allocated once. A slot
//! without a connection listens, so several connections can arrive at once; once a listener
//! has taken a SYN, the next free slot is the listener for the next one. smoltcp hands a SYN
//! to the first listening socket in its set, and a SYN sent again (our SYN-ACK was late)
//! must reach the socket that took the first one: so a free slot listens only if it comes
//! after every slot in SYN-RECEIVED ([`may_listen`]); the slots are kept in the set's order.
//!
//! Echoing copies what a socket received into its own send buffer through one scratch
//! buffer (no allocation per packet), only as much as the send buffer has room for: a peer
//! that does not read its echo sees our window close. When the peer has closed and
//! everything it sent was queued back, we close too; the connection's end is reported
//! with the bytes echoed ([`Event`]).

use alloc::vec;
use alloc::vec::Vec;

use smoltcp::iface::SocketHandle;
use smoltcp::socket::tcp::{self, State};
use smoltcp::socket::udp;
use smoltcp::time::{Duration, Instant};
use smoltcp::wire::IpEndpoint;

use crate::report::{End, Event, StartError, Totals};
use crate::{Config, Sockets};

/// A connection that gets no answer (to data or keep-alives) for this long is dropped.
const TCP_TIMEOUT: Duration = Duration::from_secs(60);
/// Keep-alives on an idle connection, so that a vanished peer frees its slot.
const TCP_KEEP_ALIVE: Duration = Duration::from_secs(20);
/// UDP datagrams queued each way, and their bytes.
const UDP_PACKETS: usize = 64;
const UDP_BYTES: usize = 96 << 10;
/// The copy buffer: the most moved from a socket's receive to its send buffer in one step,
/// and the largest UDP datagram echoed.
const SCRATCH: usize = 64 << 10;

/// A connection on a slot.
#[derive(Debug, Clone, Copy)]
struct Conn {
    id: u64,
    peer: IpEndpoint,
    since: Instant,
    bytes: u64,
    /// Reported as [`Event::Open`] (it got past SYN-RECEIVED).
    open: bool,
    /// We have closed our side.
    closing: bool,
}

#[derive(Debug)]
struct Slot {
    handle: SocketHandle,
    conn: Option<Conn>,
}

/// The echo server's sockets and state.
pub struct Echo {
    port: u16,
    slots: Vec<Slot>,
    udp: SocketHandle,
    scratch: Vec<u8>,
    next_id: u64,
    totals: Totals,
}

/// Whether a free slot at `slot` may listen, when the last slot in SYN-RECEIVED is
/// `last_syn_received`: only after it, so that a SYN sent again reaches that socket.
pub fn may_listen(slot: usize, last_syn_received: Option<usize>) -> bool {
    last_syn_received.is_none_or(|s| slot > s)
}

impl Echo {
    /// Adds the server's sockets to `s` (they stay there for the server's life: their order
    /// in the set matters, see the module's text) and starts listening on `cfg.port`.
    pub fn new<S: Sockets>(s: &mut S, cfg: &Config) -> Result<Echo, StartError> {
        let ubuf = || {
            udp::PacketBuffer::new(
                vec![udp::PacketMetadata::EMPTY; UDP_PACKETS],
                vec![0; UDP_BYTES],
            )
        };
        let udp = s.add(udp::Socket::new(ubuf(), ubuf()));
        s.get::<udp::Socket>(udp)
            .bind(cfg.port)
            .map_err(StartError::Bind)?;
        let mut slots: Vec<Slot> = (0..cfg.conns)
            .map(|_| {
                let mut t = tcp::Socket::new(
                    tcp::SocketBuffer::new(vec![0; cfg.window]),
                    tcp::SocketBuffer::new(vec![0; cfg.window]),
                );
                t.set_nagle_enabled(false);
                t.set_timeout(Some(TCP_TIMEOUT));
                t.set_keep_alive(Some(TCP_KEEP_ALIVE));
                Slot {
                    handle: s.add(t),
                    conn: None,
                }
            })
            .collect();
        slots.sort_by_key(|slot| slot.handle);
        for slot in &slots {
            s.get::<tcp::Socket>(slot.handle)
                .listen(cfg.port)
                .map_err(StartError::Listen)?;
        }
        Ok(Echo {
            port: cfg.port,
            slots,
            udp,
            scratch: vec![0; SCRATCH],
            next_id: 0,
            totals: Totals::default(),
        })
    }

    /// Counters since the server started.
    pub fn totals(&self) -> Totals {
        self.totals
    }

    /// Connections open now (past SYN-RECEIVED, not yet reported closed).
    pub fn open(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| s.conn.is_some_and(|c| c.open))
            .count()
    }

    /// After the interface was polled at `now`: echoes what came, closes what the peers
    /// closed, reports what changed to `on`, and rearms the listeners. Poll the interface
    /// again afterwards to send the echoes.
    pub fn service<S: Sockets>(&mut self, s: &mut S, now: Instant, on: &mut dyn FnMut(Event)) {
        self.udp_echo(s);
        for i in 0..self.slots.len() {
            self.tcp_slot(s, i, now, on);
        }
        self.arm_listeners(s);
    }

    /// Aborts every connection (each reported [`End::Aborted`]; an RST goes out at the next
    /// poll, if the interface still works) and closes the listeners and the UDP socket.
    pub fn abort_all<S: Sockets>(self, s: &mut S, now: Instant, on: &mut dyn FnMut(Event)) {
        for slot in &self.slots {
            s.get::<tcp::Socket>(slot.handle).abort();
            if let Some(c) = slot.conn.filter(|c| c.open) {
                on(c.closed(now, End::Aborted));
            }
        }
        s.get::<udp::Socket>(self.udp).close();
    }

    fn udp_echo<S: Sockets>(&mut self, s: &mut S) {
        let sock = s.get::<udp::Socket>(self.udp);
        let room = sock.payload_send_capacity().min(self.scratch.len());
        while let Ok((data, meta)) = sock.peek() {
            let (len, to) = (data.len(), meta.endpoint);
            if len > room {
                self.totals.udp_dropped += 1;
                let _ = sock.recv();
                continue;
            }
            self.scratch[..len].copy_from_slice(data);
            match sock.send_slice(&self.scratch[..len], to) {
                Ok(()) => {
                    self.totals.udp_datagrams += 1;
                    self.totals.udp_bytes += len as u64;
                }
                // It stays queued: room comes as the echoes leave.
                Err(udp::SendError::BufferFull) => break,
                Err(udp::SendError::Unaddressable) => self.totals.udp_dropped += 1,
            }
            let _ = sock.recv();
        }
    }

    fn tcp_slot<S: Sockets>(
        &mut self,
        s: &mut S,
        i: usize,
        now: Instant,
        on: &mut dyn FnMut(Event),
    ) {
        let Echo {
            slots,
            scratch,
            next_id,
            totals,
            ..
        } = self;
        let slot = &mut slots[i];
        let sock = s.get::<tcp::Socket>(slot.handle);
        if slot.conn.is_none() {
            if matches!(
                sock.state(),
                State::Listen | State::Closed | State::TimeWait
            ) {
                return;
            }
            // The listener took a SYN.
            let Some(peer) = sock.remote_endpoint() else {
                return;
            };
            *next_id += 1;
            slot.conn = Some(Conn {
                id: *next_id,
                peer,
                since: now,
                bytes: 0,
                open: false,
                closing: false,
            });
        }
        let Some(c) = slot.conn.as_mut() else { return };
        let moved = pump(sock, scratch);
        c.bytes += moved;
        totals.tcp_bytes += moved;
        let state = sock.state();
        if !c.open && !matches!(state, State::SynReceived | State::Closed) {
            c.open = true;
            totals.tcp_conns += 1;
            on(Event::Open {
                id: c.id,
                peer: c.peer,
            });
        }
        if state == State::CloseWait && !sock.can_recv() {
            sock.close();
            c.closing = true;
        }
        if matches!(sock.state(), State::Closed | State::TimeWait) {
            if c.open {
                let end = if c.closing { End::Finished } else { End::Reset };
                on(c.closed(now, end));
            }
            slot.conn = None;
        }
    }

    /// Free slots listen after the last slot in SYN-RECEIVED and not before it.
    fn arm_listeners<S: Sockets>(&mut self, s: &mut S) {
        let last_syn = self
            .slots
            .iter()
            .rposition(|slot| s.get::<tcp::Socket>(slot.handle).state() == State::SynReceived);
        for (i, slot) in self.slots.iter().enumerate() {
            if slot.conn.is_some() {
                continue;
            }
            let sock = s.get::<tcp::Socket>(slot.handle);
            match (sock.state(), may_listen(i, last_syn)) {
                // A listener has no peer: aborting it sends nothing.
                (State::Listen, false) => sock.abort(),
                (State::Closed | State::TimeWait, true) => {
                    // Cannot fail: the port is not 0 and the socket is not open.
                    let _ = sock.listen(self.port);
                }
                _ => {}
            }
        }
    }
}

impl Conn {
    fn closed(&self, now: Instant, end: End) -> Event {
        Event::Closed {
            id: self.id,
            peer: self.peer,
            bytes: self.bytes,
            took: now - self.since,
            end,
        }
    }
}

/// Moves what `sock` received into its send buffer, as much as that has room for; returns
/// the bytes moved.
fn pump(sock: &mut tcp::Socket, scratch: &mut [u8]) -> u64 {
    let mut moved = 0;
    while sock.may_send() && sock.can_recv() {
        let room = (sock.send_capacity() - sock.send_queue()).min(scratch.len());
        if room == 0 {
            break;
        }
        let got = match sock.recv_slice(&mut scratch[..room]) {
            Ok(n) if n > 0 => n,
            _ => break,
        };
        // The send buffer has room for all of it: nothing received is lost.
        let sent = sock.send_slice(&scratch[..got]).unwrap_or(0);
        debug_assert_eq!(sent, got);
        moved += sent as u64;
    }
    moved
}

#[cfg(test)]
mod tests;
