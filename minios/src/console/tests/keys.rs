use crate::console::{Key, KeyDecoder, MenuKey};

fn keys(bytes: &[u8]) -> Vec<Key> {
    let mut d = KeyDecoder::new();
    let mut out: Vec<Key> = bytes.iter().flat_map(|&b| d.feed(b)).collect();
    out.extend(d.flush());
    out
}

#[test]
fn printable_bytes_and_control_keys() {
    assert_eq!(
        keys(b"ab\x7f\x08\t\x15\x03"),
        [
            Key::Char(b'a'),
            Key::Char(b'b'),
            Key::Backspace,
            Key::Backspace,
            Key::Tab,
            Key::Ctrl(b'u'),
            Key::Ctrl(b'c'),
        ]
    );
    // UTF-8 bytes are text.
    assert_eq!(keys("é".as_bytes()), [Key::Char(0xc3), Key::Char(0xa9)]);
}

#[test]
fn cr_lf_and_crlf_are_one_enter_each() {
    assert_eq!(keys(b"\r"), [Key::Enter]);
    assert_eq!(keys(b"\n"), [Key::Enter]);
    assert_eq!(keys(b"\r\n"), [Key::Enter]);
    assert_eq!(keys(b"\r\0"), [Key::Enter], "telnet's CR NUL");
    assert_eq!(keys(b"\n\n"), [Key::Enter, Key::Enter]);
    assert_eq!(keys(b"\r\r\n"), [Key::Enter, Key::Enter]);
    assert_eq!(keys(b"\n\r"), [Key::Enter, Key::Enter]);
}

#[test]
fn arrow_and_editing_sequences() {
    assert_eq!(
        keys(b"\x1b[A\x1b[B\x1b[C\x1b[D\x1bOA\x1bOB\x1b[H\x1b[F\x1bOH\x1bOF"),
        [
            Key::Up,
            Key::Down,
            Key::Right,
            Key::Left,
            Key::Up,
            Key::Down,
            Key::Home,
            Key::End,
            Key::Home,
            Key::End
        ]
    );
    assert_eq!(
        keys(b"\x1b[1~\x1b[4~\x1b[3~\x1b[5~\x1b[6~\x1b[7~\x1b[8~"),
        [
            Key::Home,
            Key::End,
            Key::Delete,
            Key::PageUp,
            Key::PageDown,
            Key::Home,
            Key::End
        ]
    );
    assert_eq!(keys(b"\x1b[1;5A"), [Key::Up], "Ctrl-Up is Up");
    assert_eq!(keys(b"\x1b[2~\x1b[Z\x1bOx"), [Key::Unknown; 3]);
}

#[test]
fn a_lone_esc_needs_quiet_or_a_following_byte() {
    let mut d = KeyDecoder::new();
    assert_eq!(d.feed(0x1b).count(), 0);
    assert!(d.pending());
    assert_eq!(d.flush(), Some(Key::Esc));
    assert!(!d.pending());
    assert_eq!(d.flush(), None);
    assert_eq!(keys(b"\x1bx"), [Key::Esc, Key::Char(b'x')]);
    assert_eq!(keys(b"\x1b\x1b[A"), [Key::Esc, Key::Up]);
    assert_eq!(keys(b"\x1b\r"), [Key::Esc, Key::Enter]);
    // A sequence cut off by silence is consumed, not turned into text.
    assert_eq!(keys(b"\x1b[1"), [Key::Unknown]);
    assert_eq!(keys(b"\x1bO"), [Key::Unknown]);
}

#[test]
fn broken_and_overlong_sequences_are_consumed() {
    assert_eq!(
        keys(b"\x1b[1\rx"),
        [Key::Unknown, Key::Enter, Key::Char(b'x')]
    );
    let mut long = b"\x1b[".to_vec();
    long.extend([b'1'; 1000]);
    long.extend(b"Ak");
    assert_eq!(keys(&long), [Key::Unknown, Key::Char(b'k')]);
}

#[test]
fn menu_keys() {
    let menu: Vec<Option<MenuKey>> = keys(b"\x1b[Ak\x1b[Bj\re\x1bq")
        .into_iter()
        .map(Key::menu)
        .collect();
    assert_eq!(
        menu,
        [
            Some(MenuKey::Up),
            Some(MenuKey::Up),
            Some(MenuKey::Down),
            Some(MenuKey::Down),
            Some(MenuKey::Select),
            Some(MenuKey::Edit),
            Some(MenuKey::Back),
            None
        ]
    );
}
