//! The client's reactions: an OACK checked, a block placed, an ACK or ERROR written, the
//! timer armed.

use core::net::SocketAddr;

use super::{Client, Datagram, State, Step, MAX_BACKOFF_SHIFT};
use crate::tftp::error::{Text, TftpError, Violation, WireError};
use crate::tftp::options::{Negotiated, OackError};
use crate::tftp::wire::{self, ErrorCode, OptionList, Packet};
use crate::time::{Duration, Instant};

impl Client {
    pub(super) fn accept_oack(
        &mut self,
        options: OptionList<'_>,
        now: Instant,
    ) -> Step<'static, '_> {
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
    pub(super) fn data<'p>(&mut self, block: u16, data: &'p [u8], now: Instant) -> Step<'p, '_> {
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
            self.gap_acked = false;
            self.tries = 1;
            return Step { data, ..self.ack() };
        }
        Step {
            data,
            ..self.step(&[], None)
        }
    }

    /// After the last block: a repeat of it means our final ACK was lost.
    pub(super) fn after_done(
        &mut self,
        parsed: Result<Packet<'_>, WireError>,
    ) -> Step<'static, '_> {
        match parsed {
            Ok(Packet::Data { block, .. }) if block == self.last => self.ack(),
            _ => self.step(&[], None),
        }
    }

    /// Sends ACK of the last block in order to the server's TID.
    pub(super) fn ack(&mut self) -> Step<'static, '_> {
        let len = wire::emit_ack(&mut self.tx, self.last).unwrap_or(0);
        let to = SocketAddr::new(self.server.ip(), self.tid.unwrap_or(self.server.port()));
        self.step(&[], Some((to, len)))
    }

    /// Fails with ERROR 4 to the server.
    pub(super) fn violation(&mut self, what: Violation) -> Step<'static, '_> {
        let server = self.server.ip();
        let e = TftpError::Protocol { server, what };
        self.fail(e, Some(ErrorCode::ILLEGAL_OPERATION))
    }

    /// Ends the transfer with `e`, sending ERROR `code` to the server's TID if given.
    pub(super) fn fail(&mut self, e: TftpError, code: Option<ErrorCode>) -> Step<'static, '_> {
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
    pub(super) fn arm(&mut self, now: Instant) {
        let shift = self.tries.saturating_sub(1).min(MAX_BACKOFF_SHIFT);
        let wait = Duration::from_secs(u64::from(self.opts.timeout()) << shift);
        self.deadline = now + wait;
    }

    pub(super) fn step<'p>(
        &self,
        data: &'p [u8],
        send: Option<(SocketAddr, usize)>,
    ) -> Step<'p, '_> {
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
