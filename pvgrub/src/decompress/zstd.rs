//! Zstandard: one frame, decoded by ruzstd's frame decoder pulling from the input, its
//! content checksum and size checked.
//!
//! Truncation: a frame ends with the block flagged last, and then the 4-byte content
//! checksum if the header says so (the zstd tool writes it by default); ruzstd reads both
//! and fails where the input runs out, which is [`Error::Truncated`].
//!
//! Memory: ruzstd keeps the window (at most [`Limits::max_window`], refused from the frame
//! header before anything is allocated) and a block; its output is drained block by block.
//! (ruzstd's `StreamingDecoder` makes the same `FrameDecoder` calls, but turns their typed
//! errors into boxed text, which would lose the window limit and truncation.)

use super::input::Input;
use super::sink::Sink;
use super::{Error, Limits};
use crate::io::Source;
use ruzstd::decoding::errors::FrameDecoderError;
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};
use ruzstd::io::Read;

/// The longest frame header: magic, descriptor, window, 4-byte dictionary ID, 8-byte size.
const MAX_HEADER: usize = 4 + 1 + 1 + 4 + 8;

/// An [`Input`] as ruzstd's `Read`: it reads exactly the block sizes the frame declares.
struct ZstdRead<'a, S: Source>(&'a mut Input<S>);

impl<S: Source> ruzstd::io::Read for ZstdRead<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ruzstd::io::Error> {
        Ok(self.0.read(buf))
    }
}

/// Decodes the zstd frame at the start of `input` into `sink`.
pub(super) fn decode<S: Source>(
    input: &mut Input<S>,
    sink: &mut Sink,
    limits: &Limits,
) -> Result<(), Error> {
    let declared = declared_size(input.peek(MAX_HEADER))?;
    if let Some(n) = declared {
        if n > limits.max_output as u64 {
            return Err(Error::OutputLimit);
        }
        sink.expect(n);
    }
    let mut dec = FrameDecoder::new();
    dec.set_max_window_size(limits.max_window as u64);
    dec.reset(ZstdRead(input))
        .map_err(|e| map_error(&e, input))?;
    loop {
        // One block at a time: a block is at most 128 KiB of output. The decoder keeps up to
        // a window of output (bounded by `max_window`) until the frame ends.
        let done = dec
            .decode_blocks(ZstdRead(input), BlockDecodingStrategy::UptoBlocks(1))
            .map_err(|e| map_error(&e, input))?;
        // What the window no longer needs (everything, once the frame is done).
        while dec.can_collect() > 0 {
            let room = sink.room(dec.can_collect())?;
            if room.is_empty() {
                sink.overflow()?;
                continue;
            }
            let n = dec.read(room).map_err(|_| Error::Corrupt)?;
            sink.settle(n);
            if n == 0 {
                break;
            }
        }
        if done {
            break;
        }
    }
    if let Some(expected) = dec.get_checksum_from_data() {
        if dec.get_calculated_checksum() != Some(expected) {
            return Err(Error::Checksum);
        }
    }
    if declared.is_some_and(|n| n != sink.len() as u64) {
        return Err(Error::SizeMismatch);
    }
    Ok(())
}

/// The frame content size, if the frame header records one (RFC 8878, 3.1.1.1).
fn declared_size(input: &[u8]) -> Result<Option<u64>, Error> {
    let descriptor = *input.get(4).ok_or(Error::Truncated)?;
    let single_segment = descriptor & 0x20 != 0;
    let fcs_len = [usize::from(single_segment), 2, 4, 8][usize::from(descriptor >> 6)];
    if fcs_len == 0 {
        return Ok(None);
    }
    let dict_id_len = [0usize, 1, 2, 4][usize::from(descriptor & 3)];
    let start = 5 + usize::from(!single_segment) + dict_id_len;
    let field = input.get(start..start + fcs_len).ok_or(Error::Truncated)?;
    let mut le = [0u8; 8];
    le.get_mut(..fcs_len)
        .ok_or(Error::Corrupt)?
        .copy_from_slice(field);
    let value = u64::from_le_bytes(le);
    // A two-byte field stores the size minus 256.
    Ok(Some(if fcs_len == 2 { value + 256 } else { value }))
}

/// A ruzstd error as ours: running out of input is truncation, not corruption.
fn map_error<S: Source>(e: &FrameDecoderError, input: &mut Input<S>) -> Error {
    match e {
        FrameDecoderError::WindowSizeTooBig { .. } => Error::WindowLimit,
        FrameDecoderError::DictNotProvided { .. } => Error::Unsupported,
        _ if input.at_end() => Error::Truncated,
        _ => Error::Corrupt,
    }
}
