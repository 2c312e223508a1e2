//! The `.xz` container (stream header, blocks, index, footer) around LZMA2 data, decoded by
//! lzma-rust2's push LZMA2 decoder with at most one BCJ or delta filter in front. Every
//! header CRC, size field and index record is checked against what was decoded.
//!
//! Truncation: the stream ends with its index and 12-byte footer, read after every block, so
//! a cut anywhere is [`Error::Truncated`]; inside a block, lzma-rust2 (told the input ends
//! there) reports the LZMA2 chunk cut short.
//! (lzma-rust2's own xz reader needs sha2, which does not build for x86_64-unknown-none.)

mod check;

use super::cursor::Cursor;
use super::lzma::{map_error, mem_limit_kib};
use super::sink::Sink;
use super::{Error, Limits};
use alloc::vec::Vec;
use check::Check;
use lzma_rust2::{Action, FilterConfig, FilterType, Lzma2Stream, Status};

const FILTER_DELTA: u64 = 0x03;
const FILTER_LZMA2: u64 = 0x21;

/// Decodes one `.xz` stream (concatenated streams after it are ignored).
pub(super) fn decode(input: &[u8], limits: &Limits) -> Result<Vec<u8>, Error> {
    let mut cur = Cursor::new(input);
    cur.take(6)?;
    let flags: [u8; 2] = cur.array()?;
    if cur.le32()? != crc32fast::hash(&flags) {
        return Err(Error::Checksum);
    }
    if flags[0] != 0 || flags[1] & 0xf0 != 0 {
        return Err(Error::Unsupported);
    }
    let check = Check::from_id(flags[1])?;
    let mut sink = Sink::new(limits.max_output);
    // (unpadded size, uncompressed size) of each block, for the index.
    let mut records: Vec<(u64, u64)> = Vec::new();
    while cur.rest().first().ok_or(Error::Truncated)? != &0 {
        let record = block(&mut cur, check, &mut sink, limits)?;
        records.try_reserve(1).map_err(|_| Error::OutOfMemory)?;
        records.push(record);
    }
    let index_size = index(&mut cur, &records)?;
    let footer_crc = cur.le32()?;
    let backward: [u8; 4] = cur.array()?;
    let footer_flags: [u8; 2] = cur.array()?;
    let magic: [u8; 2] = cur.array()?;
    let mut covered = [0u8; 6];
    covered[..4].copy_from_slice(&backward);
    covered[4..].copy_from_slice(&footer_flags);
    if crc32fast::hash(&covered) != footer_crc {
        return Err(Error::Checksum);
    }
    let backward = (u64::from(u32::from_le_bytes(backward)) + 1) * 4;
    if &magic != b"YZ" || footer_flags != flags || backward != index_size as u64 {
        return Err(Error::Corrupt);
    }
    Ok(sink.into_vec())
}

/// Decodes one block into `sink`; returns its index record.
fn block(
    cur: &mut Cursor<'_>,
    check: Check,
    sink: &mut Sink,
    limits: &Limits,
) -> Result<(u64, u64), Error> {
    let start = cur.pos();
    let header_len = (usize::from(cur.u8()?) + 1) * 4;
    cur.take(header_len - 1)?;
    let raw = cur.consumed().get(start..).unwrap_or_default();
    let (covered, crc) = raw.split_at(raw.len().saturating_sub(4));
    if crc != crc32fast::hash(covered).to_le_bytes() {
        return Err(Error::Checksum);
    }
    let fields = covered.get(1..).unwrap_or_default();
    let header = BlockHeader::parse(fields)?;
    if header.dict_size as usize > limits.max_window {
        return Err(Error::WindowLimit);
    }
    let mut stream = Lzma2Stream::new_mem_limit(header.dict_size, mem_limit_kib(limits.max_window));
    if let Some(filter) = header.filter {
        stream.set_filters(&[filter]).map_err(map_error)?;
    }
    let out_start = sink.len();
    let compressed = sink.pump(cur.rest(), |i, o| {
        let r = stream.process(i, o, Action::Finish).map_err(map_error)?;
        Ok((
            r.bytes_consumed,
            r.bytes_produced,
            r.status == Status::StreamEnd,
        ))
    })?;
    cur.take(compressed)?;
    let uncompressed = (sink.len() - out_start) as u64;
    if header.compressed.is_some_and(|n| n != compressed as u64)
        || header.uncompressed.is_some_and(|n| n != uncompressed)
    {
        return Err(Error::SizeMismatch);
    }
    if cur.take((4 - compressed % 4) % 4)?.iter().any(|&b| b != 0) {
        return Err(Error::Corrupt);
    }
    check.verify(
        cur.take(check.len())?,
        sink.data().get(out_start..).unwrap_or_default(),
    )?;
    let unpadded = (header_len + compressed + check.len()) as u64;
    Ok((unpadded, uncompressed))
}

