//! A server that refuses or lies: its ERROR surfaced, options refused with ERROR 8, the
//! size cap held (ERROR 8 for a `tsize` over it, ERROR 3 for data past it).

use super::fake::SERVER;
use super::fake::{deliver, error_code, file, first_answer, midway, oack, run, tid, FakeServer};
use crate::tftp::wire::TftpOption;
use crate::tftp::{Options, Refusal, Status, TftpError};
use crate::time::Instant;

const NOW: Instant = Instant::from_nanos(0);

#[test]
fn a_server_error_is_surfaced_and_not_answered() {
    let (code, e) = first_answer(Options::default(), b"\x00\x05\x00\x01File not found\0");
    assert_eq!(code, 0, "an ERROR is never answered");
    assert_eq!(
        e.to_string(),
        "the TFTP server 10.0.0.1 says: File not found (code 1)"
    );
    // No message: the RFC's words for the code; no NUL: the message runs to the end;
    // control characters are escaped.
    let (_, e) = first_answer(Options::default(), b"\x00\x05\x00\x02\0");
    assert_eq!(
        e.to_string(),
        "the TFTP server 10.0.0.1 says: Access violation (code 2)"
    );
    let (_, e) = first_answer(Options::default(), b"\x00\x05\x00\x63no \x1b[2Jway");
    assert_eq!(
        e.to_string(),
        "the TFTP server 10.0.0.1 says: no \\x1b[2Jway (code 99)"
    );
}

#[test]
fn an_oack_the_client_did_not_ask_for_is_refused_with_error_8() {
    let plain = Options::plain(1 << 20);
    let asked = Options::default();
    type Pairs<'a> = &'a [(&'a [u8], &'a [u8])];
    let cases: [(Options, Pairs, Refusal); 8] = [
        (
            asked,
            &[(b"foo", b"1")],
            Refusal::NotAsked(crate::tftp::Text::new(b"foo")),
        ),
        (
            plain,
            &[(b"blksize", b"512")],
            Refusal::NotAsked(crate::tftp::Text::new(b"blksize")),
        ),
        (
            asked,
            &[(b"BLKSIZE", b"1469")],
            larger(TftpOption::Blksize, 1469, 1468),
        ),
        (
            asked,
            &[(b"windowsize", b"9")],
            larger(TftpOption::Windowsize, 9, 8),
        ),
        (
            asked,
            &[(b"blksize", b"7")],
            Refusal::TooSmall(TftpOption::Blksize, 7),
        ),
        (
            asked,
            &[(b"windowsize", b"0")],
            Refusal::TooSmall(TftpOption::Windowsize, 0),
        ),
        (
            asked,
            &[(b"timeout", b"2")],
            Refusal::Changed { value: 2, asked: 1 },
        ),
        (
            asked,
            &[(b"tsize", b"1"), (b"Tsize", b"1")],
            Refusal::Duplicate(TftpOption::Tsize),
        ),
    ];
    for (opts, pairs, why) in cases {
        let (code, e) = first_answer(opts, &oack(pairs));
        assert_eq!(code, 8, "{pairs:?}");
        assert_eq!(
            e,
            TftpError::Refused {
                server: SERVER.ip(),
                why
            },
            "{pairs:?}"
        );
    }
    let (code, e) = first_answer(Options::default(), &oack(&[(b"blksize", b"1500")]));
    assert_eq!(code, 8);
    assert_eq!(
        e.to_string(),
        "the TFTP server 10.0.0.1 answered with options we cannot accept: \
         blksize 1500, larger than the 1468 we asked for"
    );
}

fn larger(option: TftpOption, value: u64, asked: u64) -> Refusal {
    Refusal::Larger {
        option,
        value,
        asked,
    }
}

#[test]
fn option_values_that_are_not_numbers_are_refused() {
    for value in [&b""[..], b"12a", b"-1", b" 8", b"99999999999999999999999"] {
        let (code, e) = first_answer(Options::default(), &oack(&[(b"blksize", value)]));
        assert_eq!(code, 8);
        assert!(
            matches!(
                e,
                TftpError::Refused {
                    why: Refusal::NotANumber(TftpOption::Blksize, _),
                    ..
                }
            ),
            "{value:?}: {e:?}"
        );
    }
}

#[test]
fn a_tsize_over_the_cap_is_refused_before_any_data() {
    let opts = Options {
        max_size: 64 << 20,
        ..Options::default()
    };
    let (code, e) = first_answer(opts, &oack(&[(b"tsize", b"67108865")]));
    assert_eq!(code, 8);
    assert_eq!(
        e.to_string(),
        "the file is larger than the 64 MiB this caller allows \
         (the server announced 67108865 bytes)"
    );
}

#[test]
fn data_past_the_cap_stops_the_transfer_with_error_3() {
    // The server does not announce the size; the cap is 1000 bytes of a 5000-byte file.
    let mut server = FakeServer::new(file(5000));
    server.tsize = false;
    let opts = Options {
        blksize: 256,
        max_size: 1000,
        ..Options::default()
    };
    let r = run(&mut server, opts, deliver, deliver);
    assert_eq!(
        r.data,
        file(768),
        "three whole blocks; the fourth would pass the cap"
    );
    assert_eq!(
        r.error(),
        TftpError::TooLarge {
            max: 1000,
            announced: None
        }
    );
    assert_eq!(error_code(server.got.last().unwrap()), 3);
    assert_eq!(
        r.error().to_string(),
        "the file is larger than the 1000 bytes this caller allows"
    );
}

#[test]
fn a_file_shorter_than_its_tsize_is_an_error() {
    let (mut client, _) = midway(&file(10), Options::default(), 0);
    let step = client.receive(tid(), b"\x00\x03\x00\x01abc", NOW);
    assert_eq!(step.data, b"abc");
    assert_eq!(
        step.send.unwrap().bytes,
        b"\x00\x04\x00\x01",
        "the final ACK still goes"
    );
    let Status::Failed(e) = step.status else {
        panic!("{:?}", step.status)
    };
    assert_eq!(
        e.to_string(),
        "the TFTP server 10.0.0.1 broke the protocol: it sent 3 bytes after announcing 10 (tsize)"
    );
}
