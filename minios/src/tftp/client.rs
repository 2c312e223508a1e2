//! The read transfer as a state machine: the caller moves datagrams and time, the client
//! decides what to send and when.
//!
//! A transfer: [`Client::new`] builds the RRQ, [`Client::start`] hands it over to send; each
//! datagram received goes to [`Client::receive`] with its source, and at
//! [`Client::deadline`] the caller calls [`Client::poll_timeout`]. Each returns a [`Step`]:
//! file bytes to append (in order, each byte once), a datagram to send, and the
//! [`Status`]. Every datagram the client sends fits [`MAX_REQUEST`] bytes.
//!
//! The server's transfer port (TID) is the source port of its first answer; anything from
//! another address or port gets ERROR 5 and changes nothing (RFC 1350). A lost packet is
//! sent again when the deadline passes, with the wait doubling each time; after
//! [`Options::tries`] sends without an answer the transfer fails. With a window (RFC 7440),
//! a gap makes the client acknowledge the last block it has in order, once, so that the
//! server resends from there.

use core::net::SocketAddr;

use super::error::{ConfigError, Text, TftpError, Violation};
use super::options::{Negotiated, Options};
use super::wire::{self, ErrorCode, Packet, MAX_REQUEST};
use crate::time::Instant;

mod events;

/// The longest wait between two sends is the timeout times 2 to this power.
const MAX_BACKOFF_SHIFT: u8 = 4;

/// A datagram to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Datagram<'c> {
    /// Where to: the server's request port or TID, or a stranger's port (ERROR 5).
    pub to: SocketAddr,
    /// The packet.
    pub bytes: &'c [u8],
}

/// Where a transfer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Going on: wait for datagrams or the deadline.
    Running,
    /// The whole file has come (the final ACK is in the step that says so).
    Done,
    /// The transfer failed (an ERROR for the server, if any, is in the step that says so).
    Failed(TftpError),
}

/// What one event led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step<'p, 'c> {
    /// The file's next bytes (borrowed from the datagram received; often empty).
    pub data: &'p [u8],
    /// A datagram to send now.
    pub send: Option<Datagram<'c>>,
    /// The transfer's state after this event.
    pub status: Status,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// The RRQ is out; no answer yet.
    Requested,
    /// Blocks are coming (or an OACK was acknowledged with ACK 0).
    Transfer,
    Done,
    Failed(TftpError),
}

/// A TFTP read (RRQ) transfer of one file.
pub struct Client {
    server: SocketAddr,
    opts: Options,
    state: State,
    /// The server's transfer port, from its first answer.
    tid: Option<u16>,
    neg: Negotiated,
    /// Whether the server answered with an OACK.
    oack: bool,
    /// The last block number received in order (0 before the first).
    last: u16,
    /// Blocks received in order.
    blocks: u64,
    /// Bytes handed to the caller.
    delivered: u64,
    /// Blocks received in order since our last ACK.
    since_ack: u16,
    /// A gap was answered with an ACK, and the server has not had another ACK since: the
    /// blocks of its old window still arriving are not answered again.
    gap_acked: bool,
    /// Sends of the packet now awaiting an answer (0: the ACK is not due yet).
    tries: u8,
    deadline: Instant,
    rrq: [u8; MAX_REQUEST],
    rrq_len: usize,
    /// The ACK or ERROR to send.
    tx: [u8; TX_LEN],
}

/// The longest ACK or ERROR the client sends: an ERROR with a [`Text`] message.
const TX_LEN: usize = 4 + Text::CAPACITY + 1;

/// ERROR 5, the answer to a packet from a stranger (RFC 1350).
const UNKNOWN_TID: &[u8] = b"\0\x05\0\x05Unknown transfer ID\0";

impl Client {
    /// A client to read `file` from the TFTP server listening at `server` (port 69 as a
    /// rule), with its RRQ ready for [`Client::start`] and its first deadline counted from
    /// `now`.
    pub fn new(
        server: SocketAddr,
        file: &str,
        opts: Options,
        now: Instant,
    ) -> Result<Client, TftpError> {
        opts.check()?;
        let name = file.as_bytes();
        if name.is_empty() || name.contains(&0) {
            return Err(ConfigError::BadName.into());
        }
        let (options, n) = opts.request();
        let mut rrq = [0; MAX_REQUEST];
        let Ok(rrq_len) = wire::emit_rrq(&mut rrq, name, &options[..n]) else {
            let shortest = wire::emit_rrq(&mut [0; MAX_REQUEST], b"x", &options[..n]);
            let max = MAX_REQUEST + 1 - shortest.unwrap_or(MAX_REQUEST);
            let len = name.len();
            return Err(ConfigError::NameTooLong { len, max }.into());
        };
        let mut client = Client {
            server,
            opts,
            state: State::Requested,
            tid: None,
            neg: Negotiated::default(),
            oack: false,
            last: 0,
            blocks: 0,
            delivered: 0,
            since_ack: 0,
            gap_acked: false,
            tries: 1,
            deadline: now,
            rrq,
            rrq_len,
            tx: [0; TX_LEN],
        };
        client.arm(now);
        Ok(client)
    }

