//! Compressed input pulled from a [`Source`] in bounded chunks, so that a stream is never held
//! whole: one [`CHUNK`]-byte buffer, refilled as a decoder consumes it.
//!
//! The stream may be cut off at a `stop` offset (a bzImage payload ends before the size
//! appended to it): readers see the end there, whatever the source holds after it.
//!
//! A source that fails is remembered and then reads as the end: the decoder fails (usually
//! with [`Error::Truncated`]) or stops, and [`Input::finish`] reports the source's error in
//! its place, even after a decoder that succeeded (a legacy lz4 stream ends where its input
//! does, so a read error would otherwise pass for the end).

use super::{Error, StreamError};
use crate::io::Source;
use alloc::vec::Vec;

/// Bytes buffered at most: what one read of the source asks for.
pub(crate) const CHUNK: usize = 64 << 10;

/// A buffered, bounded reader over a [`Source`].
pub(crate) struct Input<S: Source> {
    source: S,
    /// `CHUNK` bytes; `buf[start..end]` is read from the source and not consumed yet.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// End of what readers may see in `buf`: `end`, or less where `stop` falls inside.
    limit: usize,
    /// Stream offset of `buf[start]`.
    offset: u64,
    /// Stream offset where readers see the end.
    stop: u64,
    /// The source reported its end.
    ended: bool,
    /// The source's error, once it failed.
    failure: Option<S::Error>,
}

impl<S: Source> Input<S> {
    /// A reader at the start of `source` that sees its end at `stop` at the latest.
    pub(crate) fn new(source: S, stop: u64) -> Result<Input<S>, Error> {
        let mut buf = Vec::new();
        buf.try_reserve_exact(CHUNK)
            .map_err(|_| Error::OutOfMemory)?;
        buf.resize(CHUNK, 0);
        Ok(Input {
            source,
            buf,
            start: 0,
            end: 0,
            limit: 0,
            offset: 0,
            stop,
            ended: false,
            failure: None,
        })
    }

    /// Stream offset of the next byte.
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// Bytes read from the source so far (consumed or buffered).
    pub(crate) fn pulled(&self) -> u64 {
        self.offset + (self.end - self.start) as u64
    }

    /// Moves the end readers see to stream offset `stop`.
    pub(crate) fn set_stop(&mut self, stop: u64) {
        self.stop = stop;
        self.update_limit();
    }

    fn update_limit(&mut self) {
        let left = usize::try_from(self.stop.saturating_sub(self.offset)).unwrap_or(usize::MAX);
        self.limit = self.end.min(self.start.saturating_add(left));
    }

    /// Reads more of the source after what is buffered (moved to the front first), unless
    /// it ended, failed, or `stop` is buffered already. One read: it may add nothing.
    fn pull(&mut self) {
        let buffered = (self.end - self.start) as u64;
        let wanted = self
            .stop
            .saturating_sub(self.offset)
            .saturating_sub(buffered);
        if self.ended || self.failure.is_some() || wanted == 0 {
            return;
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let room = (self.buf.len() - self.end).min(usize::try_from(wanted).unwrap_or(usize::MAX));
        let Some(space) = self.buf.get_mut(self.end..self.end + room) else {
            return;
        };
        if space.is_empty() {
            return;
        }
        match self.source.read(space) {
            Ok(0) => self.ended = true,
            Ok(n) => self.end += n.min(room),
            Err(e) => self.failure = Some(e),
        }
        self.update_limit();
    }

    /// The bytes available now without blocking on more than one read; empty only at the
    /// end of the stream.
    pub(crate) fn fill(&mut self) -> &[u8] {
        if self.start == self.limit {
            self.pull();
        }
        self.buf.get(self.start..self.limit).unwrap_or_default()
    }

    /// The next `n` bytes (at most [`CHUNK`]) without consuming them; fewer only at the end.
    pub(crate) fn peek(&mut self, n: usize) -> &[u8] {
        let n = n.min(CHUNK);
        // Each pass reads more or ends the stream, and the buffer holds `n` bytes.
        while self.limit - self.start < n {
            let before = self.limit - self.start;
            self.pull();
            if self.limit - self.start == before {
                break;
            }
        }
        let end = self.limit.min(self.start + n);
        self.buf.get(self.start..end).unwrap_or_default()
    }

    /// Buffers more bytes after those available (for a decoder that took none of them);
    /// whether any came.
    pub(crate) fn more(&mut self) -> bool {
        let before = self.limit - self.start;
        self.pull();
        self.limit - self.start > before
    }

    /// Whether the stream has ended (reading more if nothing is buffered).
    pub(crate) fn at_end(&mut self) -> bool {
        self.fill().is_empty()
    }

    /// Marks `n` of the bytes [`Input::fill`] or [`Input::peek`] gave as read.
    pub(crate) fn consume(&mut self, n: usize) {
        let n = n.min(self.limit - self.start);
        self.start += n;
        self.offset += n as u64;
    }

    /// The next byte.
    #[inline]
    pub(crate) fn byte(&mut self) -> Result<u8, Error> {
        if self.start == self.limit {
            self.pull();
        }
        let b = *self
            .buf
            .get(self.start)
            .filter(|_| self.start < self.limit)
            .ok_or(Error::Truncated)?;
        self.start += 1;
        self.offset += 1;
        Ok(b)
    }

    /// The next `N` bytes (at most [`CHUNK`]).
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let mut out = [0; N];
        let got = self.peek(N);
        out.get_mut(..got.len())
            .ok_or(Error::Truncated)?
            .copy_from_slice(got);
        if got.len() < N {
            return Err(Error::Truncated);
        }
        self.consume(N);
        Ok(out)
    }

