//! The packet parser and emitters: layouts, round trips, and every malformed shape.

use crate::tftp::wire::{self, ErrorCode, OptionList, Packet, TftpOption};
use crate::tftp::{Text, WireError};

#[test]
fn packets_parse_into_their_fields() {
    let rrq = b"\x00\x01a/b\0octet\0blksize\x001468\0tsize\x000\0";
    let Ok(Packet::Request {
        write: false,
        filename,
        mode,
        options,
    }) = Packet::new_checked(rrq)
    else {
        panic!()
    };
    assert_eq!((filename, mode), (&b"a/b"[..], &b"octet"[..]));
    let pairs: Vec<_> = options.iter().collect();
    assert_eq!(pairs, [(&b"blksize"[..], &b"1468"[..]), (b"tsize", b"0")]);
    assert_eq!(
        Packet::new_checked(b"\x00\x03\xff\xfehello"),
        Ok(Packet::Data {
            block: 0xfffe,
            data: b"hello"
        })
    );
    assert_eq!(
        Packet::new_checked(b"\x00\x03\x00\x07"),
        Ok(Packet::Data {
            block: 7,
            data: b""
        })
    );
    assert_eq!(
        Packet::new_checked(b"\x00\x04\x01\x00"),
        Ok(Packet::Ack { block: 256 })
    );
    assert_eq!(
        Packet::new_checked(b"\x00\x05\x00\x01nope\0junk"),
        Ok(Packet::Error {
            code: ErrorCode::FILE_NOT_FOUND,
            message: b"nope"
        })
    );
    assert!(
        matches!(Packet::new_checked(b"\x00\x06"), Ok(Packet::Oack { options }) if options.is_empty())
    );
    assert!(matches!(
        Packet::new_checked(b"\x00\x02f\0octet\0"),
        Ok(Packet::Request { write: true, .. })
    ));
}

#[test]
fn malformed_packets_are_typed_errors() {
    let cases: [(&[u8], WireError); 11] = [
        (b"", WireError::Truncated),
        (b"\x00", WireError::Truncated),
        (b"\x00\x00", WireError::UnknownOpcode(0)),
        (b"\xff\xff\x00\x00", WireError::UnknownOpcode(0xffff)),
        (b"\x00\x01file", WireError::MissingNul),
        (b"\x00\x01file\0octet", WireError::MissingNul),
        (
            b"\x00\x01file\0octet\0blksize\0",
            WireError::OptionWithoutValue,
        ),
        (b"\x00\x03\x00", WireError::Truncated),
        (b"\x00\x04\x00", WireError::Truncated),
        (b"\x00\x04\x00\x01\x00", WireError::TrailingBytes),
        (b"\x00\x05\x00", WireError::Truncated),
    ];
    for (pkt, e) in cases {
        assert_eq!(Packet::new_checked(pkt), Err(e), "{pkt:?}");
    }
    // An ERROR without its NUL keeps its message to the end.
    assert_eq!(
        Packet::new_checked(b"\x00\x05\x00\x02denied"),
        Ok(Packet::Error {
            code: ErrorCode::ACCESS_VIOLATION,
            message: b"denied"
        })
    );
}

#[test]
fn emitters_write_what_the_parser_reads() {
    let mut buf = [0u8; 600];
    let opts = [(TftpOption::Blksize, 8), (TftpOption::Tsize, u64::MAX)];
    let n = wire::emit_rrq(&mut buf, b"f", &opts).unwrap();
    assert_eq!(
        &buf[..n],
        b"\x00\x01f\0octet\0blksize\x008\0tsize\x0018446744073709551615\0"
    );
    let n = wire::emit_data(&mut buf, 65535, b"xyz").unwrap();
    assert_eq!(
        Packet::new_checked(&buf[..n]),
        Ok(Packet::Data {
            block: 65535,
            data: b"xyz"
        })
    );
    let n = wire::emit_ack(&mut buf, 9).unwrap();
    assert_eq!(&buf[..n], b"\x00\x04\x00\x09");
    let n = wire::emit_error(&mut buf, ErrorCode::OPTION_REFUSED, b"no").unwrap();
    assert_eq!(&buf[..n], b"\x00\x05\x00\x08no\0");
    let n = wire::emit_oack(&mut buf, &[(b"windowsize", b"4")]).unwrap();
    assert_eq!(&buf[..n], b"\x00\x06windowsize\x004\0");
    // Too small a buffer, or a NUL in a string, is an error, never a panic.
    assert_eq!(
        wire::emit_ack(&mut [0; 3], 1),
        Err(WireError::BufferTooSmall)
    );
    assert_eq!(
        wire::emit_data(&mut [0; 1], 1, b""),
        Err(WireError::BufferTooSmall)
    );
    assert_eq!(
        wire::emit_rrq(&mut [0; 9], b"file", &[]),
        Err(WireError::BufferTooSmall)
    );
    assert_eq!(
        wire::emit_rrq(&mut buf, b"a\0b", &[]),
        Err(WireError::NulInString)
    );
    assert_eq!(
        wire::emit_error(&mut buf, ErrorCode(0), b"\0"),
        Err(WireError::NulInString)
    );
}

#[test]
fn numbers_and_option_names() {
    assert_eq!(wire::parse_number(b"0"), Some(0));
    assert_eq!(wire::parse_number(b"0065464"), Some(65464));
    assert_eq!(wire::parse_number(b"18446744073709551615"), Some(u64::MAX));
    for bad in [&b""[..], b"18446744073709551616", b"1 ", b"+1", b"\xd9\xa1"] {
        assert_eq!(wire::parse_number(bad), None, "{bad:?}");
    }
    assert_eq!(
        TftpOption::from_name(b"WindowSize"),
        Some(TftpOption::Windowsize)
    );
    assert_eq!(TftpOption::from_name(b"blksize2"), None);
    let list = OptionList::new_checked(b"a\0\0\0b\0").unwrap();
    assert_eq!(
        list.iter().collect::<Vec<_>>(),
        [(&b"a"[..], &b""[..]), (b"", b"b")]
    );
}

#[test]
fn text_from_the_peer_is_bounded_and_escaped() {
    let t = Text::new(b"caf\xc3\xa9 \\ \x07\r\n");
    assert_eq!(t.to_string(), "caf\\xc3\\xa9 \\\\ \\x07\\x0d\\x0a");
    let long = Text::new(&[b'a'; 100]);
    assert_eq!(long.as_bytes().len(), Text::CAPACITY);
    assert_eq!(
        long.to_string(),
        format!("{}...", "a".repeat(Text::CAPACITY))
    );
    assert_eq!(ErrorCode(8).text(), Some("Option negotiation refused"));
    assert_eq!(ErrorCode(9).text(), None);
}