    /// The RRQ to send first, to the server's request port.
    pub fn start(&self) -> Datagram<'_> {
        Datagram {
            to: self.server,
            bytes: &self.rrq[..self.rrq_len],
        }
    }

    /// When [`Client::poll_timeout`] is due; `None` once the transfer is over.
    pub fn deadline(&self) -> Option<Instant> {
        matches!(self.state, State::Requested | State::Transfer).then_some(self.deadline)
    }

    /// The transfer's state.
    pub fn status(&self) -> Status {
        match self.state {
            State::Requested | State::Transfer => Status::Running,
            State::Done => Status::Done,
            State::Failed(e) => Status::Failed(e),
        }
    }

    /// What the transfer runs with (RFC 1350's defaults until an OACK says otherwise).
    pub fn negotiated(&self) -> Negotiated {
        self.neg
    }

    /// The server's transfer address (its TID), once it has answered.
    pub fn peer(&self) -> Option<SocketAddr> {
        self.tid.map(|port| SocketAddr::new(self.server.ip(), port))
    }

    /// DATA blocks received in order so far.
    pub fn blocks(&self) -> u64 {
        self.blocks
    }

    /// The bytes handed to the caller so far.
    pub fn delivered(&self) -> u64 {
        self.delivered
    }

    /// Handles the datagram `pkt` that came from `from` at `now`.
    pub fn receive<'p>(&mut self, from: SocketAddr, pkt: &'p [u8], now: Instant) -> Step<'p, '_> {
        let parsed = Packet::new_checked(pkt);
        let ours = from.ip() == self.server.ip() && self.tid.is_none_or(|p| p == from.port());
        if !ours {
            if matches!(parsed, Ok(Packet::Error { .. })) {
                return self.step(&[], None); // an error is never answered
            }
            log::debug!("tftp: a packet from {from}, not the server's transfer port");
            let send = Some(Datagram {
                to: from,
                bytes: UNKNOWN_TID,
            });
            return Step {
                send,
                ..self.step(&[], None)
            };
        }
        match self.state {
            State::Requested | State::Transfer => {}
            State::Done => return self.after_done(parsed),
            State::Failed(_) => return self.step(&[], None),
        }
        self.tid = Some(from.port());
        let pkt = match parsed {
            Ok(pkt) => pkt,
            Err(e) => return self.violation(Violation::Malformed(e)),
        };
        match (self.state, pkt) {
            (_, Packet::Error { code, message }) => {
                let server = self.server.ip();
                let message = Text::new(message);
                self.fail(
                    TftpError::Server {
                        server,
                        code,
                        message,
                    },
                    None,
                )
            }
            (State::Requested, Packet::Oack { options }) => self.accept_oack(options, now),
            (State::Requested, Packet::Data { block: 1, data }) => {
                self.state = State::Transfer;
                self.data(1, data, now)
            }
            (State::Requested, Packet::Data { block, .. }) => {
                self.violation(Violation::FirstBlock(block))
            }
            (_, Packet::Data { block, data }) => self.data(block, data, now),
            // Our ACK 0 was lost: the server sends its OACK again.
            (_, Packet::Oack { .. }) if self.oack && self.blocks == 0 => self.ack(),
            (_, Packet::Oack { .. }) => self.step(&[], None), // a late duplicate
            (_, other) => self.violation(Violation::Unexpected(other.opcode())),
        }
    }

    /// At the deadline, sends the awaited packet again or gives up.
    pub fn poll_timeout(&mut self, now: Instant) -> Step<'static, '_> {
        if self.deadline().is_none_or(|d| now < d) {
            return self.step(&[], None);
        }
        if self.tries >= self.opts.tries {
            let server = self.server.ip();
            let tries = self.tries;
            return self.fail(TftpError::NoAnswer { server, tries }, None);
        }
        self.tries += 1;
        self.arm(now);
        if self.state == State::Requested {
            return Step {
                send: Some(self.start()),
                ..self.step(&[], None)
            };
        }
        // The server starts its window again after this ACK.
        self.since_ack = 0;
        self.gap_acked = false;
        self.ack()
    }

    /// Stops the transfer from this side (the caller cannot store the data, say): sends
    /// ERROR `code` with `message` to the server if it has answered yet.
    pub fn abort(&mut self, code: ErrorCode, message: &str) -> Option<Datagram<'_>> {
        if !matches!(self.state, State::Requested | State::Transfer) {
            return None;
        }
        let message = Text::new(message.as_bytes());
        let to = self.peer();
        self.fail(TftpError::Aborted { code, message }, to.map(|_| code))
            .send
    }
}