    /// Up to `out.len()` bytes into `out`; how many (0 only at the end).
    pub(crate) fn read(&mut self, out: &mut [u8]) -> usize {
        let now = self.fill();
        let n = now.len().min(out.len());
        if let (Some(to), Some(from)) = (out.get_mut(..n), now.get(..n)) {
            to.copy_from_slice(from);
        }
        self.consume(n);
        n
    }

    /// Exactly `out.len()` bytes into `out`.
    pub(crate) fn read_exact(&mut self, out: &mut [u8]) -> Result<(), Error> {
        let mut done = 0;
        while let Some(rest) = out.get_mut(done..).filter(|r| !r.is_empty()) {
            match self.read(rest) {
                0 => return Err(Error::Truncated),
                n => done += n,
            }
        }
        Ok(())
    }

    /// Appends the next `n` bytes to `out` (which the caller has reserved room in).
    pub(crate) fn append_to(&mut self, out: &mut Vec<u8>, n: usize) -> Result<(), Error> {
        let mut left = n;
        while left > 0 {
            let now = self.fill();
            if now.is_empty() {
                return Err(Error::Truncated);
            }
            let take = now.len().min(left);
            out.extend_from_slice(now.get(..take).unwrap_or_default());
            self.consume(take);
            left -= take;
        }
        Ok(())
    }

    /// Passes over the next `n` bytes, handing each piece to `seen` (a checksum).
    pub(crate) fn skip(&mut self, n: u64, mut seen: impl FnMut(&[u8])) -> Result<(), Error> {
        let mut left = n;
        while left > 0 {
            let now = self.fill();
            if now.is_empty() {
                return Err(Error::Truncated);
            }
            let take = now.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            seen(now.get(..take).unwrap_or_default());
            self.consume(take);
            left -= take as u64;
        }
        Ok(())
    }

    /// The source's error, if it failed.
    pub(crate) fn take_failure(&mut self) -> Option<S::Error> {
        self.failure.take()
    }

    /// `result`, unless the source failed: then the source's error.
    pub(crate) fn finish<T>(
        &mut self,
        result: Result<T, Error>,
    ) -> Result<T, StreamError<S::Error>> {
        match self.take_failure() {
            Some(e) => Err(StreamError::Source(e)),
            None => result.map_err(StreamError::Decode),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source that gives at most 3 bytes a read, and fails at `fail_at` if given.
    struct Trickle<'a> {
        data: &'a [u8],
        fail_at: Option<usize>,
        pos: usize,
    }

    impl Source for Trickle<'_> {
        type Error = &'static str;

        fn read(&mut self, buf: &mut [u8]) -> Result<usize, &'static str> {
            if self.fail_at.is_some_and(|at| self.pos >= at) {
                return Err("disk on fire");
            }
            let n = buf.len().min(3).min(self.data.len() - self.pos);
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    #[test]
    fn peeks_across_short_reads_and_stops_where_told() {
        let data: Vec<u8> = (0..=255).collect();
        let src = Trickle {
            data: &data,
            fail_at: None,
            pos: 0,
        };
        let mut input = Input::new(src, 100).unwrap();
        assert_eq!(input.peek(10), &data[..10]);
        assert_eq!(input.array::<4>(), Ok([0, 1, 2, 3]));
        input.skip(90, |_| {}).unwrap();
        assert_eq!(input.offset(), 94);
        let mut rest = [0u8; 16];
        let n = input.read(&mut rest);
        assert!(n > 0 && rest[..n] == data[94..94 + n]);
        assert_eq!(input.peek(16), &data[94 + n..100]);
        input.consume(6 - n);
        assert!(input.at_end());
        assert_eq!(input.byte(), Err(Error::Truncated));
        input.set_stop(102);
        assert_eq!(input.array::<2>(), Ok([100, 101]));
        assert!(input.at_end());
        assert_eq!(input.finish(Ok(())), Ok(()));
    }

    #[test]
    fn a_failed_source_reads_as_the_end_and_is_reported() {
        let data = [7u8; 32];
        let src = Trickle {
            data: &data,
            fail_at: Some(6),
            pos: 0,
        };
        let mut input = Input::new(src, u64::MAX).unwrap();
        let mut out = Vec::new();
        assert_eq!(input.append_to(&mut out, 10), Err(Error::Truncated));
        assert_eq!(out, [7u8; 6]);
        assert!(input.at_end());
        assert_eq!(
            input.finish(Ok(())),
            Err(StreamError::Source("disk on fire"))
        );
    }
}
