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

use super::error::{ConfigError, Text, TftpError, Violation, WireError};
use super::options::{Negotiated, OackError, Options};
use super::wire::{self, ErrorCode, OptionList, Packet, MAX_REQUEST};
use crate::time::{Duration, Instant};

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
    /// A gap in this window was already answered with an ACK.
    gap_acked: bool,
    /// Sends of the packet now awaiting an answer (0: the ACK is not due yet).
    tries: u8,
    deadline: Instant,
    /// The packet to send: the RRQ until the server answers, then ACKs and ERRORs.
    tx: [u8; MAX_REQUEST],
    rrq_len: usize,
}

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
        let mut tx = [0; MAX_REQUEST];
        let Ok(rrq_len) = wire::emit_rrq(&mut tx, name, &options[..n]) else {
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
            tx,
            rrq_len,
        };
        client.arm(now);
        Ok(client)
    }

    /// The RRQ to send first, to the server's request port.
    pub fn start(&self) -> Datagram<'_> {
        Datagram {
            to: self.server,
            bytes: &self.tx[..self.rrq_len],
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
            log::warn!("tftp: a packet from {from}, not the server's transfer port");
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
            return self.step(&[], Some((self.server, self.rrq_len)));
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
        let to = self.tid.map(|port| SocketAddr::new(self.server.ip(), port));
        self.fail(TftpError::Aborted { code, message }, to.map(|_| code))
            .send
    }

    fn accept_oack(&mut self, options: OptionList<'_>, now: Instant) -> Step<'static, '_> {
        match Negotiated::from_oack(&self.opts, options) {
            Ok(neg) => {
                self.neg = neg;
                self.oack = true;
                self.state = State::Transfer;
                self.tries = 1;
                self.arm(now);
                self.ack()
            }
            Err(OackError::Refused(why)) => {
                let server = self.server.ip();
                let code = ErrorCode::OPTION_REFUSED;
                self.fail(TftpError::Refused { server, why }, Some(code))
            }
            Err(OackError::TooLarge(e)) => self.fail(e, Some(ErrorCode::OPTION_REFUSED)),
        }
    }

    /// A DATA packet in the transfer.
    fn data<'p>(&mut self, block: u16, data: &'p [u8], now: Instant) -> Step<'p, '_> {
        let blksize = self.neg.blksize;
        if data.len() > usize::from(blksize) {
            let len = data.len();
            return self.violation(Violation::BlockTooLong { len, blksize });
        }
        let ahead = block.wrapping_sub(self.last.wrapping_add(1));
        if ahead != 0 {
            if ahead < self.neg.windowsize && !self.gap_acked {
                // A gap in the window: ask for everything after our last block, once.
                self.gap_acked = true;
                self.since_ack = 0;
                self.tries = self.tries.max(1);
                self.arm(now);
                return self.ack();
            }
            // Our ACK of a whole window was lost: the server sends the window again.
            let resend = block == self.last && self.since_ack == 0 && !self.gap_acked;
            return if resend && self.blocks > 0 {
                self.ack()
            } else {
                self.step(&[], None)
            };
        }
        let total = self.delivered + data.len() as u64;
        if total > self.opts.max_size {
            let e = TftpError::TooLarge {
                max: self.opts.max_size,
                announced: self.neg.tsize,
            };
            return self.fail(e, Some(ErrorCode::DISK_FULL));
        }
        self.last = block;
        self.blocks += 1;
        self.delivered = total;
        self.since_ack += 1;
        self.gap_acked = false;
        self.tries = 0;
        self.arm(now);
        if data.len() < usize::from(blksize) {
            self.state = State::Done;
            if let Some(announced) = self.neg.tsize.filter(|&n| n != total) {
                let what = Violation::SizeMismatch {
                    announced,
                    received: total,
                };
                self.state = State::Failed(TftpError::Protocol {
                    server: self.server.ip(),
                    what,
                });
            }
            return Step { data, ..self.ack() };
        }
        if self.since_ack >= self.neg.windowsize {
            self.since_ack = 0;
            self.tries = 1;
            return Step { data, ..self.ack() };
        }
        Step {
            data,
            ..self.step(&[], None)
        }
    }

    /// After the last block: a repeat of it means our final ACK was lost.
    fn after_done(&mut self, parsed: Result<Packet<'_>, WireError>) -> Step<'static, '_> {
        match parsed {
            Ok(Packet::Data { block, .. }) if block == self.last => self.ack(),
            _ => self.step(&[], None),
        }
    }

    /// Sends ACK of the last block in order to the server's TID.
    fn ack(&mut self) -> Step<'static, '_> {
        let len = wire::emit_ack(&mut self.tx, self.last).unwrap_or(0);
        let to = SocketAddr::new(self.server.ip(), self.tid.unwrap_or(self.server.port()));
        self.step(&[], Some((to, len)))
    }

    /// Fails with ERROR 4 to the server.
    fn violation(&mut self, what: Violation) -> Step<'static, '_> {
        let server = self.server.ip();
        let e = TftpError::Protocol { server, what };
        self.fail(e, Some(ErrorCode::ILLEGAL_OPERATION))
    }

    /// Ends the transfer with `e`, sending ERROR `code` to the server's TID if given.
    fn fail(&mut self, e: TftpError, code: Option<ErrorCode>) -> Step<'static, '_> {
        self.state = State::Failed(e);
        let to = SocketAddr::new(self.server.ip(), self.tid.unwrap_or(self.server.port()));
        let send = code.map(|code| {
            let text = match e {
                TftpError::Aborted { message, .. } => message,
                _ => Text::new(code.text().unwrap_or_default().as_bytes()),
            };
            // A NUL in the caller's message ends it; Text is short enough to fit.
            let message = text
                .as_bytes()
                .split(|&b| b == 0)
                .next()
                .unwrap_or_default();
            (
                to,
                wire::emit_error(&mut self.tx, code, message).unwrap_or(0),
            )
        });
        self.step(&[], send)
    }

    /// The deadline for the packet sent `self.tries` times (or the ACK not yet due).
    fn arm(&mut self, now: Instant) {
        let shift = self.tries.saturating_sub(1).min(MAX_BACKOFF_SHIFT);
        let wait = Duration::from_secs(u64::from(self.opts.timeout()) << shift);
        self.deadline = now + wait;
    }

    fn step<'p>(&self, data: &'p [u8], send: Option<(SocketAddr, usize)>) -> Step<'p, '_> {
        Step {
            data,
            send: send.map(|(to, len)| Datagram {
                to,
                bytes: &self.tx[..len],
            }),
            status: self.status(),
        }
    }
}
