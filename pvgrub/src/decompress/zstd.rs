//! Zstandard: one frame, decoded by ruzstd, its content checksum and size checked.
//!
//! Truncation: a frame ends with the block flagged last, and then the 4-byte content
//! checksum if the header says so (the zstd tool writes it by default); ruzstd reads both
//! and fails where the input runs out, which is [`Error::Truncated`].

use super::sink::Sink;
use super::{Error, Limits};
use alloc::vec::Vec;
use ruzstd::decoding::errors::FrameDecoderError;
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

/// Decodes the first zstd frame of `input`.
pub(super) fn decode(input: &[u8], limits: &Limits) -> Result<Vec<u8>, Error> {
    let declared = declared_size(input)?;
    if declared.is_some_and(|n| n > limits.max_output as u64) {
        return Err(Error::OutputLimit);
    }
    let mut src = input;
    let mut dec = FrameDecoder::new();
    dec.set_max_window_size(limits.max_window as u64);
    dec.reset(&mut src).map_err(|e| map_error(&e, src))?;

    let mut sink = Sink::new(limits.max_output);
    loop {
        // One block at a time: a block is at most 128 KiB of output. The decoder keeps up to
        // a window of output (bounded by `max_window`) until the frame ends.
        let done = dec
            .decode_blocks(&mut src, BlockDecodingStrategy::UptoBlocks(1))
            .map_err(|e| map_error(&e, src))?;
        if let Some(chunk) = dec.collect() {
            if sink.len() == 0 && done {
                sink = Sink::from_vec(chunk, limits.max_output)?;
            } else {
                sink.extend(&chunk)?;
            }
        }
        if done {
            break;
        }
    }
    let data = sink.into_vec();
    if let Some(expected) = dec.get_checksum_from_data() {
        if dec.get_calculated_checksum() != Some(expected) {
            return Err(Error::Checksum);
        }
    }
    if declared.is_some_and(|n| n != data.len() as u64) {
        return Err(Error::SizeMismatch);
    }
    Ok(data)
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
fn map_error(e: &FrameDecoderError, rest: &[u8]) -> Error {
    match e {
        FrameDecoderError::WindowSizeTooBig { .. } => Error::WindowLimit,
        FrameDecoderError::DictNotProvided { .. } => Error::Unsupported,
        _ if rest.is_empty() => Error::Truncated,
        _ => Error::Corrupt,
    }
}
