//! Line mode: the editing a terminal user expects while typing one line, without a terminal
//! driver in the guest. Keys come from a [`KeyDecoder`]; what the user should see (echo,
//! erasing) is handed back as bytes to write to the console.
//!
//! - printable bytes are added and echoed; a line holds at most `max` bytes (more rings the
//!   bell: BEL is echoed, the byte dropped);
//! - Backspace and DEL erase the last character (a whole UTF-8 sequence), Ctrl-U the line;
//! - CR, LF and CR LF end the line (echoed as CR LF), without the line ending;
//! - arrow and other editing keys are parsed and ignored: their escape sequences never reach
//!   the line.

use alloc::vec::Vec;

use super::keys::{Key, KeyDecoder};

/// What a backspace echoes: back, blank, back.
const ERASE: &[u8] = b"\x08 \x08";
/// The bell, for a byte that does not fit.
const BEL: u8 = 0x07;

/// One line being typed.
#[derive(Debug, Clone)]
pub struct LineEditor {
    keys: KeyDecoder,
    line: Vec<u8>,
    max: usize,
}

impl LineEditor {
    /// An empty line of at most `max` bytes.
    pub fn new(max: usize) -> Self {
        Self {
            keys: KeyDecoder::new(),
            line: Vec::new(),
            max,
        }
    }

    /// The line typed so far.
    pub fn line(&self) -> &[u8] {
        &self.line
    }

    /// Feeds one byte the user typed; appends what to echo to `echo`. Returns the line when
    /// the byte ended it (the editor then starts a new, empty line).
    pub fn feed(&mut self, b: u8, echo: &mut Vec<u8>) -> Option<Vec<u8>> {
        let mut done = None;
        for key in self.keys.feed(b) {
            if let Some(line) = self.key(key, echo) {
                done = Some(line);
            }
        }
        done
    }

    /// Ends an open escape sequence because no more bytes came (see
    /// [`KeyDecoder::flush`]); a lone ESC is ignored in line mode.
    pub fn flush(&mut self) {
        self.keys.flush();
    }

    fn key(&mut self, key: Key, echo: &mut Vec<u8>) -> Option<Vec<u8>> {
        match key {
            Key::Char(c) if self.line.len() < self.max => {
                self.line.push(c);
                echo.push(c);
            }
            Key::Char(_) => echo.push(BEL),
            Key::Enter => {
                echo.extend_from_slice(b"\r\n");
                return Some(core::mem::take(&mut self.line));
            }
            Key::Backspace => self.erase_char(echo),
            Key::Ctrl(b'u') => {
                while !self.line.is_empty() {
                    self.erase_char(echo);
                }
            }
            _ => {}
        }
        None
    }

    /// Erases the last character: its UTF-8 continuation bytes and its first byte, one
    /// column on the screen.
    fn erase_char(&mut self, echo: &mut Vec<u8>) {
        let Some(mut b) = self.line.pop() else {
            return;
        };
        while b & 0xc0 == 0x80 {
            match self.line.last() {
                Some(&prev) if prev & 0x80 != 0 => {
                    b = prev;
                    self.line.pop();
                }
                _ => break,
            }
        }
        echo.extend_from_slice(ERASE);
    }
}
