//! The wire format against io/xs_wire.h: header layout, request payloads, reply parsers.

use crate::xenstore::wire::*;
use crate::xenstore::{Errno, WireError, XsError};

fn le(words: [u32; 4]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

#[test]
fn requests_are_header_then_payload() {
    // xsd_sockmsg: type, req_id, tx_id, len (little-endian u32s); XS_READ = 2.
    let m = Request::Read("domid").encode(9, 0).unwrap();
    assert_eq!(m, [le([2, 9, 0, 6]), b"domid\0".to_vec()].concat());
    // XS_WRITE = 11: path NUL value, the value not terminated.
    let m = Request::Write("a/b", b"xy").encode(1, 4).unwrap();
    assert_eq!(m, [le([11, 1, 4, 6]), b"a/b\0xy".to_vec()].concat());
    // XS_WATCH = 4: path NUL token NUL.
    let m = Request::Watch("/p", "tok").encode(2, 0).unwrap();
    assert_eq!(m, [le([4, 2, 0, 7]), b"/p\0tok\0".to_vec()].concat());
    // XS_TRANSACTION_START = 6 with an empty string; XS_TRANSACTION_END = 7 with T or F.
    assert_eq!(
        Request::TransactionStart.encode(3, 0).unwrap(),
        [le([6, 3, 0, 1]), vec![0]].concat()
    );
    assert_eq!(
        Request::TransactionEnd(false).encode(3, 12).unwrap(),
        [le([7, 3, 12, 2]), b"F\0".to_vec()].concat()
    );
    // XS_SET_PERMS = 14: path NUL, then each permission NUL-terminated.
    let perms = [
        Perm {
            domid: 5,
            access: Access::Both,
        },
        Perm {
            domid: 0,
            access: Access::Read,
        },
        Perm {
            domid: 32752,
            access: Access::None,
        },
    ];
    let m = Request::SetPerms("k", &perms).encode(4, 0).unwrap();
    assert_eq!(
        m,
        [le([14, 4, 0, 15]), b"k\0b5\0r0\0n32752\0".to_vec()].concat()
    );
    // XS_GET_DOMAIN_PATH = 10: the domid in decimal.
    let m = Request::GetDomainPath(0).encode(5, 0).unwrap();
    assert_eq!(m, [le([10, 5, 0, 2]), b"0\0".to_vec()].concat());
}

#[test]
fn requests_are_checked_before_sending() {
    let e = |r: Request| r.encode(1, 0).unwrap_err();
    assert_eq!(e(Request::Read("")), XsError::Errno(Errno::EINVAL));
    assert_eq!(e(Request::Watch("p", "t\0")), XsError::Errno(Errno::EINVAL));
    assert_eq!(
        e(Request::SetPerms("p", &[])),
        XsError::Errno(Errno::EINVAL)
    );
    let long = "x".repeat(PAYLOAD_MAX);
    assert_eq!(e(Request::Read(&long)), XsError::Errno(Errno::E2BIG));
    let value = vec![0u8; PAYLOAD_MAX - 2];
    assert!(
        Request::Write("p", &value).encode(1, 0).is_ok(),
        "exactly the limit"
    );
    let value = vec![0u8; PAYLOAD_MAX - 1];
    assert_eq!(e(Request::Write("p", &value)), XsError::Errno(Errno::E2BIG));
}

#[test]
fn messages_are_checked_once() {
    let good = [le([2, 1, 0, 3]), b"abc".to_vec()].concat();
    let m = Message::new_checked(&good).unwrap();
    assert_eq!(m.payload(), b"abc");
    assert_eq!(m.header().req_id, 1);
    assert_eq!(Message::new_checked(&good[..18]), Err(WireError::Truncated));
    assert_eq!(Message::new_checked(&good[..5]), Err(WireError::Truncated));
    let long = [le([2, 1, 0, 4097]), vec![0; 4097]].concat();
    assert_eq!(
        Message::new_checked(&long),
        Err(WireError::PayloadTooLong(4097))
    );
    let unknown = le([99, 0, 0, 0]);
    assert_eq!(Message::new_checked(&unknown).unwrap().msg_type(), None);
}

#[test]
fn reply_parsers() {
    assert_eq!(parse_directory(b"a\0bb\0c\0").unwrap(), ["a", "bb", "c"]);
    assert_eq!(parse_directory(b"").unwrap(), Vec::<String>::new());
    assert_eq!(parse_directory(b"a\0\xff\0"), Err(WireError::NotUtf8));
    assert_eq!(parse_watch_event(b"/a/b\0tok\0"), Ok(("/a/b", "tok")));
    assert_eq!(parse_watch_event(b"/a/b\0"), Err(WireError::MissingField));
    assert_eq!(parse_number(b"17\0"), Ok(17));
    assert_eq!(parse_number(b"4294967295"), Ok(u32::MAX));
    assert_eq!(parse_number(b"4294967296"), Err(WireError::BadNumber));
    assert_eq!(parse_number(b"-1\0"), Err(WireError::BadNumber));
    assert_eq!(parse_number(b""), Err(WireError::MissingField));
    assert_eq!(parse_error(b"EAGAIN\0"), Errno::EAGAIN);
    assert_eq!(parse_error(b""), Errno::Unknown);
    assert_eq!(
        parse_perms(b"b3\0w1\0").unwrap(),
        [
            Perm {
                domid: 3,
                access: Access::Both
            },
            Perm {
                domid: 1,
                access: Access::Write
            }
        ]
    );
    assert_eq!(parse_perms(b"x3\0"), Err(WireError::BadPerm));
    assert_eq!(parse_perms(b"r70000\0"), Err(WireError::BadPerm));
    assert_eq!(parse_perms(b"r\0"), Err(WireError::BadPerm));
}
