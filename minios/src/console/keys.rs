//! Keys from the bytes a terminal sends: printable bytes, control keys, and the escape
//! sequences of arrow and editing keys (`ESC [ A`, `ESC O A`, `ESC [ 5 ~`, ...).
//!
//! A lone ESC cannot be told from the start of a sequence until more bytes come or none do
//! for a while: [`KeyDecoder::pending`] says a sequence is open, and the reader calls
//! [`KeyDecoder::flush`] when the line has been quiet (the primary console's
//! `Input::read_key` waits 50 ms).

/// One key press.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A byte of text (0x20..=0x7e, or a byte of a UTF-8 sequence).
    Char(u8),
    /// Return: CR, LF, or CR LF (one key).
    Enter,
    /// Backspace or DEL (0x08, 0x7f).
    Backspace,
    /// Delete (`ESC [ 3 ~`).
    Delete,
    /// Escape, alone.
    Esc,
    /// Tab (0x09).
    Tab,
    /// Cursor up.
    Up,
    /// Cursor down.
    Down,
    /// Cursor left.
    Left,
    /// Cursor right.
    Right,
    /// Home.
    Home,
    /// End.
    End,
    /// Page up.
    PageUp,
    /// Page down.
    PageDown,
    /// Another control byte: `Ctrl(b'u')` for Ctrl-U (0x15).
    Ctrl(u8),
    /// An escape sequence this decoder does not know (it was consumed whole).
    Unknown,
}

/// What a boot menu does with a key (pv-grub's keys: arrows or `j`/`k`, Enter, `e`, Esc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuKey {
    /// Previous entry (Up, `k`).
    Up,
    /// Next entry (Down, `j`).
    Down,
    /// Boot the selected entry (Enter).
    Select,
    /// Edit the selected entry (`e`).
    Edit,
    /// Leave the editor or the menu (Esc).
    Back,
}

impl Key {
    /// The menu action of this key, if it has one.
    pub fn menu(self) -> Option<MenuKey> {
        Some(match self {
            Key::Up | Key::Char(b'k') => MenuKey::Up,
            Key::Down | Key::Char(b'j') => MenuKey::Down,
            Key::Enter => MenuKey::Select,
            Key::Char(b'e') => MenuKey::Edit,
            Key::Esc => MenuKey::Back,
            _ => return None,
        })
    }
}

/// Longest parameter part of a CSI sequence kept (`ESC [ 1 ; 5 A` has 3 bytes); longer
/// sequences are consumed and reported as [`Key::Unknown`].
const MAX_PARAMS: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Ground,
    /// After ESC.
    Esc,
    /// After `ESC [`, with the parameter bytes so far.
    Csi {
        len: usize,
        overflow: bool,
    },
    /// After `ESC O`.
    Ss3,
}

/// Turns bytes into [`Key`]s, one byte at a time.
#[derive(Debug, Clone)]
pub struct KeyDecoder {
    state: State,
    params: [u8; MAX_PARAMS],
    /// The last byte was CR: a LF right after it belongs to the same Enter.
    after_cr: bool,
}

impl Default for KeyDecoder {
    fn default() -> Self {
        Self::new()
    }
}

/// The keys one byte completed: none, one, or two (an ESC that turned out to be alone,
/// then the key of the byte after it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Keys([Option<Key>; 2]);

impl Iterator for Keys {
    type Item = Key;
    fn next(&mut self) -> Option<Key> {
        let k = self.0[0].take();
        self.0[0] = self.0[1].take();
        k
    }
}

impl Keys {
    fn one(k: Key) -> Self {
        Keys([Some(k), None])
    }
}

impl KeyDecoder {
    /// A decoder in its initial state.
    pub const fn new() -> Self {
        Self {
            state: State::Ground,
            params: [0; MAX_PARAMS],
            after_cr: false,
        }
    }

    /// Whether an escape sequence is open (an ESC was the last complete thing seen).
    pub fn pending(&self) -> bool {
        self.state != State::Ground
    }

    /// Ends an open sequence because no more bytes came: a lone ESC is [`Key::Esc`], a cut
    /// sequence is [`Key::Unknown`].
    pub fn flush(&mut self) -> Option<Key> {
        let st = core::mem::replace(&mut self.state, State::Ground);
        match st {
            State::Ground => None,
            State::Esc => Some(Key::Esc),
            State::Csi { .. } | State::Ss3 => Some(Key::Unknown),
        }
    }

    /// Feeds one byte; returns the keys it completed.
    pub fn feed(&mut self, b: u8) -> Keys {
        let after_cr = core::mem::replace(&mut self.after_cr, false);
        match self.state {
            State::Ground => self.ground(b, after_cr).map_or(Keys::default(), Keys::one),
            State::Esc => match b {
                b'[' => {
                    self.state = State::Csi {
                        len: 0,
                        overflow: false,
                    };
                    Keys::default()
                }
                b'O' => {
                    self.state = State::Ss3;
                    Keys::default()
                }
                0x1b => Keys::one(Key::Esc),
                _ => {
                    self.state = State::Ground;
                    Keys([Some(Key::Esc), self.ground(b, false)])
                }
            },
            State::Ss3 => {
                self.state = State::Ground;
                Keys::one(match b {
                    b'A' => Key::Up,
                    b'B' => Key::Down,
                    b'C' => Key::Right,
                    b'D' => Key::Left,
                    b'H' => Key::Home,
                    b'F' => Key::End,
                    _ => Key::Unknown,
                })
            }
            State::Csi { len, overflow } => match b {
                0x20..=0x3f => {
                    let fits = len < MAX_PARAMS;
                    if fits {
                        self.params[len] = b;
                    }
                    self.state = State::Csi {
                        len: len + fits as usize,
                        overflow: overflow || !fits,
                    };
                    Keys::default()
                }
                0x40..=0x7e => {
                    self.state = State::Ground;
                    let key = if overflow {
                        Key::Unknown
                    } else {
                        csi_key(&self.params[..len], b)
                    };
                    Keys::one(key)
                }
                // Not a CSI byte: the sequence is broken; the byte starts afresh.
                _ => {
                    self.state = State::Ground;
                    Keys([Some(Key::Unknown), self.ground(b, false)])
                }
            },
        }
    }

    fn ground(&mut self, b: u8, after_cr: bool) -> Option<Key> {
        Some(match b {
            b'\r' => {
                self.after_cr = true;
                Key::Enter
            }
            b'\n' | 0 if after_cr => return None,
            b'\n' => Key::Enter,
            0x08 | 0x7f => Key::Backspace,
            b'\t' => Key::Tab,
            0x1b => {
                self.state = State::Esc;
                return None;
            }
            0x00..=0x1f => Key::Ctrl(b | 0x60),
            _ => Key::Char(b),
        })
    }
}

/// The key of a CSI sequence: its parameter bytes and final byte.
fn csi_key(params: &[u8], fin: u8) -> Key {
    // Modifiers (`1;5A` for Ctrl-Up) do not change the key.
    let first = params.split(|&c| c == b';').next().unwrap_or(&[]);
    match (fin, first) {
        (b'A', _) => Key::Up,
        (b'B', _) => Key::Down,
        (b'C', _) => Key::Right,
        (b'D', _) => Key::Left,
        (b'H', _) => Key::Home,
        (b'F', _) => Key::End,
        (b'~', b"1" | b"7") => Key::Home,
        (b'~', b"4" | b"8") => Key::End,
        (b'~', b"3") => Key::Delete,
        (b'~', b"5") => Key::PageUp,
        (b'~', b"6") => Key::PageDown,
        _ => Key::Unknown,
    }
}
