use crate::console::LineEditor;

/// Feeds `input`; returns the lines ended and everything echoed.
fn type_in(ed: &mut LineEditor, input: &[u8]) -> (Vec<Vec<u8>>, Vec<u8>) {
    let mut echo = Vec::new();
    let lines = input
        .iter()
        .filter_map(|&b| ed.feed(b, &mut echo))
        .collect();
    (lines, echo)
}

#[test]
fn a_line_is_echoed_and_ends_at_cr_lf_or_crlf() {
    let mut ed = LineEditor::new(80);
    let (lines, echo) = type_in(&mut ed, b"hello\rworld\nthree\r\nfour");
    assert_eq!(lines, [&b"hello"[..], b"world", b"three"]);
    assert_eq!(echo, b"hello\r\nworld\r\nthree\r\nfour");
    assert_eq!(ed.line(), b"four");
    let (lines, _) = type_in(&mut ed, b"\r\r");
    assert_eq!(lines, [&b"four"[..], b""], "an empty line is a line");
}

#[test]
fn backspace_del_and_ctrl_u_edit() {
    let mut ed = LineEditor::new(80);
    let (lines, echo) = type_in(&mut ed, b"abx\x7fc\x08\x08d\r");
    assert_eq!(lines, [b"ad"]);
    assert_eq!(echo, b"abx\x08 \x08c\x08 \x08\x08 \x08d\r\n");
    let (lines, echo) = type_in(&mut ed, b"\x7fwrong\x15ok\r");
    assert_eq!(lines, [b"ok"]);
    let erase5 = b"\x08 \x08".repeat(5);
    assert_eq!(echo, [&b"wrong"[..], &erase5, b"ok\r\n"].concat());
}

#[test]
fn backspace_erases_a_whole_utf8_character() {
    let mut ed = LineEditor::new(80);
    let mut input = "aé€".as_bytes().to_vec();
    input.extend(b"\x7f\x7f\r");
    let (lines, echo) = type_in(&mut ed, &input);
    assert_eq!(lines, [b"a"]);
    assert!(
        echo.ends_with(b"\x08 \x08\x08 \x08\r\n"),
        "one erase per character"
    );
}

#[test]
fn the_line_is_bounded() {
    let mut ed = LineEditor::new(4);
    let (lines, echo) = type_in(&mut ed, b"abcdefg\x7fz\r");
    assert_eq!(lines, [b"abcz"]);
    assert_eq!(echo, b"abcd\x07\x07\x07\x08 \x08z\r\n");
}

#[test]
fn escape_sequences_never_reach_the_line() {
    let mut ed = LineEditor::new(80);
    let (lines, echo) = type_in(&mut ed, b"a\x1b[A\x1b[Db\x1bOC\x1b[3~\x1b[1;5Dc\r");
    assert_eq!(lines, [b"abc"]);
    assert_eq!(echo, b"abc\r\n");
    // A lone ESC followed by text: the text stays.
    let (lines, _) = type_in(&mut ed, b"\x1bxy\r");
    assert_eq!(lines, [b"xy"]);
    type_in(&mut ed, b"\x1b");
    ed.flush();
    let (lines, _) = type_in(&mut ed, b"[A\r");
    assert_eq!(lines, [b"[A"], "after a flush the ESC was alone");
}

#[test]
fn control_bytes_other_than_editing_are_ignored() {
    let mut ed = LineEditor::new(80);
    let (lines, echo) = type_in(&mut ed, b"a\x01\x03\x07\tb\r");
    assert_eq!(lines, [b"ab"]);
    assert_eq!(echo, b"ab\r\n");
}