/// What a block header declares.
struct BlockHeader {
    compressed: Option<u64>,
    uncompressed: Option<u64>,
    filter: Option<FilterConfig>,
    dict_size: u32,
}

impl BlockHeader {
    /// Parses the fields between the size byte and the CRC.
    fn parse(fields: &[u8]) -> Result<BlockHeader, Error> {
        let mut cur = Cursor::new(fields);
        let flags = cur.u8()?;
        if flags & 0x3c != 0 {
            return Err(Error::Unsupported);
        }
        let compressed = if flags & 0x40 != 0 {
            Some(vli(&mut cur)?)
        } else {
            None
        };
        let uncompressed = if flags & 0x80 != 0 {
            Some(vli(&mut cur)?)
        } else {
            None
        };
        let count = usize::from(flags & 3) + 1;
        let mut filter = None;
        let mut dict_size = None;
        for i in 0..count {
            let id = vli(&mut cur)?;
            let props_len = usize::try_from(vli(&mut cur)?).map_err(|_| Error::Corrupt)?;
            let props = cur.take(props_len)?;
            let last = i + 1 == count;
            match (id, last) {
                (FILTER_LZMA2, true) => dict_size = Some(lzma2_dict(props)?),
                (_, true) | (FILTER_LZMA2, false) => return Err(Error::Corrupt),
                (_, false) if filter.is_some() => return Err(Error::Unsupported),
                (_, false) => filter = Some(pre_filter(id, props)?),
            }
        }
        if cur.rest().iter().any(|&b| b != 0) {
            return Err(Error::Corrupt);
        }
        Ok(BlockHeader {
            compressed,
            uncompressed,
            filter,
            dict_size: dict_size.ok_or(Error::Corrupt)?,
        })
    }
}

/// The LZMA2 dictionary size from its one properties byte.
fn lzma2_dict(props: &[u8]) -> Result<u32, Error> {
    match props {
        [40] => Ok(u32::MAX),
        [b @ 0..=39] => Ok((2 | u32::from(b & 1)) << (b / 2 + 11)),
        _ => Err(Error::Corrupt),
    }
}

/// A BCJ filter (properties: none, or a 4-byte start offset) or the delta filter.
fn pre_filter(id: u64, props: &[u8]) -> Result<FilterConfig, Error> {
    if id == FILTER_DELTA {
        return match props {
            [d] => Ok(FilterConfig::new_delta(u32::from(*d) + 1)),
            _ => Err(Error::Corrupt),
        };
    }
    let start = match props {
        [] => 0,
        [a, b, c, d] => u32::from_le_bytes([*a, *b, *c, *d]),
        _ => return Err(Error::Corrupt),
    };
    let filter_type = match id {
        0x04 => FilterType::BcjX86,
        0x05 => FilterType::BcjPpc,
        0x06 => FilterType::BcjIa64,
        0x07 => FilterType::BcjArm,
        0x08 => FilterType::BcjArmThumb,
        0x09 => FilterType::BcjSparc,
        0x0a => FilterType::BcjArm64,
        0x0b => FilterType::BcjRiscv,
        _ => return Err(Error::Unsupported),
    };
    Ok(FilterConfig {
        filter_type,
        property: start,
    })
}

/// Reads the index and checks it against the decoded blocks; returns its size in bytes.
fn index(cur: &mut Cursor<'_>, records: &[(u64, u64)]) -> Result<usize, Error> {
    let start = cur.pos();
    cur.u8()?;
    if vli(cur)? != records.len() as u64 {
        return Err(Error::Corrupt);
    }
    for &(unpadded, uncompressed) in records {
        if vli(cur)? != unpadded || vli(cur)? != uncompressed {
            return Err(Error::Corrupt);
        }
    }
    while !(cur.pos() - start).is_multiple_of(4) {
        if cur.u8()? != 0 {
            return Err(Error::Corrupt);
        }
    }
    let covered = cur.consumed().get(start..).unwrap_or_default();
    if crc32fast::hash(covered) != cur.le32()? {
        return Err(Error::Checksum);
    }
    Ok(cur.pos() - start)
}

/// A variable-length integer: 7 bits per byte, least significant first, at most 9 bytes,
/// no superfluous zero byte at the end.
fn vli(cur: &mut Cursor<'_>) -> Result<u64, Error> {
    let mut value = 0u64;
    for i in 0..9 {
        let b = cur.u8()?;
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            if i > 0 && b == 0 {
                return Err(Error::Corrupt);
            }
            return Ok(value);
        }
    }
    Err(Error::Corrupt)
}
