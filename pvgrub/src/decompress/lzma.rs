//! Legacy `.lzma` (LZMA-Alone) streams: a 13-byte header (properties, dictionary size,
//! uncompressed size or -1), then LZMA data; decoded by lzma-rust2's reader in its strict
//! end mode.
//!
//! How a stream ends, as xz-utils (liblzma) decides it:
//! - Unknown size (-1, what `lzma` writes, Linux's payloads included): the end-of-payload
//!   marker is required.
//! - Known size (what `lzma_alone` writes for a file): the data ends after that many bytes;
//!   an end-of-payload marker may follow, and must if the range coder has not finished there.
//!
//! Either way the range coder's last normalisation must read a real byte and leave its code
//! at zero. lzma-rust2's push decoder (`LzmaStream`) skips that last byte under
//! `Action::Finish`, and decodes no marker after a known size, so it accepted streams cut
//! by a byte; `LzmaReader` with `set_relaxed_end_condition(false)` checks both, and any read
//! past the end of the input fails, so a stream missing any byte is [`Error::Truncated`].
//!
//! Memory: lzma-rust2 grows the dictionary with the output (never past the declared size,
//! nor past a known uncompressed size), so a short stream never allocates what it declares.

use super::input::Input;
use super::sink::Sink;
use super::{Error, Limits};
use crate::io::Source;
use lzma_rust2::{LzmaReader, Read};

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

/// An [`Input`] as lzma-rust2's `Read`: its reader buffers what it reads.
struct LzmaRead<'a, S: Source>(&'a mut Input<S>);

impl<S: Source> lzma_rust2::Read for LzmaRead<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> lzma_rust2::Result<usize> {
        Ok(self.0.read(buf))
    }
}

/// Decodes the `.lzma` stream at the start of `input` into `sink`.
pub(super) fn decode<S: Source>(
    input: &mut Input<S>,
    sink: &mut Sink,
    limits: &Limits,
) -> Result<(), Error> {
    // Bytes 5..13 of the header: the uncompressed size, or all ones if unknown.
    if let Some(size) = input.peek(13).get(5..13) {
        let size = u64::from_le_bytes(size.try_into().map_err(|_| Error::Truncated)?);
        if size != u64::MAX {
            sink.expect(size);
        }
    }
    // The reader reads ahead of the stream's end, into what follows it (ignored).
    let mut reader =
        LzmaReader::new_mem_limit(LzmaRead(input), mem_limit_kib(limits.max_window), None)
            .map_err(map_error)?;
    reader.set_relaxed_end_condition(false);
    sink.read_to_end(|out| reader.read(out).map_err(map_error))
}
