//! gzip (RFC 1952): the member header, raw deflate (miniz_oxide's streaming inflate), CRC-32
//! and size trailer.
//!
//! Truncation: the member ends with its 8-byte trailer (CRC-32 and the size modulo 2^32),
//! read only after the deflate stream's final block has ended, so a cut anywhere is
//! [`Error::Truncated`]: in the header, where miniz_oxide wants more deflate input, or in
//! the trailer. Both trailer fields are checked against the output.

use super::input::Input;
use super::sink::Sink;
use super::Error;
use crate::io::Source;
use alloc::boxed::Box;
use crc32fast::Hasher;
use miniz_oxide::inflate::core::inflate_flags::{
    TINFL_FLAG_HAS_MORE_INPUT, TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF,
};
use miniz_oxide::inflate::core::{decompress as inflate, DecompressorOxide};
use miniz_oxide::inflate::TINFLStatus;

const FHCRC: u8 = 0x02;
const FEXTRA: u8 = 0x04;
const FNAME: u8 = 0x08;
const FCOMMENT: u8 = 0x10;
const FRESERVED: u8 = 0xe0;
const METHOD_DEFLATE: u8 = 8;

/// Decodes the gzip member at the start of `input` into `sink`.
pub(super) fn decode<S: Source>(input: &mut Input<S>, sink: &mut Sink) -> Result<(), Error> {
    parse_header(input)?;
    // miniz_oxide refers back into the output it was given, so it gets all of it each time
    // (`NON_WRAPPING`), and is told whether more input may follow the bytes it is handed.
    let mut state = Box::new(DecompressorOxide::new());
    loop {
        let room = sink.next_room()?.len();
        let at = sink.len();
        let chunk = input.fill();
        let offered = chunk.len();
        let more = if offered == 0 {
            0
        } else {
            TINFL_FLAG_HAS_MORE_INPUT
        };
        let (status, consumed, produced) = inflate(
            &mut state,
            chunk,
            sink.with_room(),
            at,
            TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF | more,
        );
        input.consume(consumed);
        sink.settle(produced);
        match status {
            TINFLStatus::Done => break,
            TINFLStatus::HasMoreOutput if room > 0 => {}
            TINFLStatus::HasMoreOutput => sink.overflow()?,
            TINFLStatus::NeedsMoreInput if offered > 0 => {
                if consumed == 0 && produced == 0 && !input.more() {
                    return Err(Error::Truncated);
                }
            }
            TINFLStatus::NeedsMoreInput | TINFLStatus::FailedCannotMakeProgress => {
                return Err(Error::Truncated)
            }
            _ => return Err(Error::Corrupt),
        }
    }
    let trailer: [u8; 8] = input.array()?;
    let [c0, c1, c2, c3, s0, s1, s2, s3] = trailer;
    let data = sink.data();
    if crc32fast::hash(data) != u32::from_le_bytes([c0, c1, c2, c3]) {
        return Err(Error::Checksum);
    }
    // ISIZE is the length modulo 2^32.
    if data.len() as u32 != u32::from_le_bytes([s0, s1, s2, s3]) {
        return Err(Error::SizeMismatch);
    }
    log::trace!("gzip: {} -> {} bytes", input.offset(), data.len());
    Ok(())
}

/// Reads the member header up to the deflate data.
fn parse_header<S: Source>(input: &mut Input<S>) -> Result<(), Error> {
    let mut crc = Hasher::new();
    let fixed: [u8; 10] = input.array()?;
    crc.update(&fixed);
    let (method, flags) = match fixed {
        [0x1f, 0x8b, method, flags, ..] => (method, flags),
        _ => return Err(Error::BadMagic),
    };
    if method != METHOD_DEFLATE || flags & FRESERVED != 0 {
        return Err(Error::Unsupported);
    }
    if flags & FEXTRA != 0 {
        let len: [u8; 2] = input.array()?;
        crc.update(&len);
        input.skip(u64::from(u16::from_le_bytes(len)), |b| crc.update(b))?;
    }
    for field in [FNAME, FCOMMENT] {
        if flags & field != 0 {
            skip_cstr(input, &mut crc)?;
        }
    }
    if flags & FHCRC != 0 {
        let stored = u16::from_le_bytes(input.array()?);
        if crc.finalize() as u16 != stored {
            return Err(Error::Checksum);
        }
    }
    Ok(())
}

/// Skips a NUL-terminated string, NUL included, adding it to `crc`.
fn skip_cstr<S: Source>(input: &mut Input<S>, crc: &mut Hasher) -> Result<(), Error> {
    loop {
        let now = input.fill();
        if now.is_empty() {
            return Err(Error::Truncated);
        }
        let (len, done) = match now.iter().position(|&b| b == 0) {
            Some(nul) => (nul + 1, true),
            None => (now.len(), false),
        };
        crc.update(now.get(..len).unwrap_or_default());
        input.consume(len);
        if done {
            return Ok(());
        }
    }
}
