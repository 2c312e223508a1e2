//! A fake TFTP server (RFC 1350 with options and windows, as tftpd's do) and a driver that
//! runs a client against it on a simulated clock, with hooks to lose, repeat or reorder
//! packets.

use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::tftp::wire::{self, Packet, TftpOption};
use crate::tftp::{Client, Options, Status, TftpError};
use crate::time::Instant;

/// The server's address and request port.
pub const SERVER: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 69);
/// The server's transfer port (TID).
pub const TID: u16 = 40000;

/// The server's transfer address.
pub fn tid() -> SocketAddr {
    SocketAddr::new(SERVER.ip(), TID)
}

/// A file of `len` bytes whose content depends on the offset.
pub fn file(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// The server: which options it takes, and what it saw.
pub struct FakeServer {
    pub file: Vec<u8>,
    /// Answers options with an OACK (else it ignores them, as an RFC 1350 server).
    pub options: bool,
    /// Its largest block size and window.
    pub max_blksize: u16,
    pub max_window: u16,
    /// Sends `tsize` when asked.
    pub tsize: bool,
    /// The block size and window in use.
    pub blksize: usize,
    pub window: u64,
    /// Absolute number of the last block sent (0: none).
    sent_upto: u64,
    /// Every packet the client sent (RRQs and ACKs and ERRORs), in order.
    pub got: Vec<Vec<u8>>,
}

impl FakeServer {
    pub fn new(file: Vec<u8>) -> Self {
        FakeServer {
            file,
            options: true,
            max_blksize: 65464,
            max_window: 64,
            tsize: true,
            blksize: 512,
            window: 1,
            sent_upto: 0,
            got: Vec::new(),
        }
    }

    /// The blocks of the file (the last one short, maybe empty).
    pub fn blocks(&self) -> u64 {
        (self.file.len() / self.blksize) as u64 + 1
    }

    /// DATA of the absolute block `n` (from 1).
    pub fn data(&self, n: u64) -> Vec<u8> {
        let start = ((n - 1) as usize * self.blksize).min(self.file.len());
        let end = (start + self.blksize).min(self.file.len());
        let mut buf = vec![0; self.blksize + 4];
        let len = wire::emit_data(&mut buf, n as u16, &self.file[start..end]).unwrap();
        buf.truncate(len);
        buf
    }

    /// The window starting after absolute block `acked`.
    fn window_after(&mut self, acked: u64) -> Vec<Vec<u8>> {
        let last = (acked + self.window).min(self.blocks());
        self.sent_upto = self.sent_upto.max(last);
        (acked + 1..=last).map(|n| self.data(n)).collect()
    }

    /// The server's answer to one packet from the client.
    pub fn handle(&mut self, pkt: &[u8]) -> Vec<Vec<u8>> {
        self.got.push(pkt.to_vec());
        match Packet::new_checked(pkt).expect("the client sends well-formed packets") {
            Packet::Request { options, .. } => {
                self.sent_upto = 0;
                let mut accepted: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
                for (name, value) in options.iter().filter(|_| self.options) {
                    let v = wire::parse_number(value).unwrap();
                    let answer = match TftpOption::from_name(name).unwrap() {
                        TftpOption::Blksize => {
                            self.blksize = v.min(self.max_blksize.into()) as usize;
                            self.blksize as u64
                        }
                        TftpOption::Windowsize => {
                            self.window = v.min(self.max_window.into());
                            self.window
                        }
                        TftpOption::Timeout => v,
                        TftpOption::Tsize if self.tsize => self.file.len() as u64,
                        TftpOption::Tsize => continue,
                    };
                    accepted.push((name.to_vec(), answer.to_string().into_bytes()));
                }
                if accepted.is_empty() {
                    return self.window_after(0);
                }
                let pairs: Vec<(&[u8], &[u8])> =
                    accepted.iter().map(|(n, v)| (&n[..], &v[..])).collect();
                vec![oack(&pairs)]
            }
            Packet::Ack { block } => {
                let back = (self.sent_upto as u16).wrapping_sub(block);
                let acked = self.sent_upto - u64::from(back);
                if acked >= self.blocks() {
                    return Vec::new(); // the final ACK
                }
                self.window_after(acked)
            }
            _ => Vec::new(),
        }
    }

    /// The block numbers of the ACKs the client sent.
    pub fn acks(&self) -> Vec<u16> {
        self.got
            .iter()
            .filter_map(|p| match Packet::new_checked(p) {
                Ok(Packet::Ack { block }) => Some(block),
                _ => None,
            })
            .collect()
    }
}

/// An OACK of the given pairs.
pub fn oack(pairs: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut buf = vec![0; 512];
    let len = wire::emit_oack(&mut buf, pairs).unwrap();
    buf.truncate(len);
    buf
}

/// What happens to a packet in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Deliver,
    Lose,
    /// Delivered twice.
    Repeat,
    /// Delivered after the next packet.
    Delay,
}

