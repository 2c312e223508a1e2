//! Host tests: the safe parts, and minios.h checked against the Rust definitions in ffi.rs.

use crate::args::{argv, c_string, copy_list, copy_out};
use crate::slots::Slots;

#[test]
fn argv_is_name_then_words() {
    let a = argv("c-stubdom", "  disk=hd0  verbose\tx ");
    let want: [&[u8]; 4] = [b"c-stubdom\0", b"disk=hd0\0", b"verbose\0", b"x\0"];
    assert_eq!(a, want.map(<[u8]>::to_vec));
    assert_eq!(argv("n", ""), [b"n\0".to_vec()]);
}

#[test]
fn c_string_stops_at_nul() {
    assert_eq!(c_string("ab\0cd"), b"ab\0");
    assert_eq!(c_string(""), b"\0");
}

#[test]
fn copy_out_is_snprintf_like() {
    let mut buf = [0xffu8; 4];
    assert_eq!(copy_out(b"hello", &mut buf), 5);
    assert_eq!(&buf, b"hel\0");
    assert_eq!(copy_out(b"hi", &mut buf), 2);
    assert_eq!(&buf[..3], b"hi\0");
    assert_eq!(copy_out(b"hello", &mut []), 5);
}

#[test]
fn copy_list_writes_whole_names_and_counts_all() {
    let mut buf = [0xffu8; 8];
    assert_eq!(copy_list(&["ab", "cde", "fghij"], &mut buf), 13);
    assert_eq!(&buf[..7], b"ab\0cde\0");
    assert_eq!(buf[7], 0xff, "a name that does not fit is left out whole");
    assert_eq!(copy_list::<&str>(&[], &mut buf), 0);
}

#[test]
fn slots_hand_out_reuse_and_refuse() {
    let mut s = Slots::new();
    let a = s.insert("a").unwrap();
    let b = s.insert("b").unwrap();
    assert_ne!(a, b);
    assert_eq!(s.take(a), Some("a"));
    assert_eq!(s.take(a), None, "busy while taken");
    assert_ne!(s.insert("c"), Some(a), "a busy handle is not reused");
    assert_eq!(s.remove(a), None, "busy: not removed");
    s.put_back(a, "a");
    assert_eq!(s.remove(a), Some("a"));
    assert_eq!(s.take(a), None, "removed");
    assert_eq!(s.insert("d"), Some(a), "a freed handle is reused");
    for bad in [-1, 99, i32::MIN] {
        assert_eq!(s.take(bad), None);
        s.put_back(bad, "x");
        assert_eq!(s.remove(bad), None);
    }
}

mod header;
