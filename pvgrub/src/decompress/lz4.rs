//! lz4's legacy framing, as `lz4 -l` writes it and Linux uses it for its payload: the magic
//! `0x184C2102` (little-endian), then chunks of a little-endian u32 compressed size and an
//! lz4 block that decodes to at most 8 MiB. A chunk size equal to the magic starts a
//! concatenated stream.
//!
//! The framing has no end marker and records no uncompressed size: a stream runs to the end
//! of the input, as in Linux's own unlz4, which is given the input's length. A chunk size
//! above lz4's bound for 8 MiB is [`Error::Corrupt`], as in unlz4: each chunk is read whole
//! (lz4_flex decodes whole blocks), and that bound keeps the buffer small. A cut inside
//! the magic, a chunk size or a block is [`Error::Truncated`], and so is a stream of no
//! chunks (what `lz4 -l` writes for empty input, never a kernel). A cut exactly after a
//! chunk cannot be told from a shorter stream: it decodes to the chunks before it, a
//! multiple of 8 MiB (`lz4 -l` fills every chunk but the last). Only a caller that knows the
//! size can tell: a bzImage appends it to its payload, and `image::load` refuses a payload
//! that decodes to another size.

use super::input::Input;
use super::sink::Sink;
use super::Error;
use crate::io::Source;
use alloc::vec::Vec;
use lz4_flex::block::DecompressError;

const MAGIC: u32 = 0x184c_2102;
/// Most output one legacy chunk may decode to.
const CHUNK_OUT: usize = 8 << 20;
/// Most input one chunk may take: lz4's bound for `CHUNK_OUT` bytes of incompressible data
/// (`LZ4_COMPRESSBOUND`), as Linux's unlz4 checks it.
const CHUNK_IN: usize = CHUNK_OUT + CHUNK_OUT / 255 + 16;

/// Decodes a legacy-framed lz4 stream that fills `input` (at least one chunk) into `sink`.
pub(super) fn decode<S: Source>(input: &mut Input<S>, sink: &mut Sink) -> Result<(), Error> {
    if u32::from_le_bytes(input.array()?) != MAGIC {
        return Err(Error::BadMagic);
    }
    // One chunk's compressed bytes at a time.
    let mut block = Vec::new();
    // Chunks since the last magic: a stream holds at least one.
    let mut chunks = 0;
    while !input.at_end() {
        let size = u32::from_le_bytes(input.array()?);
        if size == MAGIC {
            chunks = 0;
            continue;
        }
        chunks += 1;
        let size = usize::try_from(size).map_err(|_| Error::Corrupt)?;
        if size > CHUNK_IN {
            return Err(Error::Corrupt);
        }
        block.clear();
        block.try_reserve(size).map_err(|_| Error::OutOfMemory)?;
        input.append_to(&mut block, size)?;
        // An lz4 block expands at most 255-fold: zero-fill no more room than that can use.
        let most = CHUNK_OUT.min(size.saturating_mul(256).saturating_add(64));
        loop {
            let room = sink.room(most)?;
            let capped = room.len() < most;
            match lz4_flex::block::decompress_into(&block, room) {
                Ok(n) => {
                    sink.settle(n);
                    break;
                }
                Err(DecompressError::OutputTooSmall { .. }) if capped => sink.overflow()?,
                Err(_) => return Err(Error::Corrupt),
            }
        }
    }
    if chunks == 0 {
        return Err(Error::Truncated);
    }
    Ok(())
}
