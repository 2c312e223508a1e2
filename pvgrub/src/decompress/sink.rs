//! The bounded output buffer every decoder writes into.
//!
//! Memory: the output is one `Vec`, grown geometrically unless its final size is known. A
//! copying reallocation briefly holds the old and the new buffer, so growing by doubling can
//! cost up to three times the output at that moment. A size the stream records (a zstd
//! frame's content size, an `.lzma` header's) or that the caller reads from the output's own
//! header (an ELF's, see [`Sizer`]) is reserved in one step instead, once the output reaches
//! 1/[`HINT_TRUST`] of it (the jump then holds at most 1/32 of the size beside it): a claim
//! is trusted only as far as the output backs it, so a tiny stream that claims a huge size
//! costs at most [`HINT_TRUST`] times what it produced.
//!
//! Decoders write into zero-filled room after the output ([`Sink::room`]); each byte is
//! zero-filled once, however often the room is handed out. Room ends at the expected size:
//! a decoder with more to write there calls [`Sink::overflow`], and the output grows by
//! doubling from then on (the claim was wrong).

use super::input::Input;
use super::Error;
use crate::io::Source;
use alloc::vec::Vec;

/// Room first handed to a decoder: small (a stream may be tiny); later room doubles up to
/// [`MAX_CHUNK`].
const FIRST_CHUNK: usize = 16 << 10;
/// Most room handed to a decoder at once.
const MAX_CHUNK: usize = 1 << 20;
/// A recorded output size is reserved once the output reaches this fraction of it.
const HINT_TRUST: usize = 32;
/// A size a [`Sizer`] reads is reserved with 1/`SIZER_MARGIN` more.
const SIZER_MARGIN: u64 = 32;
/// A [`Sizer`] that cannot tell from this much output is not asked again.
const SIZER_GIVES_UP: usize = 1 << 20;

/// Reads the final output size from the first bytes of the output, when their format records
/// it (an ELF file's header tables say where the file ends); `None` while it cannot tell.
pub(crate) type Sizer = fn(&[u8]) -> Option<usize>;

/// Output that never grows past its cap, and whose allocations fail as errors.
pub(crate) struct Sink {
    /// The output, then zero-filled room (`buf.len()` is how far it was ever filled).
    buf: Vec<u8>,
    /// Bytes of output.
    len: usize,
    cap: usize,
    /// The size the output is expected to reach.
    hint: Option<usize>,
    sizer: Option<Sizer>,
    /// Room to hand out next.
    chunk: usize,
}

impl Sink {
    /// An empty sink that holds at most `cap` bytes.
    pub(crate) fn new(cap: usize) -> Sink {
        Sink {
            buf: Vec::new(),
            len: 0,
            cap,
            hint: None,
            sizer: None,
            chunk: FIRST_CHUNK,
        }
    }

    /// An empty sink of at most `cap` bytes that asks `sizer` for its final size.
    pub(crate) fn sized_by(cap: usize, sizer: Sizer) -> Sink {
        Sink {
            sizer: Some(sizer),
            ..Sink::new(cap)
        }
    }

    /// Records that the output is expected to be `total` bytes long (a size the stream
    /// declares): reserved when the output backs it (see the module docs), never past the cap.
    pub(crate) fn expect(&mut self, total: u64) {
        let total = usize::try_from(total).unwrap_or(usize::MAX).min(self.cap);
        self.hint = Some(self.hint.map_or(total, |h| h.max(total)));
    }

    /// Bytes written so far.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The bytes written so far.
    pub(crate) fn data(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }

    /// Asks the sizer, if it is still waiting, for the final size.
    fn ask_sizer(&mut self) {
        let Some(sizer) = self.sizer else {
            return;
        };
        if let Some(total) = sizer(self.data()) {
            self.sizer = None;
            // The header may not describe everything the file holds (Linux appends its
            // relocations, ~1.5%, to the ELF in a bzImage): room for 1/32 more, so that the
            // output is not grown by doubling (twice its size, during the copy) at the end.
            self.expect((total as u64).saturating_add(total as u64 / SIZER_MARGIN));
        } else if self.len >= SIZER_GIVES_UP {
            self.sizer = None;
        }
    }

