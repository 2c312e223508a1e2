//! gzip (RFC 1952): the member header, raw deflate (miniz_oxide), CRC-32 and size trailer.
//!
//! Truncation: the member ends with its 8-byte trailer (CRC-32 and the size modulo 2^32),
//! read only after the deflate stream's final block has ended, so a cut anywhere is
//! [`Error::Truncated`]: in the header, where miniz_oxide wants more deflate input, or in
//! the trailer. Both trailer fields are checked against the output.

use super::cursor::Cursor;
use super::sink::Sink;
use super::{Error, Limits};
use alloc::boxed::Box;
use alloc::vec::Vec;
use miniz_oxide::inflate::core::inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
use miniz_oxide::inflate::core::{decompress as inflate, DecompressorOxide};
use miniz_oxide::inflate::TINFLStatus;

const FHCRC: u8 = 0x02;
const FEXTRA: u8 = 0x04;
const FNAME: u8 = 0x08;
const FCOMMENT: u8 = 0x10;
const FRESERVED: u8 = 0xe0;
const METHOD_DEFLATE: u8 = 8;

/// The first output chunk; later chunks double with the output.
const FIRST_CHUNK: usize = 64 << 10;

/// Decodes the first gzip member of `input`.
pub(super) fn decode(input: &[u8], limits: &Limits) -> Result<Vec<u8>, Error> {
    let mut cur = Cursor::new(input);
    let header_len = parse_header(&mut cur)?;
    let deflate = cur.rest();

    let mut sink = Sink::new(limits.max_output);
    let mut state = Box::new(DecompressorOxide::new());
    let mut in_pos = 0;
    loop {
        let start = sink.len();
        let grown = sink.grow(start.max(FIRST_CHUNK))?.len();
        let (status, consumed, produced) = inflate(
            &mut state,
            deflate.get(in_pos..).unwrap_or_default(),
            sink.data_mut(),
            start,
            TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF,
        );
        in_pos += consumed;
        sink.settle(start, produced);
        match status {
            TINFLStatus::Done => break,
            TINFLStatus::HasMoreOutput if grown > 0 => {}
            TINFLStatus::HasMoreOutput => return Err(Error::OutputLimit),
            TINFLStatus::NeedsMoreInput | TINFLStatus::FailedCannotMakeProgress => {
                return Err(Error::Truncated)
            }
            _ => return Err(Error::Corrupt),
        }
    }

    let mut trailer = Cursor::new(deflate.get(in_pos..).unwrap_or_default());
    let crc = trailer.le32()?;
    let isize = trailer.le32()?;
    let data = sink.into_vec();
    if crc32fast::hash(&data) != crc {
        return Err(Error::Checksum);
    }
    // ISIZE is the length modulo 2^32.
    if data.len() as u32 != isize {
        return Err(Error::SizeMismatch);
    }
    log::trace!(
        "gzip: header {header_len} bytes, {} -> {} bytes",
        in_pos,
        data.len()
    );
    Ok(data)
}

/// Reads the member header up to the deflate data; returns its length.
fn parse_header(cur: &mut Cursor<'_>) -> Result<usize, Error> {
    let fixed = cur.take(10)?;
    let (method, flags) = match fixed {
        [0x1f, 0x8b, method, flags, ..] => (*method, *flags),
        _ => return Err(Error::BadMagic),
    };
    if method != METHOD_DEFLATE || flags & FRESERVED != 0 {
        return Err(Error::Unsupported);
    }
    if flags & FEXTRA != 0 {
        let len = cur.le16()?;
        cur.take(usize::from(len))?;
    }
    if flags & FNAME != 0 {
        cur.skip_cstr()?;
    }
    if flags & FCOMMENT != 0 {
        cur.skip_cstr()?;
    }
    if flags & FHCRC != 0 {
        let covered = cur.pos();
        let crc16 = cur.le16()?;
        let header = cur.consumed().get(..covered).ok_or(Error::Truncated)?;
        if crc32fast::hash(header) as u16 != crc16 {
            return Err(Error::Checksum);
        }
    }
    Ok(cur.pos())
}
