//! Just enough of a Rust lexer for the unsafe-code audit: words (identifiers, keywords,
//! numbers) and punctuation, each with its line. Comments (doc comments too) and string, byte
//! and char literals are dropped, so text that merely mentions `unsafe` never counts.

/// One token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    /// An identifier, keyword or number: `unsafe`, `allow`, `r#type`, `0x1f`.
    Word(String),
    /// One punctuation character: `#`, `!`, `[`, `(`, ...
    Punct(char),
}

/// A token and the (1-based) line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The token.
    pub tok: Tok,
    /// Its line.
    pub line: usize,
}

impl Token {
    /// True for the word `w`.
    pub fn is_word(&self, w: &str) -> bool {
        matches!(&self.tok, Tok::Word(x) if x == w)
    }

    /// True for the punctuation character `c`.
    pub fn is_punct(&self, c: char) -> bool {
        self.tok == Tok::Punct(c)
    }
}

/// The tokens of `src`. Malformed input (an unterminated literal) ends the token list early.
pub fn tokens(src: &str) -> Vec<Token> {
    let s: Vec<char> = src.chars().collect();
    let mut lx = Lexer {
        s: &s,
        i: 0,
        line: 1,
    };
    let mut out = Vec::new();
    while let Some(&c) = s.get(lx.i) {
        let line = lx.line;
        match c {
            '/' if lx.at(1) == Some('/') => lx.skip_while(|c| c != '\n'),
            '/' if lx.at(1) == Some('*') => lx.block_comment(),
            '"' => lx.string(),
            '\'' => lx.quote(),
            c if is_word_char(c) => {
                let word = lx.word();
                match (word.as_str(), lx.at(0)) {
                    ("b" | "c", Some('"')) => lx.string(),
                    ("b", Some('\'')) => lx.quote(),
                    ("r" | "br" | "cr", Some('"' | '#')) if lx.raw_string() => {}
                    ("r", Some('#')) => {
                        lx.i += 1;
                        let ident = lx.word();
                        out.push(Token {
                            tok: Tok::Word(format!("r#{ident}")),
                            line,
                        });
                    }
                    _ => out.push(Token {
                        tok: Tok::Word(word),
                        line,
                    }),
                }
            }
            c if c.is_whitespace() => lx.bump(),
            c => {
                out.push(Token {
                    tok: Tok::Punct(c),
                    line,
                });
                lx.i += 1;
            }
        }
    }
    out
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

struct Lexer<'a> {
    s: &'a [char],
    i: usize,
    line: usize,
}

impl Lexer<'_> {
    fn at(&self, off: usize) -> Option<char> {
        self.s.get(self.i + off).copied()
    }

    /// Steps over one character, counting lines.
    fn bump(&mut self) {
        if self.at(0) == Some('\n') {
            self.line += 1;
        }
        self.i += 1;
    }

    fn skip_while(&mut self, f: impl Fn(char) -> bool) {
        while self.at(0).is_some_and(&f) {
            self.bump();
        }
    }

    fn word(&mut self) -> String {
        let start = self.i;
        while self.at(0).is_some_and(is_word_char) {
            self.i += 1;
        }
        self.s[start..self.i].iter().collect()
    }

    /// A (nested) block comment, from its `/*`.
    fn block_comment(&mut self) {
        let mut depth = 0usize;
        while let Some(c) = self.at(0) {
            match (c, self.at(1)) {
                ('/', Some('*')) => {
                    depth += 1;
                    self.i += 2;
                }
                ('*', Some('/')) => {
                    self.i += 2;
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => self.bump(),
            }
        }
    }

    /// A string with escapes, from its opening `"`.
    fn string(&mut self) {
        self.i += 1;
        while let Some(c) = self.at(0) {
            match c {
                '\\' => {
                    self.i += 1;
                    self.bump();
                }
                '"' => {
                    self.i += 1;
                    return;
                }
                _ => self.bump(),
            }
        }
    }

    /// A raw string from the `#`s or `"` after its `r`; false (nothing consumed) if there is
    /// no `"` after the `#`s (a raw identifier).
    fn raw_string(&mut self) -> bool {
        let hashes = self.s[self.i..].iter().take_while(|&&c| c == '#').count();
        if self.at(hashes) != Some('"') {
            return false;
        }
        self.i += hashes + 1;
        while let Some(c) = self.at(0) {
            self.bump();
            let closing = self.s.get(self.i..self.i + hashes);
            if c == '"' && closing.is_some_and(|h| h.iter().all(|&c| c == '#')) {
                self.i += hashes;
                break;
            }
        }
        true
    }

    /// A char literal (`'a'`, `'\''`, `'"'`), or the quote of a lifetime or label (`'a`).
    fn quote(&mut self) {
        if self.at(1) == Some('\\') {
            self.i += 3;
            self.skip_while(|c| c != '\'');
            self.i += 1;
        } else if self.at(2) == Some('\'') {
            self.i += 3;
        } else {
            self.i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(src: &str) -> Vec<String> {
        tokens(src)
            .into_iter()
            .filter_map(|t| match t.tok {
                Tok::Word(w) => Some(w),
                Tok::Punct(_) => None,
            })
            .collect()
    }

    #[test]
    fn comments_and_literals_are_dropped() {
        let src = r####"
            // unsafe in a comment
            /* outer /* nested unsafe */ still comment unsafe */
            /// doc: unsafe
            let a = "unsafe \" still string unsafe";
            let b = b"unsafe"; let c = c"unsafe";
            let d = r#"unsafe " unsafe"#; let e = br##"unsafe"# unsafe"##;
            let f = '"'; let g = '\''; let h = b'\\'; let i = '\u{2764}';
            kept
        "####;
        assert_eq!(
            words(src),
            ["let", "a", "let", "b", "let", "c", "let", "d", "let", "e", "let", "f", "let", "g"]
                .into_iter()
                .chain(["let", "h", "let", "i", "kept"])
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn lifetimes_raw_identifiers_and_lines() {
        let src = "fn f<'a>(x: &'a u8) {}\n'outer: loop { break 'outer; }\nr#unsafe unsafe";
        let toks = tokens(src);
        assert_eq!(
            words(src),
            ["fn", "f", "a", "x", "a", "u8", "outer", "loop", "break", "outer", "r#unsafe"]
                .into_iter()
                .chain(["unsafe"])
                .collect::<Vec<_>>()
        );
        let last = toks.last().unwrap();
        assert!(last.is_word("unsafe"));
        assert_eq!(last.line, 3);
    }

    #[test]
    fn lines_count_inside_comments_and_strings() {
        let toks = tokens("/*\n\n*/ \"a\nb\" r\"\n\" x");
        assert_eq!(toks.len(), 1);
        assert_eq!(toks[0].line, 5);
    }

    #[test]
    fn unterminated_literals_end_the_list() {
        assert_eq!(words("a \"b"), ["a"]);
        assert_eq!(words("a /* b"), ["a"]);
        assert_eq!(words("a r#\"b"), ["a"]);
    }
}
