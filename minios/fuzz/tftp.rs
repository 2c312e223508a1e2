//! The TFTP targets. `tftp_packet`: any bytes through the packet parser and back through the
//! emitters. `tftp_transfer`: a client driven by a hostile server, the input split into the
//! client's options and a sequence of events (packets from the server, from strangers,
//! timeouts); the client must hold its cap, send only well-formed packets, keep a deadline
//! while it runs and end, Done or failed, within its bounded tries once the server falls
//! silent.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use minios::tftp::wire::{self, ErrorCode, OptionList, Packet, TftpOption};
use minios::tftp::{Client, Options, Status, Step, Text};
use minios::time::{Duration, Instant};

const SERVER: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 69);
/// The server's transfer port, and another port of the server's host (which becomes the
/// transfer port if it answers first).
const TID: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 40000);
const OTHER_PORT: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 40001);
const OTHER_HOST: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)), 40000);

/// Text shown to a person has no control characters.
fn shown(text: &dyn std::fmt::Display) {
    let s = text.to_string();
    assert!(!s.chars().any(char::is_control), "shown unescaped: {s:?}");
}

/// tftp_packet: parse; what parses re-emits to the same bytes (ERROR: up to its NUL).
pub fn packet(data: &[u8]) {
    let _ = wire::parse_number(data);
    if let Ok(list) = OptionList::new_checked(data) {
        let nuls = data.iter().filter(|&&b| b == 0).count();
        assert!(list.iter().count() <= nuls / 2);
    }
    let Ok(pkt) = Packet::new_checked(data) else {
        return;
    };
    let mut buf = vec![0; data.len() + 1];
    let len = match pkt {
        Packet::Data { block, data } => wire::emit_data(&mut buf, block, data),
        Packet::Ack { block } => wire::emit_ack(&mut buf, block),
        Packet::Error { code, message } => {
            shown(&Text::new(message));
            let _ = code.text();
            wire::emit_error(&mut buf, code, message)
        }
        Packet::Oack { options } | Packet::Request { options, .. } => {
            let pairs: Vec<(&[u8], &[u8])> = options.iter().collect();
            for (name, value) in &pairs {
                let _ = (TftpOption::from_name(name), wire::parse_number(value));
                shown(&Text::new(name));
            }
            if matches!(pkt, Packet::Request { .. }) {
                return;
            }
            wire::emit_oack(&mut buf, &pairs)
        }
    };
    let len = len.expect("a parsed packet fits its own length plus one");
    match pkt {
        Packet::Error { .. } => assert!(data.starts_with(&buf[..len - 1])),
        _ => assert_eq!(&buf[..len], data),
    }
}

/// Reads the input front to back; zeros once it runs out.
struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn byte(&mut self) -> u8 {
        let (&b, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        b
    }
    fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.byte(), self.byte()])
    }
    fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (b, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        b
    }
}

/// The client's options from the first 7 bytes: small blocks and caps, so that the fuzzer
/// reaches the ends of files and the cap.
fn options(input: &mut Input<'_>) -> Options {
    let blksize = 8 + input.u16() % 600;
    let windowsize = 1 + u16::from(input.byte() % 16);
    let flags = input.byte();
    let timeout_s = (flags & 1 != 0).then_some(1 + flags % 5);
    Options {
        blksize,
        windowsize,
        timeout_s,
        want_tsize: flags & 2 != 0,
        max_size: u64::from(input.u16()),
        tries: 1 + input.byte() % 6,
    }
}

/// An OACK with options picked (and values given) by the input.
fn oack(input: &mut Input<'_>) -> Vec<u8> {
    let count = input.byte() % 5;
    let values: Vec<(Vec<u8>, Vec<u8>)> = (0..count)
        .map(|_| {
            let pick = input.byte();
            let name = match pick % 6 {
                4 => b"BlkSize".to_vec(),
                5 => b"x".to_vec(),
                n => TftpOption::ALL[usize::from(n)].name().as_bytes().to_vec(),
            };
            let value = match pick / 6 % 3 {
                0 => input.u16().to_string().into_bytes(),
                1 => u64::from(input.byte()).to_string().into_bytes(),
                _ => input.bytes(3).to_vec(),
            };
            (name, value)
        })
        .collect();
    let pairs: Vec<(&[u8], &[u8])> = values.iter().map(|(n, v)| (&n[..], &v[..])).collect();
    let mut buf = vec![0; 512];
    let len = wire::emit_oack(&mut buf, &pairs).unwrap_or(0);
    buf.truncate(len);
    buf
}