    /// Makes capacity for `more` bytes of output: [`Error::OutputLimit`] past the cap.
    pub(crate) fn reserve(&mut self, more: usize) -> Result<(), Error> {
        let need = self.len.checked_add(more).ok_or(Error::OutputLimit)?;
        if need > self.cap {
            return Err(Error::OutputLimit);
        }
        if need <= self.buf.capacity() {
            return Ok(());
        }
        self.ask_sizer();
        let mut target = need
            .max(self.buf.capacity().saturating_mul(2))
            .max(FIRST_CHUNK);
        if let Some(hint) = self.hint.filter(|&h| h >= need) {
            if target >= hint / HINT_TRUST {
                target = hint;
            }
        }
        let target = target.min(self.cap);
        self.buf
            .try_reserve_exact(target - self.buf.len())
            .map_err(|_| Error::OutOfMemory)
    }

    /// Where room ends: the expected size while the output is short of it, else the cap.
    fn room_end(&self) -> usize {
        self.hint
            .filter(|&h| h >= self.len)
            .unwrap_or(self.cap)
            .min(self.cap)
    }

    /// Drops the zero-filled room, for the decoders that append to the `Vec` itself.
    fn drop_room(&mut self) {
        self.buf.truncate(self.len);
    }

    /// Appends `data`.
    pub(crate) fn extend(&mut self, data: &[u8]) -> Result<(), Error> {
        self.reserve(data.len())?;
        self.drop_room();
        self.buf.extend_from_slice(data);
        self.len = self.buf.len();
        Ok(())
    }

    /// Appends `len` bytes copied from `dist` bytes back, byte by byte where they overlap,
    /// never reaching before `floor` (the start of the current independent block).
    pub(crate) fn copy_back(&mut self, floor: usize, dist: usize, len: usize) -> Result<(), Error> {
        let pos = self.len;
        if dist == 0 || pos.saturating_sub(floor) < dist {
            return Err(Error::Corrupt);
        }
        self.reserve(len)?;
        self.drop_room();
        let from = pos - dist;
        let end = pos + len;
        // The copied region repeats with period `dist`, so each pass may copy everything
        // written since `from`: the chunk doubles until `len` bytes are done.
        while self.buf.len() < end {
            let n = (self.buf.len() - from).min(end - self.buf.len());
            self.buf.extend_from_within(from..from + n);
        }
        self.len = end;
        Ok(())
    }

    /// Zero-filled room for up to `want` more bytes for a decoder to write into;
    /// [`Sink::settle`] then keeps what it wrote. Less near the expected size or the cap, and
    /// none at either: a decoder with more to write then calls [`Sink::overflow`].
    pub(crate) fn room(&mut self, want: usize) -> Result<&mut [u8], Error> {
        if self.len.saturating_add(want) > self.buf.capacity() {
            self.ask_sizer();
        }
        let n = want.min(self.room_end() - self.len);
        self.reserve(n)?;
        let end = self.len + n;
        if self.buf.len() < end {
            self.buf.resize(end, 0);
        }
        Ok(self.buf.get_mut(self.len..end).unwrap_or_default())
    }

    /// The decoder has more output than the last room could take: past the expected size,
    /// the expectation is dropped (the room grows again, by doubling); at the cap, this is
    /// [`Error::OutputLimit`].
    pub(crate) fn overflow(&mut self) -> Result<(), Error> {
        match self.hint.take() {
            Some(_) if self.len < self.cap => Ok(()),
            _ => Err(Error::OutputLimit),
        }
    }

    /// Room as [`Sink::room`], sized for a streaming decoder: it starts small and doubles
    /// with each call, up to 1 MiB.
    pub(crate) fn next_room(&mut self) -> Result<&mut [u8], Error> {
        let want = self.chunk;
        self.chunk = (self.chunk * 2).min(MAX_CHUNK);
        self.room(want)
    }

    /// The output followed by its room (for decoders that refer back into their output).
    pub(crate) fn with_room(&mut self) -> &mut [u8] {
        &mut self.buf
    }

    /// Keeps `written` bytes of the room last handed out.
    pub(crate) fn settle(&mut self, written: usize) {
        self.len = self.len.saturating_add(written).min(self.buf.len());
    }