/// The result of a run: the file bytes delivered, the final status, the clock at the end.
pub struct Run {
    pub data: Vec<u8>,
    pub status: Status,
    pub end: Instant,
    pub timeouts: u32,
}

impl Run {
    pub fn error(&self) -> TftpError {
        match self.status {
            Status::Failed(e) => e,
            s => panic!("expected a failure, got {s:?}"),
        }
    }
}

/// Runs `opts` for `name` against `server`; `to_client` and `to_server` decide each
/// packet's fate (by its number in that direction, from 0).
pub fn run(
    server: &mut FakeServer,
    opts: Options,
    mut to_client: impl FnMut(usize, &[u8]) -> Fate,
    mut to_server: impl FnMut(usize, &[u8]) -> Fate,
) -> Run {
    let mut now = Instant::from_nanos(1_000_000_000);
    let mut client = Client::new(SERVER, "boot/vmlinuz", opts, now).unwrap();
    let rrq = client.start();
    assert_eq!(rrq.to, SERVER);
    let mut queue: VecDeque<Vec<u8>> = server.handle(rrq.bytes).into();
    let (mut n_client, mut n_server, mut timeouts) = (0, 0, 0);
    let mut data = Vec::new();
    for _ in 0..10_000_000 {
        if client.status() != Status::Running {
            break;
        }
        let sent = if let Some(pkt) = queue.pop_front() {
            let fate = to_client(n_client, &pkt);
            n_client += 1;
            match fate {
                Fate::Lose => continue,
                Fate::Repeat => queue.push_front(pkt.clone()),
                Fate::Delay if !queue.is_empty() => {
                    queue.insert(1, pkt);
                    continue;
                }
                _ => {}
            }
            let step = client.receive(tid(), &pkt, now);
            data.extend_from_slice(step.data);
            step.send.map(|d| d.bytes.to_vec())
        } else {
            now = client.deadline().expect("a running client has a deadline");
            timeouts += 1;
            client.poll_timeout(now).send.map(|d| d.bytes.to_vec())
        };
        if let Some(pkt) = sent {
            let fate = to_server(n_server, &pkt);
            n_server += 1;
            if fate != Fate::Lose {
                queue.extend(server.handle(&pkt));
            }
        }
    }
    assert_eq!(client.delivered(), data.len() as u64);
    Run {
        data,
        status: client.status(),
        end: now,
        timeouts,
    }
}

/// Every packet delivered.
pub fn deliver(_: usize, _: &[u8]) -> Fate {
    Fate::Deliver
}

/// A client in mid-transfer of `file` with `opts` (the OACK, if any, acknowledged and the
/// first `blocks` DATA packets received) and the server.
pub fn midway(file: &[u8], opts: Options, blocks: u64) -> (Client, FakeServer) {
    let mut server = FakeServer::new(file.to_vec());
    let now = Instant::from_nanos(0);
    let mut client = Client::new(SERVER, "f", opts, now).unwrap();
    let mut queue: VecDeque<Vec<u8>> = server.handle(client.start().bytes).into();
    let mut fed = 0;
    while let Some(pkt) = queue.pop_front() {
        let is_data = matches!(Packet::new_checked(&pkt), Ok(Packet::Data { .. }));
        if is_data && fed == blocks {
            break;
        }
        fed += u64::from(is_data);
        if let Some(d) = client.receive(tid(), &pkt, now).send {
            queue.extend(server.handle(d.bytes));
        }
    }
    assert_eq!(fed, blocks, "the file has {blocks} blocks to receive");
    (client, server)
}

/// The code of the ERROR packet `bytes`.
pub fn error_code(bytes: &[u8]) -> u16 {
    match Packet::new_checked(bytes) {
        Ok(Packet::Error { code, .. }) => code.0,
        other => panic!("not an ERROR: {other:?}"),
    }
}

/// A client whose RRQ is out, given one packet from the server's TID; the ERROR code it
/// sent back (0 if none) and its error.
pub fn first_answer(opts: Options, pkt: &[u8]) -> (u16, TftpError) {
    let mut client = Client::new(SERVER, "f", opts, Instant::from_nanos(0)).unwrap();
    let step = client.receive(tid(), pkt, Instant::from_nanos(0));
    let code = step.send.map_or(0, |d| {
        assert_eq!(d.to, tid());
        error_code(d.bytes)
    });
    let Status::Failed(e) = step.status else {
        panic!("{:?} accepted", step.status)
    };
    assert_eq!(client.deadline(), None);
    (code, e)
}
