//! Legacy `.lzma` (LZMA-Alone) streams: a 13-byte header (properties, dictionary size,
//! uncompressed size or -1), then LZMA data; decoded by lzma-rust2's push decoder.

use super::sink::Sink;
use super::{Error, Limits};
use alloc::vec::Vec;
use lzma_rust2::{Action, LzmaStream, Status};

/// Room for the LZMA probability model (at most 6 MiB, with lc + lp = 12) and the decoder's
/// own state on top of the dictionary, in KiB.
const MODEL_KIB: usize = 6 * 1024 + 64;

/// lzma-rust2's memory limit for a dictionary of at most `max_window` bytes.
pub(super) fn mem_limit_kib(max_window: usize) -> u32 {
    let kib = (max_window / 1024).saturating_add(MODEL_KIB);
    u32::try_from(kib).unwrap_or(u32::MAX - 1)
}

/// An lzma-rust2 error as ours.
pub(super) fn map_error(e: lzma_rust2::Error) -> Error {
    match e {
        lzma_rust2::Error::Eof => Error::Truncated,
        lzma_rust2::Error::OutOfMemory(_) => Error::WindowLimit,
        lzma_rust2::Error::Unsupported(_) => Error::Unsupported,
        _ => Error::Corrupt,
    }
}

/// Decodes one `.lzma` stream.
pub(super) fn decode(input: &[u8], limits: &Limits) -> Result<Vec<u8>, Error> {
    let mut stream = LzmaStream::new_mem_limit(mem_limit_kib(limits.max_window), None);
    let mut sink = Sink::new(limits.max_output);
    sink.pump(input, |i, o| {
        let r = stream.process(i, o, Action::Finish).map_err(map_error)?;
        Ok((
            r.bytes_consumed,
            r.bytes_produced,
            r.status == Status::StreamEnd,
        ))
    })?;
    Ok(sink.into_vec())
}
