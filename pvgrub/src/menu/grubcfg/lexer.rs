//! GRUB 2 script words: quoting, escapes, comments, line continuation, `;`, `{` and `}`.
//!
//! `'...'` is literal; `"..."` keeps everything but `\\`, `\"`, `\$` (unescaped) and
//! backslash-newline (removed); an unquoted backslash escapes the next character, or joins
//! lines before a newline. `#` starts a comment at the start of a word. Variables (`$x`) are
//! not expanded: the text is kept as written (`${name}` stays one word, braces included).

use crate::menu::error::{MenuError, MenuErrorKind};
use alloc::string::String;
use alloc::vec::Vec;

/// One token of a grub.cfg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Token {
    /// A word, quotes and escapes removed.
    Word(String),
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
        }
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.text.get(self.pos + ahead).copied()
    }

    /// The next token, `None` at the end of the text.
    pub(super) fn next_token(&mut self) -> Result<Option<(usize, Token)>, MenuError> {
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

    fn word(&mut self) -> Result<String, MenuError> {
        let mut out: Vec<u8> = Vec::new();
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
                                out.push(q);
                            }
                        }
                        self.pos += 1;
                    }
                    self.pos += 1;
                }
                b'"' => self.double_quoted(&mut out)?,
                // `${name}` is part of the word, braces included.
                b'$' if self.peek(0) == Some(b'{') => {
                    out.push(b'$');
                    while let Some(v) = self.peek(0).filter(|&v| v != b'\n') {
                        self.pos += 1;
                        out.push(v);
                        if v == b'}' {
                            break;
                        }
                    }
                }
                b'\\' => match self.peek(0) {
                    None => out.push(b'\\'),
                    Some(b'\n') => {
                        self.pos += 1;
                        self.line += 1;
                    }
                    Some(next) => {
                        self.pos += 1;
                        out.push(next);
                    }
                },
                other => out.push(other),
            }
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    fn double_quoted(&mut self, out: &mut Vec<u8>) -> Result<(), MenuError> {
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
                        self.pos += 1;
                        out.push(e);
                    }
                    Some(b'\n') => {
                        self.pos += 1;
                        self.line += 1;
                    }
                    _ => out.push(b'\\'),
                },
                other => {
                    if other == b'\n' {
                        self.line += 1;
                    }
                    out.push(other);
                }
            }
        }
    }
}
