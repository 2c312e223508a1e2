//! The bounded output buffer every decoder writes into.

use super::Error;
use alloc::vec::Vec;

/// Room first handed to a decoder: small (a stream may be tiny, and each call zero-fills
/// it); later chunks double up to [`MAX_CHUNK`].
const FIRST_CHUNK: usize = 16 << 10;
/// Most room handed to a decoder at once.
const MAX_CHUNK: usize = 1 << 20;

/// Output that never grows past its cap, and whose allocations fail as errors.
pub(crate) struct Sink {
    buf: Vec<u8>,
    cap: usize,
}

impl Sink {
    /// An empty sink that holds at most `cap` bytes.
    pub(crate) fn new(cap: usize) -> Sink {
        Sink {
            buf: Vec::new(),
            cap,
        }
    }

    /// A sink that already holds `data`: [`Error::OutputLimit`] if that is over `cap`.
    pub(crate) fn from_vec(data: Vec<u8>, cap: usize) -> Result<Sink, Error> {
        if data.len() > cap {
            return Err(Error::OutputLimit);
        }
        Ok(Sink { buf: data, cap })
    }

    /// Bytes written so far.
    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    /// The bytes written so far.
    pub(crate) fn data(&self) -> &[u8] {
        &self.buf
    }

    /// Makes room for `more` bytes: [`Error::OutputLimit`] past the cap.
    pub(crate) fn reserve(&mut self, more: usize) -> Result<(), Error> {
        let need = self.buf.len().checked_add(more).ok_or(Error::OutputLimit)?;
        if need > self.cap {
            return Err(Error::OutputLimit);
        }
        if need > self.buf.capacity() {
            // Grow geometrically, but never past the cap.
            let target = need
                .max(self.buf.capacity().saturating_mul(2))
                .min(self.cap);
            self.buf
                .try_reserve_exact(target - self.buf.len())
                .map_err(|_| Error::OutOfMemory)?;
        }
        Ok(())
    }

    /// Appends `data`.
    pub(crate) fn extend(&mut self, data: &[u8]) -> Result<(), Error> {
        self.reserve(data.len())?;
        self.buf.extend_from_slice(data);
        Ok(())
    }

    /// Appends `len` bytes copied from `dist` bytes back, byte by byte where they overlap,
    /// never reaching before `floor` (the start of the current independent block).
    pub(crate) fn copy_back(&mut self, floor: usize, dist: usize, len: usize) -> Result<(), Error> {
        let pos = self.buf.len();
        if dist == 0 || pos.saturating_sub(floor) < dist {
            return Err(Error::Corrupt);
        }
        self.reserve(len)?;
        let from = pos - dist;
        let end = pos + len;
        // The copied region repeats with period `dist`, so each pass may copy everything
        // written since `from`: the chunk doubles until `len` bytes are done.
        while self.buf.len() < end {
            let n = (self.buf.len() - from).min(end - self.buf.len());
            self.buf.extend_from_within(from..from + n);
        }
        Ok(())
    }

    /// Zero-extends by up to `want` bytes (less near the cap, possibly none) and returns the
    /// new tail for a decoder to write into; [`Sink::settle`] then keeps what it wrote.
    pub(crate) fn grow(&mut self, want: usize) -> Result<&mut [u8], Error> {
        let start = self.buf.len();
        let n = want.min(self.cap.saturating_sub(start));
        self.reserve(n)?;
        self.buf.resize(start + n, 0);
        Ok(self.buf.get_mut(start..).unwrap_or_default())
    }

    /// Everything written so far, mutable (for decoders that refer back into their output).
    pub(crate) fn data_mut(&mut self) -> &mut [u8] {
        &mut self.buf
    }

    /// Keeps `written` bytes of the tail that started at `start`, dropping the rest.
    pub(crate) fn settle(&mut self, start: usize, written: usize) {
        self.buf.truncate(start.saturating_add(written));
    }

    /// Drives a push decoder over `input` until it reports the end of its stream; returns the
    /// input bytes it consumed. `step(input, output)` returns (consumed, produced, ended).
    pub(crate) fn pump(
        &mut self,
        input: &[u8],
        mut step: impl FnMut(&[u8], &mut [u8]) -> Result<(usize, usize, bool), Error>,
    ) -> Result<usize, Error> {
        let mut chunk = FIRST_CHUNK;
        let mut pos = 0;
        let mut probe = [0u8; 1];
        loop {
            let rest = input.get(pos..).unwrap_or_default();
            let start = self.len();
            let tail = self.grow(chunk)?;
            chunk = (chunk * 2).min(MAX_CHUNK);
            let at_cap = tail.is_empty();
            // At the cap, a one-byte probe tells a stream that ends from one that goes on.
            let out = if at_cap { &mut probe[..] } else { tail };
            let (consumed, produced, ended) = step(rest, out)?;
            if at_cap && produced > 0 {
                return Err(Error::OutputLimit);
            }
            pos += consumed;
            self.settle(start, if at_cap { 0 } else { produced });
            if ended {
                return Ok(pos);
            }
            if consumed == 0 && produced == 0 {
                return Err(Error::Truncated);
            }
        }
    }

    /// Fills the sink from a reader until it reports the end (a read of 0 bytes).
    /// `read(output)` is never handed an empty buffer.
    pub(crate) fn read_to_end(
        &mut self,
        mut read: impl FnMut(&mut [u8]) -> Result<usize, Error>,
    ) -> Result<(), Error> {
        let mut chunk = FIRST_CHUNK;
        let mut probe = [0u8; 1];
        loop {
            let start = self.len();
            let tail = self.grow(chunk)?;
            chunk = (chunk * 2).min(MAX_CHUNK);
            if tail.is_empty() {
                // At the cap, a one-byte probe tells a stream that ends from one that goes on.
                return match read(&mut probe)? {
                    0 => Ok(()),
                    _ => Err(Error::OutputLimit),
                };
            }
            let n = read(tail)?;
            self.settle(start, n);
            if n == 0 {
                return Ok(());
            }
        }
    }

    /// The output.
    pub(crate) fn into_vec(self) -> Vec<u8> {
        self.buf
    }
}
