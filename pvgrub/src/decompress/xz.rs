//! The `.xz` container (stream header, blocks, index, footer) around LZMA2 data, decoded by
//! lzma-rust2's push LZMA2 decoder with at most one BCJ or delta filter in front, fed as the
//! input arrives. Every header CRC and size field is checked against what was decoded, and
//! the index records against the blocks (through a hash of them, see [`Records`]).
//!
//! Truncation: the stream ends with its index and 12-byte footer, read after every block, so
//! a cut anywhere is [`Error::Truncated`]; inside a block, lzma-rust2 (told the input ends
//! there) reports the LZMA2 chunk cut short.
//!
//! Memory: the dictionary grows with the block's output (lzma-rust2), up to the size the
//! block header declares; a block that declares more than the window limit is refused
//! before anything is allocated.
//! (lzma-rust2's own xz reader needs sha2, which does not build for x86_64-unknown-none.)

mod check;

use super::cursor::Cursor;
use super::input::Input;
use super::lzma::{map_error, mem_limit_kib};
use super::sink::Sink;
use super::{Error, Limits};
use crate::io::Source;
use check::Check;
use crc32fast::Hasher;
use lzma_rust2::{Action, FilterConfig, FilterType, Lzma2Stream, Status};

const FILTER_DELTA: u64 = 0x03;
const FILTER_LZMA2: u64 = 0x21;
/// The longest block header: its size byte counts 4-byte units.
const MAX_BLOCK_HEADER: usize = 1024;

/// Decodes the `.xz` stream at the start of `input` into `sink` (concatenated streams after
/// it are ignored).
pub(super) fn decode<S: Source>(
    input: &mut Input<S>,
    sink: &mut Sink,
    limits: &Limits,
) -> Result<(), Error> {
    let header: [u8; 12] = input.array()?;
    let [_, _, _, _, _, _, f0, f1, c0, c1, c2, c3] = header;
    let flags = [f0, f1];
    if u32::from_le_bytes([c0, c1, c2, c3]) != crc32fast::hash(&flags) {
        return Err(Error::Checksum);
    }
    if flags[0] != 0 || flags[1] & 0xf0 != 0 {
        return Err(Error::Unsupported);
    }
    let check = Check::from_id(flags[1])?;
    let mut blocks = Records::default();
    while *input.peek(1).first().ok_or(Error::Truncated)? != 0 {
        let (unpadded, uncompressed) = block(input, check, sink, limits)?;
        blocks.add(unpadded, uncompressed);
    }
    let index_size = index(input, &blocks)?;
    let footer: [u8; 12] = input.array()?;
    let [c0, c1, c2, c3, b0, b1, b2, b3, f0, f1, m0, m1] = footer;
    if crc32fast::hash(&[b0, b1, b2, b3, f0, f1]) != u32::from_le_bytes([c0, c1, c2, c3]) {
        return Err(Error::Checksum);
    }
    let backward = (u64::from(u32::from_le_bytes([b0, b1, b2, b3])) + 1) * 4;
    if [m0, m1] != *b"YZ" || [f0, f1] != flags || backward != index_size {
        return Err(Error::Corrupt);
    }
    Ok(())
}

/// The blocks' index records, summed up: an xz stream may hold millions of blocks, and
/// keeping a record per block would cost more than their input. As liblzma does
/// (index_hash.c), the index is checked against a hash of the records instead of the records
/// themselves, with their count and sums.
#[derive(Default)]
struct Records {
    count: u64,
    unpadded: u64,
    uncompressed: u64,
    hash: Hasher,
}

impl Records {
    fn add(&mut self, unpadded: u64, uncompressed: u64) {
        self.count += 1;
        self.unpadded = self.unpadded.wrapping_add(unpadded);
        self.uncompressed = self.uncompressed.wrapping_add(uncompressed);
        self.hash.update(&unpadded.to_le_bytes());
        self.hash.update(&uncompressed.to_le_bytes());
    }

    fn matches(&self, other: &Records) -> bool {
        (self.count, self.unpadded, self.uncompressed)
            == (other.count, other.unpadded, other.uncompressed)
            && self.hash.clone().finalize() == other.hash.clone().finalize()
    }
}

