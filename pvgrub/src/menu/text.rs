//! [`Text`]: bytes a menu wrote (a title, arguments, a path, a device name), kept exactly and
//! shared rather than copied.

use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::ops::Deref;

use crate::text::escape;

/// Bytes from a menu, exactly as written (they need not be UTF-8), shared: cloning one is a
/// reference count, and every entry of a parsed menu points into one buffer.
///
/// `Display` shows them escaped with [`crate::text::escape`] (so `to_string()` is safe to
/// print); [`Text::as_bytes`] gives them back unchanged, for file lookups and command lines.
#[derive(Clone)]
pub struct Text {
    buf: Rc<Vec<u8>>,
    start: u32,
    end: u32,
}

impl Text {
    /// `buf[start..end]` (clamped to `buf`).
    pub(super) fn new(buf: Rc<Vec<u8>>, start: usize, end: usize) -> Text {
        let end = u32::try_from(end.min(buf.len())).unwrap_or(u32::MAX);
        let start = u32::try_from(start).unwrap_or(u32::MAX).min(end);
        Text { buf, start, end }
    }

    /// The bytes, unchanged.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf
            .get(self.start as usize..self.end as usize)
            .unwrap_or(&[])
    }

    /// The bytes as a `str`, if they are UTF-8.
    pub fn to_str(&self) -> Option<&str> {
        core::str::from_utf8(self.as_bytes()).ok()
    }

    /// `self[from..to]`, sharing the same buffer.
    pub(super) fn slice(&self, from: usize, to: usize) -> Text {
        let base = self.start as usize;
        let to = to.min(self.len());
        Text::new(self.buf.clone(), base + from.min(to), base + to)
    }
}

impl Deref for Text {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl AsRef<[u8]> for Text {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl Default for Text {
    fn default() -> Text {
        Text::from(Vec::new())
    }
}

impl From<Vec<u8>> for Text {
    fn from(bytes: Vec<u8>) -> Text {
        let len = bytes.len();
        Text::new(Rc::new(bytes), 0, len)
    }
}

impl From<&[u8]> for Text {
    fn from(bytes: &[u8]) -> Text {
        Text::from(bytes.to_vec())
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::from(s.as_bytes())
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::from(s.into_bytes())
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", escape(self.as_bytes()))
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", escape(self.as_bytes()))
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Text {}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Text) -> core::cmp::Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl core::hash::Hash for Text {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

/// `Text == "..."` and the like compare the bytes.
macro_rules! eq_bytes {
    ($($t:ty),*) => {$(
        impl PartialEq<$t> for Text {
            fn eq(&self, other: &$t) -> bool {
                self.as_bytes() == AsRef::<[u8]>::as_ref(other)
            }
        }
        impl PartialEq<Text> for $t {
            fn eq(&self, other: &Text) -> bool {
                other == self
            }
        }
    )*};
}

eq_bytes!(str, &str, String, [u8], &[u8], Vec<u8>);

impl<const N: usize> PartialEq<[u8; N]> for Text {
    fn eq(&self, other: &[u8; N]) -> bool {
        self.as_bytes() == other
    }
}

impl<const N: usize> PartialEq<&[u8; N]> for Text {
    fn eq(&self, other: &&[u8; N]) -> bool {
        self.as_bytes() == *other
    }
}