/// What the harness checks of every step.
struct Checks {
    opts: Options,
    delivered: u64,
    /// The last ACK the client sent (DATA events are numbered from it).
    last_ack: u16,
    /// The server's transfer address, once the client has learnt it: it never changes.
    peer: Option<SocketAddr>,
    over: bool,
}

impl Checks {
    fn step(&mut self, client: &Client, data: &[u8], send: Option<(SocketAddr, Vec<u8>)>) {
        self.delivered += data.len() as u64;
        assert!(self.delivered <= self.opts.max_size, "more than the cap");
        assert_eq!(self.delivered, client.delivered());
        let status = client.status();
        assert_eq!(status == Status::Running, client.deadline().is_some());
        if self.over {
            assert!(data.is_empty(), "data after the end");
        }
        self.over |= status != Status::Running;
        if let Status::Failed(e) = status {
            shown(&e);
        }
        if self.peer.is_some() {
            assert_eq!(client.peer(), self.peer, "the transfer port changed");
        }
        self.peer = client.peer();
        let Some((to, bytes)) = send else { return };
        let peer = self.peer;
        assert!(bytes.len() <= wire::MAX_REQUEST);
        match Packet::new_checked(&bytes).expect("the client sends well-formed packets") {
            Packet::Ack { block } => {
                assert_eq!(Some(to), peer);
                self.last_ack = block;
            }
            // ERROR 5 to strangers, other codes to the server's TID.
            Packet::Error { code, .. } => {
                assert_eq!(code == ErrorCode::UNKNOWN_TID, Some(to) != peer);
            }
            Packet::Request { write: false, .. } => assert_eq!(to, SERVER),
            other => panic!("the client sent {other:?}"),
        }
    }
}

/// tftp_transfer: options, then events until the input ends; then silence.
pub fn transfer(data: &[u8]) {
    let mut input = Input(data);
    let opts = options(&mut input);
    let mut now = Instant::from_nanos(1 << 40);
    let Ok(mut client) = Client::new(SERVER, "boot/kernel", opts, now) else {
        return;
    };
    let mut checks = Checks {
        opts,
        delivered: 0,
        last_ack: 0,
        peer: None,
        over: false,
    };
    let rrq = client.start();
    assert_eq!(rrq.to, SERVER);
    assert!(Packet::new_checked(rrq.bytes).is_ok());
    while !input.0.is_empty() {
        let tag = input.byte();
        let (from, pkt) = match tag % 8 {
            0 => {
                now = client.deadline().unwrap_or(now + Duration::from_secs(1));
                let Step { data, send, .. } = client.poll_timeout(now);
                let send = send.map(|d| (d.to, d.bytes.to_vec()));
                checks.step(&client, data, send);
                continue;
            }
            1 => {
                let len = usize::from(input.byte());
                (TID, input.bytes(len).to_vec())
            }
            2 => (OTHER_PORT, input.bytes(usize::from(tag >> 3)).to_vec()),
            3 => {
                let block = checks
                    .last_ack
                    .wrapping_add(1 + u16::from(input.byte() % 4));
                let full = usize::from(client.negotiated().blksize);
                let len = if tag & 0x80 != 0 {
                    full
                } else {
                    usize::from(input.byte()) % (full + 2)
                };
                let mut buf = vec![0; len + 4];
                let n = wire::emit_data(&mut buf, block, &vec![tag; len]).unwrap_or(0);
                buf.truncate(n);
                (TID, buf)
            }
            4 => (TID, oack(&mut input)),
            5 => (
                TID,
                [&[0, 5, 0, tag >> 4][..], input.bytes(4), &[0]].concat(),
            ),
            6 => {
                now += Duration::from_millis(u64::from(input.byte()) * 10);
                continue;
            }
            _ => (OTHER_HOST, input.bytes(usize::from(tag >> 3)).to_vec()),
        };
        let Step { data, send, status } = client.receive(from, &pkt, now);
        let send = send.map(|d| (d.to, d.bytes.to_vec()));
        assert_eq!(status, client.status());
        checks.step(&client, data, send);
    }
    // The server falls silent: the client ends within its tries.
    for _ in 0..=usize::from(opts.tries) + 1 {
        let Some(deadline) = client.deadline() else {
            break;
        };
        now = deadline;
        let Step { data, send, .. } = client.poll_timeout(now);
        let send = send.map(|d| (d.to, d.bytes.to_vec()));
        checks.step(&client, data, send);
    }
    assert_ne!(
        client.status(),
        Status::Running,
        "still running after its tries"
    );
}
