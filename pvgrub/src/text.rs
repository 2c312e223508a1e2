//! Untrusted text: bytes from a guest disk, ramdisk or network, shown so that they cannot
//! drive a terminal.
//!
//! Titles, arguments, paths and note strings are whatever the guest wrote. They are kept as
//! bytes (a file name that is not UTF-8 must still be found) and printed through [`Escaped`]:
//! printable characters as they are; backslash as `\\`; control characters (C0, DEL, C1),
//! bytes that are not UTF-8, and Unicode's invisible format and line/paragraph separators as
//! `\xNN` (per byte) or `\u{NNNN}`. Nothing printed through it can move the cursor, clear the
//! screen or change colours.
//!
//! Text composed by `Display` impls that escape what they embed (an error naming an escaped
//! path, a log record) is shown through [`ControlsEscaped`]: the same, but a backslash stays
//! one backslash, so the parts already escaped are not escaped twice. It is the last guard of
//! an output (stderr, a log line, a JSON error field): whatever an inner `Display` forgot to
//! escape, no control character gets through.

use core::fmt::{self, Write};

/// Untrusted bytes, displayed escaped.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Escaped<'a>(pub &'a [u8]);

/// `bytes`, displayed escaped (see the module docs).
pub fn escape(bytes: &[u8]) -> Escaped<'_> {
    Escaped(bytes)
}

/// Whether `c` is shown as `\u{..}` rather than as itself: controls, and characters that
/// change how the text around them is shown (bidirectional overrides, zero-width characters,
/// line and paragraph separators).
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2069}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}')
}

/// Writes `bytes` escaped; a backslash doubled if `backslash`.
fn write_escaped(f: &mut fmt::Formatter<'_>, bytes: &[u8], backslash: bool) -> fmt::Result {
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' if backslash => f.write_str("\\\\")?,
                c if c.is_ascii_control() => write!(f, "\\x{:02x}", c as u32)?,
                c if hidden(c) => write!(f, "\\u{{{:x}}}", c as u32)?,
                c => f.write_char(c)?,
            }
        }
        for b in chunk.invalid() {
            write!(f, "\\x{b:02x}")?;
        }
    }
    Ok(())
}

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_escaped(f, self.0, true)
    }
}

impl fmt::Debug for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// Text composed of escaped parts (an error's or a log record's `Display`), displayed with
/// its control and invisible characters escaped as [`Escaped`] does, its backslashes kept.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ControlsEscaped<'a>(pub &'a str);

/// `text`, displayed with its controls escaped (see the module docs).
pub fn escape_controls(text: &str) -> ControlsEscaped<'_> {
    ControlsEscaped(text)
}

impl fmt::Display for ControlsEscaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_escaped(f, self.0.as_bytes(), false)
    }
}

impl fmt::Debug for ControlsEscaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn show(b: &[u8]) -> alloc::string::String {
        escape(b).to_string()
    }

    #[test]
    fn printable_text_is_unchanged() {
        assert_eq!(
            show(b"Debian GNU/Linux, 6.1 (rescue)"),
            "Debian GNU/Linux, 6.1 (rescue)"
        );
        assert_eq!(
            show("Fedora \u{e9}t\u{e9} \u{1f600}".as_bytes()),
            "Fedora \u{e9}t\u{e9} \u{1f600}"
        );
    }

    #[test]
    fn terminal_controls_are_escaped() {
        assert_eq!(
            show(b"\x1b[2J\x1b[Hpvgrub-probe: all good\r\n"),
            "\\x1b[2J\\x1b[Hpvgrub-probe: all good\\x0d\\x0a"
        );
        assert_eq!(show(b"a\x07b\x7f\\"), "a\\x07b\\x7f\\\\");
        // C1 controls (CSI as one character) and bidirectional overrides.
        assert_eq!(show("x\u{9b}2J".as_bytes()), "x\\u{9b}2J");
        assert_eq!(
            show("evil\u{202e}txt.exe".as_bytes()),
            "evil\\u{202e}txt.exe"
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_are_shown_per_byte() {
        assert_eq!(show(b"/boot/vmlinuz-\xff\xfe"), "/boot/vmlinuz-\\xff\\xfe");
        assert_eq!(show(b"caf\xc3"), "caf\\xc3");
    }

    #[test]
    fn escaped_text_contains_no_control_bytes() {
        let all: alloc::vec::Vec<u8> = (0..=255).collect();
        let out = show(&all);
        assert!(out.chars().all(|c| !c.is_control()), "{out}");
    }

    #[test]
    fn composed_text_keeps_its_escapes() {
        // A path escaped by an inner Display, then the whole error text escaped again.
        let path = escape(b"/boot/\\x1b-\x1b\xff").to_string();
        assert_eq!(path, "/boot/\\\\x1b-\\x1b\\xff");
        let error = alloc::format!("cannot read (hd0){path}: gone\x1b[2J\u{202e}\n");
        assert_eq!(
            escape_controls(&error).to_string(),
            "cannot read (hd0)/boot/\\\\x1b-\\x1b\\xff: gone\\x1b[2J\\u{202e}\\x0a"
        );
        let all: alloc::string::String = (0..=0x2100).filter_map(char::from_u32).collect();
        let out = escape_controls(&all).to_string();
        assert!(out.chars().all(|c| !c.is_control() && !hidden(c)), "{out}");
    }
}
