//! Strangers and broken packets: ERROR 5 to other ports, ERROR 4 for malformed packets,
//! the caller's abort, and requests that cannot be made.

use std::net::SocketAddr;

use super::fake::{error_code, file, first_answer, midway, tid, SERVER, TID};
use crate::tftp::wire::{self, ErrorCode};
use crate::tftp::{Client, ConfigError, Options, Status, TftpError, Violation};
use crate::time::Instant;

const NOW: Instant = Instant::from_nanos(0);

#[test]
fn a_stranger_gets_error_5_and_the_transfer_goes_on() {
    let content = file(600);
    let (mut client, server) = midway(&content, Options::plain(1 << 20), 1);
    let data2 = server.data(2);
    for stranger in ["10.0.0.1:5555", "10.0.0.9:40000"] {
        let from: SocketAddr = stranger.parse().unwrap();
        let step = client.receive(from, &data2, NOW);
        let d = step.send.unwrap();
        assert_eq!(d.to, from);
        assert_eq!(d.bytes, b"\x00\x05\x00\x05Unknown transfer ID\0");
        assert!(step.data.is_empty());
        // An ERROR from a stranger is not answered, and does not end the transfer.
        let step = client.receive(from, b"\x00\x05\x00\x00go away\0", NOW);
        assert_eq!((step.send, step.status), (None, Status::Running));
    }
    let step = client.receive(tid(), &data2, NOW);
    assert_eq!(step.data, &content[512..]);
    assert_eq!(step.status, Status::Done);
}

#[test]
fn the_first_answer_fixes_the_transfer_port() {
    let mut client = Client::new(SERVER, "f", Options::plain(1 << 20), NOW).unwrap();
    assert_eq!(client.peer(), None);
    let step = client.receive(tid(), b"\x00\x03\x00\x01abc", NOW);
    assert_eq!(step.send.unwrap().to.port(), TID);
    assert_eq!(step.status, Status::Done);
    // Another server process answering the same (repeated) RRQ is a stranger.
    let mut client = Client::new(SERVER, "f", Options::plain(1 << 20), NOW).unwrap();
    let full = [&b"\x00\x03\x00\x01"[..], &[7; 512]].concat();
    assert_eq!(client.receive(tid(), &full, NOW).status, Status::Running);
    assert_eq!(client.peer(), Some(tid()));
    let other = SocketAddr::new(SERVER.ip(), TID + 1);
    let step = client.receive(other, &full, NOW);
    assert_eq!(error_code(step.send.unwrap().bytes), 5);
}

#[test]
fn malformed_packets_from_the_server_end_the_transfer_with_error_4() {
    let cases: [(&[u8], Violation); 7] = [
        (b"\x00", Violation::Malformed(wire::WireError::Truncated)),
        (
            b"\x00\x03\x00",
            Violation::Malformed(wire::WireError::Truncated),
        ),
        (
            b"\x00\x09\x00\x01",
            Violation::Malformed(wire::WireError::UnknownOpcode(9)),
        ),
        (
            b"\x00\x06blksize\x00512",
            Violation::Malformed(wire::WireError::MissingNul),
        ),
        (
            b"\x00\x06blksize\x00",
            Violation::Malformed(wire::WireError::OptionWithoutValue),
        ),
        (
            b"\x00\x04\x00\x01",
            Violation::Unexpected(wire::Opcode::Ack),
        ),
        (b"\x00\x03\x00\x02abc", Violation::FirstBlock(2)),
    ];
    for (pkt, what) in cases {
        let (code, e) = first_answer(Options::default(), pkt);
        assert_eq!(code, 4, "{pkt:?}");
        assert_eq!(
            e,
            TftpError::Protocol {
                server: SERVER.ip(),
                what
            },
            "{pkt:?}"
        );
    }
    // A block longer than agreed.
    let (mut client, server) = midway(&file(2000), Options::plain(1 << 20), 1);
    let mut long = server.data(2);
    long.push(0);
    let step = client.receive(tid(), &long, NOW);
    assert!(step.data.is_empty());
    assert_eq!(error_code(step.send.unwrap().bytes), 4);
    assert_eq!(
        client.status(),
        Status::Failed(TftpError::Protocol {
            server: SERVER.ip(),
            what: Violation::BlockTooLong {
                len: 513,
                blksize: 512
            }
        })
    );
}

#[test]
fn abort_sends_the_callers_error_to_the_server() {
    let (mut client, _) = midway(&file(2000), Options::plain(1 << 20), 1);
    let d = client
        .abort(ErrorCode::DISK_FULL, "no room\0ignored")
        .unwrap();
    assert_eq!(d.to, tid());
    assert_eq!(d.bytes, b"\x00\x05\x00\x03no room\0");
    assert!(matches!(
        client.status(),
        Status::Failed(TftpError::Aborted { .. })
    ));
    assert_eq!(client.abort(ErrorCode::DISK_FULL, "again"), None);
    // Before the server answered there is no one to tell.
    let mut client = Client::new(SERVER, "f", Options::default(), NOW).unwrap();
    assert_eq!(client.abort(ErrorCode::NOT_DEFINED, "stop"), None);
}

#[test]
fn requests_that_cannot_be_made_are_config_errors() {
    let new = |name: &str, opts| Client::new(SERVER, name, opts, NOW).err();
    let d = Options::default();
    assert_eq!(new("", d), Some(ConfigError::BadName.into()));
    assert_eq!(new("a\0b", d), Some(ConfigError::BadName.into()));
    let long = "x".repeat(600);
    let Some(TftpError::Config(ConfigError::NameTooLong { len: 600, max })) = new(&long, d) else {
        panic!()
    };
    assert!(new(&"x".repeat(max), d).is_none() && new(&"x".repeat(max + 1), d).is_some());
    for bad in [
        Options { blksize: 7, ..d },
        Options { windowsize: 0, ..d },
        Options {
            timeout_s: Some(0),
            ..d
        },
        Options { tries: 0, ..d },
    ] {
        assert!(matches!(
            new("f", bad),
            Some(TftpError::Config(ConfigError::OutOfRange(_)))
        ));
    }
}