/// Decodes one block into `sink`; returns its index record (unpadded and uncompressed size).
fn block<S: Source>(
    input: &mut Input<S>,
    check: Check,
    sink: &mut Sink,
    limits: &Limits,
) -> Result<(u64, u64), Error> {
    let mut raw = [0u8; MAX_BLOCK_HEADER];
    let size_byte = input.byte()?;
    let header_len = (usize::from(size_byte) + 1) * 4;
    let raw = raw.get_mut(..header_len).ok_or(Error::Corrupt)?;
    raw[0] = size_byte;
    input.read_exact(raw.get_mut(1..).unwrap_or_default())?;
    let (covered, crc) = raw.split_at(header_len - 4);
    if crc != crc32fast::hash(covered).to_le_bytes() {
        return Err(Error::Checksum);
    }
    let header = BlockHeader::parse(covered.get(1..).unwrap_or_default())?;
    if header.dict_size as usize > limits.max_window {
        return Err(Error::WindowLimit);
    }
    let mut stream = Lzma2Stream::new_mem_limit(header.dict_size, mem_limit_kib(limits.max_window));
    if let Some(filter) = header.filter {
        stream.set_filters(&[filter]).map_err(map_error)?;
    }
    let out_start = sink.len();
    let in_start = input.offset();
    sink.pump(input, |i, o, last| {
        let action = if last { Action::Finish } else { Action::Run };
        let r = stream.process(i, o, action).map_err(map_error)?;
        Ok((
            r.bytes_consumed,
            r.bytes_produced,
            r.status == Status::StreamEnd,
        ))
    })?;
    let compressed = input.offset() - in_start;
    let uncompressed = (sink.len() - out_start) as u64;
    if header.compressed.is_some_and(|n| n != compressed)
        || header.uncompressed.is_some_and(|n| n != uncompressed)
    {
        return Err(Error::SizeMismatch);
    }
    for _ in 0..(4 - compressed % 4) % 4 {
        if input.byte()? != 0 {
            return Err(Error::Corrupt);
        }
    }
    let mut stored = [0u8; 8];
    let stored = stored.get_mut(..check.len()).unwrap_or_default();
    input.read_exact(stored)?;
    check.verify(stored, sink.data().get(out_start..).unwrap_or_default())?;
    let unpadded = header_len as u64 + compressed + check.len() as u64;
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
            Some(vli(|| cur.u8())?)
        } else {
            None
        };
        let uncompressed = if flags & 0x80 != 0 {
            Some(vli(|| cur.u8())?)
        } else {
            None
        };
        let count = usize::from(flags & 3) + 1;
        let mut filter = None;
        let mut dict_size = None;
        for i in 0..count {
            let id = vli(|| cur.u8())?;
            let props_len = usize::try_from(vli(|| cur.u8())?).map_err(|_| Error::Corrupt)?;
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
fn index<S: Source>(input: &mut Input<S>, blocks: &Records) -> Result<u64, Error> {
    let mut index = Hashed {
        input,
        crc: Hasher::new(),
        len: 0,
    };
    index.byte()?;
    if vli(|| index.byte())? != blocks.count {
        return Err(Error::Corrupt);
    }
    let mut listed = Records::default();
    for _ in 0..blocks.count {
        let unpadded = vli(|| index.byte())?;
        let uncompressed = vli(|| index.byte())?;
        listed.add(unpadded, uncompressed);
    }
    if !listed.matches(blocks) {
        return Err(Error::Corrupt);
    }
    while !index.len.is_multiple_of(4) {
        if index.byte()? != 0 {
            return Err(Error::Corrupt);
        }
    }
    let Hashed { input, crc, len } = index;
    if crc.finalize() != u32::from_le_bytes(input.array()?) {
        return Err(Error::Checksum);
    }
    Ok(len + 4)
}

/// Reads bytes, counting them and adding them to a CRC-32.
struct Hashed<'a, S: Source> {
    input: &'a mut Input<S>,
    crc: Hasher,
    len: u64,
}

impl<S: Source> Hashed<'_, S> {
    fn byte(&mut self) -> Result<u8, Error> {
        let b = self.input.byte()?;
        self.crc.update(&[b]);
        self.len += 1;
        Ok(b)
    }
}

/// A variable-length integer: 7 bits per byte, least significant first, at most 9 bytes,
/// no superfluous zero byte at the end.
fn vli(mut next: impl FnMut() -> Result<u8, Error>) -> Result<u64, Error> {
    let mut value = 0u64;
    for i in 0..9 {
        let b = next()?;
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
