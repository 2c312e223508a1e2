//! Reading what a [`Store`](super::Store) wrote.

use super::{offset, Dev, Span};

/// Reads what a [`Store`](super::Store) wrote. Reading past the end gives zeros, never a panic (the
/// arena is ours, so that does not happen).
pub(in crate::menu) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(in crate::menu) fn at(buf: &'a [u8], pos: usize) -> Reader<'a> {
        Reader { buf, pos }
    }

    pub(in crate::menu) fn pos(&self) -> usize {
        self.pos
    }

    pub(in crate::menu) fn varint(&mut self) -> u64 {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let Some(&b) = self.buf.get(self.pos) else {
                return n;
            };
            self.pos += 1;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                break;
            }
        }
        n
    }

    pub(in crate::menu) fn u32(&mut self) -> u32 {
        u32::try_from(self.varint()).unwrap_or(u32::MAX)
    }

    pub(in crate::menu) fn span(&mut self) -> Span {
        Span {
            start: self.u32(),
            len: self.u32(),
        }
    }

    pub(in crate::menu) fn dev(&mut self) -> Option<Dev> {
        match self.varint() {
            1 => Some(Dev::Network),
            2 => {
                let drive = self.u32();
                let partition = self.u32().checked_sub(1);
                let bsd_slice = char::from_u32(self.u32()).filter(|&c| c != '\0');
                Some(Dev::Disk {
                    drive,
                    partition,
                    bsd_slice,
                })
            }
            3 => Some(Dev::Other(self.span())),
            _ => None,
        }
    }

    /// A file of a list: its mode and the span of its word.
    pub(in crate::menu) fn file(&mut self) -> (u8, Span) {
        let head = self.varint();
        let len = usize::try_from(head >> 2).unwrap_or(usize::MAX);
        let start = self.pos;
        self.pos = self.pos.saturating_add(len).min(self.buf.len());
        let span = Span {
            start: offset(start),
            len: offset(self.pos - start),
        };
        ((head & 3) as u8, span)
    }

    /// Skips `n` bytes and returns their span.
    pub(in crate::menu) fn bytes(&mut self, n: usize) -> Span {
        let start = self.pos;
        self.pos = self.pos.saturating_add(n).min(self.buf.len());
        Span {
            start: offset(start),
            len: offset(self.pos - start),
        }
    }
}
