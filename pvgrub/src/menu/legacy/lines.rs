//! Logical lines of a menu.lst, as GRUB legacy reads them.

use crate::menu::scan::{Measure, Scratch, Sink};

/// Logical lines of a menu.lst, GRUB's `get_line_from_config`: each non-empty line with the
/// 1-based number of the physical line it starts on. A line is a slice of the text when it
/// is one as it stands (no tab, carriage return or continuation inside), else decoded into
/// a scratch buffer of its exact size.
pub(super) struct Lines<'a> {
    text: &'a [u8],
    pos: usize,
    line: usize,
    scratch: Scratch,
}

impl<'a> Lines<'a> {
    pub(super) fn new(text: &'a [u8]) -> Lines<'a> {
        Lines {
            text,
            pos: 0,
            line: 1,
            scratch: Scratch::default(),
        }
    }

    /// The next line and the number of the line it starts on.
    pub(super) fn next_line(&mut self) -> Option<(usize, &[u8])> {
        self.scratch.trim();
        let (pos, line) = (self.pos, self.line);
        let mut measure = Measure::new(self.text);
        let start = self.scan(&mut measure)?;
        if let Some(range) = measure.verbatim() {
            return Some((start, self.text.get(range).unwrap_or(&[])));
        }
        (self.pos, self.line) = (pos, line);
        let mut buf = self.scratch.take(measure.len());
        let start = self.scan(&mut buf)?;
        Some((start, self.scratch.put(buf)))
    }

    fn scan(&mut self, buf: &mut impl Sink) -> Option<usize> {
        let (mut literal, mut comment, mut start) = (false, false, self.line);
        while let Some(&byte) = self.text.get(self.pos) {
            let at = self.pos;
            self.pos += 1;
            let physical_newline = byte == b'\n';
            let mut c = match byte {
                b'\r' => continue,
                b'\t' => b' ',
                other => other,
            };
            if literal {
                if c == b'\n' {
                    c = b' ';
                    buf.pop();
                }
                literal = false;
            }
            if c == b'\\' {
                literal = true;
            }
            if comment {
                if c == b'\n' {
                    comment = false;
                }
            } else if buf.is_empty() {
                if c == b'#' {
                    comment = true;
                } else if c != b' ' && c != b'\n' {
                    start = self.line;
                    buf.push(at, c);
                }
            } else if c == b'\n' {
                self.line += 1;
                return Some(start);
            } else {
                buf.push(at, c);
            }
            if physical_newline {
                self.line += 1;
            }
        }
        (!buf.is_empty()).then_some(start)
    }
}
