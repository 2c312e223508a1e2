//! Text from peers, shown escaped: control characters become `\x1b` or `\u{9b}`, so that
//! nothing a backend, xenstore or a guest disk says can drive the terminal of whoever reads
//! the console.

use core::fmt::{self, Write};

/// A writer that passes text on to `W` with its control characters escaped.
pub(crate) struct Escaping<W>(pub W);

impl<W: Write> Write for Escaping<W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut rest = s;
        while let Some(i) = rest.find(char::is_control) {
            let (clean, tail) = rest.split_at(i);
            self.0.write_str(clean)?;
            let c = tail.chars().next().unwrap_or_default();
            if c.is_ascii() {
                write!(self.0, "\\x{:02x}", c as u32)?;
            } else {
                write!(self.0, "\\u{{{:x}}}", c as u32)?;
            }
            rest = &tail[c.len_utf8()..];
        }
        self.0.write_str(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_the_rest_kept() {
        let mut out = Escaping(String::new());
        let (vbd, csi) = (51712, '\u{9b}');
        write!(out, "vbd {vbd}: node \x1b[2J\r\n{csi}é").unwrap();
        assert_eq!(out.0, "vbd 51712: node \\x1b[2J\\x0d\\x0a\\u{9b}é");
    }
}
