//! GRUB 2 script words: quoting, escapes, comments, line continuation, `;`, `{` and `}`.
//!
//! `'...'` is literal; `"..."` keeps everything but `\\`, `\"`, `\$` (unescaped) and
//! backslash-newline (removed); an unquoted backslash escapes the next character, or joins
//! lines before a newline. `#` starts a comment at the start of a word. Variables (`$x`) are
//! not expanded: the text is kept as written (`${name}` stays one word, braces included).
//!
//! A word is a slice of the text when its bytes are a run of it (a plain or singly quoted
//! word), else decoded into a scratch buffer of its exact size ([`crate::menu::scan`]).

use crate::menu::error::{MenuError, MenuErrorKind};
use crate::menu::scan::{Measure, Scratch, Sink};

/// One token of a grub.cfg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Token<'a> {
    /// A word, quotes and escapes removed, as bytes.
    Word(&'a [u8]),
    /// End of a command: newline or `;`.
    Separator,
    /// `{`
    Open,
    /// `}`
    Close,
}

/// Splits a grub.cfg into tokens, each with the 1-based line it starts on.
pub(super) struct Lexer<'a> {
    text: &'a [u8],
    pos: usize,
    line: usize,
    scratch: Scratch,
}

fn ends_word(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b';' | b'{' | b'}')
}

impl<'a> Lexer<'a> {
    pub(super) fn new(text: &'a [u8]) -> Self {
        Lexer {
            text,
            pos: 0,
            line: 1,
            scratch: Scratch::default(),
        }
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.text.get(self.pos + ahead).copied()
    }

    /// The next token, `None` at the end of the text.
    pub(super) fn next_token(&mut self) -> Result<Option<(usize, Token<'_>)>, MenuError> {
        self.scratch.trim();
        loop {
            let Some(c) = self.peek(0) else {
                return Ok(None);
            };
            let line = self.line;
            match c {
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'\\' if self.peek(1) == Some(b'\n') => {
                    self.pos += 2;
                    self.line += 1;
                }
                b'\n' | b';' => {
                    self.pos += 1;
                    if c == b'\n' {
                        self.line += 1;
                    }
                    return Ok(Some((line, Token::Separator)));
                }
                b'{' | b'}' => {
                    self.pos += 1;
                    let token = if c == b'{' { Token::Open } else { Token::Close };
                    return Ok(Some((line, token)));
                }
                b'#' => {
                    while self.peek(0).is_some_and(|c| c != b'\n') {
                        self.pos += 1;
                    }
                }
                _ => return self.word().map(|w| Some((line, Token::Word(w)))),
            }
        }
    }

    fn unterminated(&self, line: usize) -> MenuError {
        MenuError {
            line,
            kind: MenuErrorKind::UnterminatedQuote,
        }
    }

    fn word(&mut self) -> Result<&[u8], MenuError> {
        let (pos, line) = (self.pos, self.line);
        let mut measure = Measure::new(self.text);
        self.scan_word(&mut measure)?;
        if let Some(range) = measure.verbatim() {
            return Ok(self.text.get(range).unwrap_or(&[]));
        }
        (self.pos, self.line) = (pos, line);
        let mut buf = self.scratch.take(measure.len());
        self.scan_word(&mut buf)?;
        Ok(self.scratch.put(buf))
    }

    fn scan_word(&mut self, out: &mut impl Sink) -> Result<(), MenuError> {
        while let Some(c) = self.peek(0) {
            if ends_word(c) {
                break;
            }
            self.pos += 1;
            match c {
                b'\'' => {
                    let start = self.line;
                    loop {
                        match self.peek(0) {
                            None => return Err(self.unterminated(start)),
                            Some(b'\'') => break,
                            Some(q) => {
                                if q == b'\n' {
                                    self.line += 1;
                                }
                                out.push(self.pos, q);
                            }
                        }
                        self.pos += 1;
                    }
                    self.pos += 1;
                }
                b'"' => self.double_quoted(out)?,
                // `${name}` is part of the word, braces included.
                b'$' if self.peek(0) == Some(b'{') => {
                    out.push(self.pos - 1, b'$');
                    while let Some(v) = self.peek(0).filter(|&v| v != b'\n') {
                        out.push(self.pos, v);
                        self.pos += 1;
                        if v == b'}' {
                            break;
                        }
                    }
                }
                b'\\' => match self.peek(0) {
                    None => out.push(self.pos - 1, b'\\'),
                    Some(b'\n') => {
                        self.pos += 1;
                        self.line += 1;
                    }
                    Some(next) => {
                        out.push(self.pos, next);
                        self.pos += 1;
                    }
                },
                other => out.push(self.pos - 1, other),
            }
        }
        Ok(())
    }

    fn double_quoted(&mut self, out: &mut impl Sink) -> Result<(), MenuError> {
        let start = self.line;
        loop {
            let Some(c) = self.peek(0) else {
                return Err(self.unterminated(start));
            };
            self.pos += 1;
            match c {
                b'"' => return Ok(()),
                b'\\' => match self.peek(0) {
                    Some(e @ (b'\\' | b'"' | b'$')) => {
                        out.push(self.pos, e);
                        self.pos += 1;
                    }
                    Some(b'\n') => {
                        self.pos += 1;
                        self.line += 1;
                    }
                    _ => out.push(self.pos - 1, b'\\'),
                },
                other => {
                    if other == b'\n' {
                        self.line += 1;
                    }
                    out.push(self.pos - 1, other);
                }
            }
        }
    }
}
