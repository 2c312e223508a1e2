//! Words and lines of a menu without copies: a scanner writes what it reads to a [`Sink`];
//! a first run into a [`Measure`] finds whether the result is a run of the text as it is
//! (then that slice of the text is used), else its exact length, for a second run into a
//! buffer of exactly that size. No buffer grows, so none briefly holds three times its size.

use alloc::vec::Vec;
use core::ops::Range;

/// Where a scanner puts the bytes of a word or line.
pub(super) trait Sink {
    /// Appends `byte`, read at (or made up for) offset `at` of the text.
    fn push(&mut self, at: usize, byte: u8);
    /// Removes the last byte.
    fn pop(&mut self);
    /// Whether nothing is held.
    fn is_empty(&self) -> bool;
}

impl Sink for Vec<u8> {
    fn push(&mut self, _at: usize, byte: u8) {
        Vec::push(self, byte);
    }
    fn pop(&mut self) {
        Vec::pop(self);
    }
    fn is_empty(&self) -> bool {
        Vec::is_empty(self)
    }
}

/// Measures what a scanner writes: its length, and whether it is `text[start..start+len]`.
pub(super) struct Measure<'a> {
    text: &'a [u8],
    start: usize,
    len: usize,
    verbatim: bool,
}

impl<'a> Measure<'a> {
    pub(super) fn new(text: &'a [u8]) -> Measure<'a> {
        Measure {
            text,
            start: 0,
            len: 0,
            verbatim: true,
        }
    }

    /// The range of the text the result is, if it is one.
    pub(super) fn verbatim(&self) -> Option<Range<usize>> {
        self.verbatim.then_some(self.start..self.start + self.len)
    }

    /// Its length.
    pub(super) fn len(&self) -> usize {
        self.len
    }
}

impl Sink for Measure<'_> {
    fn push(&mut self, at: usize, byte: u8) {
        if self.len == 0 {
            self.start = at;
        }
        self.verbatim &= at == self.start + self.len && self.text.get(at) == Some(&byte);
        self.len += 1;
    }
    fn pop(&mut self) {
        self.len = self.len.saturating_sub(1);
    }
    fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// A buffer of the exact size of what is decoded into it; a large one is let go soon.
#[derive(Default)]
pub(super) struct Scratch(Vec<u8>);

/// Scratch buffers at most this big are kept for reuse.
const KEEP: usize = 4096;

impl Scratch {
    /// An empty buffer for exactly `len` bytes (taken out; give it back with [`Self::put`]).
    pub(super) fn take(&mut self, len: usize) -> Vec<u8> {
        let mut buf = core::mem::take(&mut self.0);
        if buf.capacity() < len || buf.capacity() > len.max(KEEP) {
            drop(buf);
            buf = Vec::with_capacity(len);
        }
        buf.clear();
        buf
    }

    /// Gives the buffer back; returns its contents.
    pub(super) fn put(&mut self, buf: Vec<u8>) -> &[u8] {
        self.0 = buf;
        &self.0
    }

    /// Lets go of a large buffer once its contents are no longer needed.
    pub(super) fn trim(&mut self) {
        if self.0.capacity() > KEEP {
            self.0 = Vec::new();
        }
    }
}
