//! `.xz` and legacy `.lzma` streams, decoded by lzma-rust2's push decoders.

use super::sink::Sink;
use super::{Error, Limits};
use alloc::vec::Vec;
use lzma_rust2::{Action, LzmaStream, Status, StreamResult, XzStream};

/// Output handed to the decoder per call.
const CHUNK: usize = 1 << 20;

/// Room for the LZMA probability model (at most 6 MiB, with lc + lp = 12) and the decoder's
/// own state on top of the dictionary, in KiB.
const MODEL_KIB: usize = 6 * 1024 + 64;

/// Decodes one `.xz` stream (no concatenated streams).
pub(super) fn decode_xz(input: &[u8], limits: &Limits) -> Result<Vec<u8>, Error> {
    let mut stream = XzStream::new_mem_limit(false, mem_limit_kib(limits));
    pump(input, limits, |i, o| stream.process(i, o, Action::Finish))
}

/// Decodes one `.lzma` (LZMA-Alone) stream: 13-byte header, then LZMA data.
pub(super) fn decode_lzma(input: &[u8], limits: &Limits) -> Result<Vec<u8>, Error> {
    let mut stream = LzmaStream::new_mem_limit(mem_limit_kib(limits), None);
    pump(input, limits, |i, o| stream.process(i, o, Action::Finish))
}

fn mem_limit_kib(limits: &Limits) -> u32 {
    let kib = (limits.max_window / 1024).saturating_add(MODEL_KIB);
    u32::try_from(kib).unwrap_or(u32::MAX - 1)
}

/// Drives a push decoder over all of `input` into a bounded sink until its stream ends.
fn pump(
    input: &[u8],
    limits: &Limits,
    mut step: impl FnMut(&[u8], &mut [u8]) -> lzma_rust2::Result<StreamResult>,
) -> Result<Vec<u8>, Error> {
    let mut sink = Sink::new(limits.max_output);
    let mut pos = 0;
    let mut probe = [0u8; 1];
    loop {
        let rest = input.get(pos..).unwrap_or_default();
        let start = sink.len();
        let tail = sink.grow(CHUNK)?;
        let at_cap = tail.is_empty();
        // At the cap, a one-byte probe tells a stream that ends from one that goes on.
        let out = if at_cap { &mut probe[..] } else { tail };
        let res = step(rest, out).map_err(map_error)?;
        if at_cap && res.bytes_produced > 0 {
            return Err(Error::OutputLimit);
        }
        pos += res.bytes_consumed;
        sink.settle(start, if at_cap { 0 } else { res.bytes_produced });
        if res.status == Status::StreamEnd {
            return Ok(sink.into_vec());
        }
        if res.bytes_consumed == 0 && res.bytes_produced == 0 {
            return Err(Error::Truncated);
        }
    }
}

fn map_error(e: lzma_rust2::Error) -> Error {
    match e {
        lzma_rust2::Error::Eof => Error::Truncated,
        lzma_rust2::Error::OutOfMemory(_) => Error::WindowLimit,
        lzma_rust2::Error::Unsupported(_) => Error::Unsupported,
        _ => Error::Corrupt,
    }
}