    /// Drives a push decoder over `input` until it reports the end of its stream.
    /// `step(input, output, last)` returns (consumed, produced, ended); `last` says the
    /// input has ended (`input` is then empty).
    pub(crate) fn pump<S: Source>(
        &mut self,
        input: &mut Input<S>,
        mut step: impl FnMut(&[u8], &mut [u8], bool) -> Result<(usize, usize, bool), Error>,
    ) -> Result<(), Error> {
        let mut probe = [0u8; 1];
        loop {
            let tail = self.next_room()?;
            // Out of room (at the cap or the expected size), a one-byte probe tells a stream
            // that ends from one that goes on.
            let probing = tail.is_empty();
            let out = if probing { &mut probe[..] } else { tail };
            let chunk = input.fill();
            let last = chunk.is_empty();
            let (consumed, produced, ended) = step(chunk, out, last)?;
            input.consume(consumed);
            if !probing {
                self.settle(produced);
            } else if produced > 0 {
                self.overflow()?;
                self.extend(probe.get(..produced).unwrap_or_default())?;
            }
            if ended {
                return Ok(());
            }
            // No progress: the decoder wants more input than is buffered.
            if consumed == 0 && produced == 0 && (last || !input.more()) {
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
        loop {
            let tail = self.next_room()?;
            if tail.is_empty() {
                // Out of room, a one-byte probe tells a stream that ends from one that goes on.
                let mut probe = [0u8; 1];
                if read(&mut probe)? == 0 {
                    return Ok(());
                }
                self.overflow()?;
                self.extend(&probe)?;
                continue;
            }
            let n = read(tail)?;
            self.settle(n);
            if n == 0 {
                return Ok(());
            }
        }
    }

    /// The output.
    pub(crate) fn into_vec(mut self) -> Vec<u8> {
        self.drop_room();
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backed_hint_is_reserved_in_one_step() {
        let mut sink = Sink::new(1 << 30);
        sink.expect(64 << 20);
        sink.extend(&[1; 1024]).unwrap();
        // 1 KiB does not back 64 MiB: geometric growth.
        assert!(sink.buf.capacity() < 1 << 20);
        sink.extend(&vec![2; 3 << 20]).unwrap();
        assert_eq!(sink.buf.capacity(), 64 << 20);
        assert_eq!(sink.len(), (3 << 20) + 1024);
    }

    #[test]
    fn a_sizer_is_asked_when_the_output_grows() {
        fn sizer(head: &[u8]) -> Option<usize> {
            (head.len() >= 4).then(|| u32::from_le_bytes(head[..4].try_into().unwrap()) as usize)
        }
        let mut sink = Sink::sized_by(1 << 30, sizer);
        sink.extend(&(100u32 << 10).to_le_bytes()).unwrap();
        while sink.len() < 100 << 10 {
            let room = sink.room(1000.min((100 << 10) - sink.len())).unwrap();
            let n = room.len();
            sink.settle(n);
        }
        // The size read, and 1/32 more for what its header may not describe.
        assert_eq!(sink.buf.capacity(), (100 << 10) + (100 << 10) / 32);
    }

    #[test]
    fn room_stops_at_the_expected_size_until_the_output_goes_past_it() {
        let mut sink = Sink::new(1 << 20);
        sink.expect(1000);
        assert_eq!(sink.room(4096).unwrap().len(), 1000);
        sink.settle(1000);
        assert!(sink.room(4096).unwrap().is_empty());
        assert_eq!(sink.buf.capacity(), 1000);
        sink.overflow().unwrap();
        assert_eq!(sink.room(4096).unwrap().len(), 4096);
        sink.settle(10);
        assert_eq!(sink.len(), 1010);
    }

    #[test]
    fn the_cap_holds_and_room_shrinks_to_it() {
        let mut sink = Sink::new(10);
        assert_eq!(sink.room(8).unwrap().len(), 8);
        sink.settle(8);
        assert_eq!(sink.room(8).unwrap().len(), 2);
        sink.settle(2);
        assert!(sink.room(8).unwrap().is_empty());
        assert_eq!(sink.overflow(), Err(Error::OutputLimit));
        assert_eq!(sink.extend(b"x"), Err(Error::OutputLimit));
        assert_eq!(sink.into_vec(), vec![0; 10]);
    }
}
