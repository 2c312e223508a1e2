//! Showing what the peer sent, and sizes, to a person.

use core::fmt;

/// Up to [`Text::CAPACITY`] bytes from the peer (a message, an option name or value), kept
/// without allocating and shown with every byte outside printable ASCII escaped (`\x1b`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Text {
    bytes: [u8; Text::CAPACITY],
    len: u8,
    cut: bool,
}

impl Text {
    /// The most bytes kept; the rest is shown as `...`.
    pub const CAPACITY: usize = 64;

    /// The first [`Text::CAPACITY`] bytes of `b`.
    pub fn new(b: &[u8]) -> Self {
        let len = b.len().min(Self::CAPACITY);
        let mut bytes = [0; Self::CAPACITY];
        bytes[..len].copy_from_slice(&b[..len]);
        Text {
            bytes,
            len: len as u8,
            cut: b.len() > len,
        }
    }

    /// The bytes kept.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &b in self.as_bytes() {
            match b {
                b'\\' => f.write_str("\\\\")?,
                0x20..=0x7e => fmt::Write::write_char(f, char::from(b))?,
                _ => write!(f, "\\x{b:02x}")?,
            }
        }
        if self.cut {
            f.write_str("...")?;
        }
        Ok(())
    }
}

/// A size in the largest binary unit that divides it (`64 MiB`, `1536 KiB`, `1000 bytes`).
pub(super) struct Size(pub(super) u64);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            n if n != 0 && n % (1 << 20) == 0 => write!(f, "{} MiB", n >> 20),
            n if n != 0 && n % (1 << 10) == 0 => write!(f, "{} KiB", n >> 10),
            n => write!(f, "{n} bytes"),
        }
    }
}
