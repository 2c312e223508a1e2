//! The lzop container (as `lzop -9` writes Linux's payload) around LZO1X blocks.
//!
//! Header: magic, version, library version, version needed (from 0x0940), method, level
//! (from 0x0940), flags, filter (if flagged), mode, mtime (two words from 0x0940), name, and
//! an Adler-32 (or CRC-32) of all that; an optional extra field. Then blocks: uncompressed
//! and compressed sizes, optional checksums of either, the data (stored as is when the sizes
//! are equal); an uncompressed size of 0 ends the stream.
//!
//! Truncation: a stream ends with a zero uncompressed size (four zero bytes), and every
//! block's sizes come before its data, so a cut anywhere is [`Error::Truncated`].

mod lzo1x;

use super::cursor::Cursor;
use super::input::Input;
use super::sink::Sink;
use super::{Error, Limits};
use crate::io::Source;
use alloc::vec::Vec;

const F_ADLER32_D: u32 = 0x0001;
const F_ADLER32_C: u32 = 0x0002;
const F_H_EXTRA_FIELD: u32 = 0x0040;
const F_CRC32_D: u32 = 0x0100;
const F_CRC32_C: u32 = 0x0200;
const F_MULTIPART: u32 = 0x0400;
const F_H_FILTER: u32 = 0x0800;
const F_H_CRC32: u32 = 0x1000;
/// Flag bits lzop defines: its own (0x3fff), the character set and the OS fields.
const F_KNOWN: u32 = 0x3fff | 0x00f0_0000 | 0xff00_0000;

/// lzop methods that are LZO1X streams: LZO1X-1, LZO1X-1(15), LZO1X-999.
const LZO1X_METHODS: [u8; 3] = [1, 2, 3];
/// lzop never writes a block larger than 64 MiB.
const MAX_BLOCK: usize = 64 << 20;
/// The longest file header before its extra field: the fixed fields, a 255-byte name and
/// the checksum.
const MAX_HEADER: usize = 9 + 2 + 2 + 2 + 1 + 1 + 4 + 4 + 4 + 4 + 1 + 255 + 4;

/// Decodes the lzop stream at the start of `input` into `sink`.
///
/// Each block is read whole (LZO1X matches reach back only inside their block, so the block
/// is the window): one larger than [`Limits::max_window`] is [`Error::WindowLimit`].
pub(super) fn decode<S: Source>(
    input: &mut Input<S>,
    sink: &mut Sink,
    limits: &Limits,
) -> Result<(), Error> {
    let flags = parse_header(input)?;
    let mut data = Vec::new();
    loop {
        let dst_len = u32::from_be_bytes(input.array()?);
        if dst_len == 0 {
            return Ok(());
        }
        if dst_len == u32::MAX {
            return Err(Error::Unsupported);
        }
        let dst_len = usize::try_from(dst_len).map_err(|_| Error::Corrupt)?;
        let src_len =
            usize::try_from(u32::from_be_bytes(input.array()?)).map_err(|_| Error::Corrupt)?;
        if dst_len > MAX_BLOCK || src_len == 0 || src_len > dst_len {
            return Err(Error::Corrupt);
        }
        if dst_len > limits.max_window {
            return Err(Error::WindowLimit);
        }
        let d_adler = optional(input, flags & F_ADLER32_D != 0)?;
        let d_crc = optional(input, flags & F_CRC32_D != 0)?;
        let compressed = src_len < dst_len;
        let c_adler = optional(input, compressed && flags & F_ADLER32_C != 0)?;
        let c_crc = optional(input, compressed && flags & F_CRC32_C != 0)?;
        data.clear();
        data.try_reserve(src_len).map_err(|_| Error::OutOfMemory)?;
        input.append_to(&mut data, src_len)?;
        check(&data, c_adler, c_crc)?;

        let start = sink.len();
        sink.reserve(dst_len)?;
        if compressed {
            lzo1x::decode_block(&data, sink, dst_len)?;
        } else {
            sink.extend(&data)?;
        }
        check(sink.data().get(start..).unwrap_or_default(), d_adler, d_crc)?;
    }
}

/// Reads the file header; returns its flags.
fn parse_header<S: Source>(input: &mut Input<S>) -> Result<u32, Error> {
    // The header up to its checksum fits the buffer: parse it there, then consume it.
    let mut cur = Cursor::new(input.peek(MAX_HEADER));
    cur.take(9)?;
    let covered_from = cur.pos();
    let version = cur.be16()?;
    let _lib_version = cur.be16()?;
    if version < 0x0900 {
        return Err(Error::Unsupported);
    }
    if version >= 0x0940 && cur.be16()? > 0x1040 {
        return Err(Error::Unsupported);
    }
    let method = cur.u8()?;
    if version >= 0x0940 {
        let _level = cur.u8()?;
    }
    let flags = cur.be32()?;
    if !LZO1X_METHODS.contains(&method)
        || flags & !F_KNOWN != 0
        || flags & (F_MULTIPART | F_H_FILTER) != 0
    {
        return Err(Error::Unsupported);
    }
    let _mode = cur.be32()?;
    let _mtime_low = cur.be32()?;
    if version >= 0x0940 {
        let _mtime_high = cur.be32()?;
    }
    let name_len = cur.u8()?;
    cur.take(usize::from(name_len))?;
    let covered = cur.consumed().get(covered_from..).unwrap_or_default();
    let mut header_sum = HeaderSum::new(flags);
    header_sum.add(covered);
    if cur.be32()? != header_sum.finish() {
        return Err(Error::Checksum);
    }
    let len = cur.pos();
    input.consume(len);
    if flags & F_H_EXTRA_FIELD != 0 {
        let len: [u8; 4] = input.array()?;
        let mut sum = HeaderSum::new(flags);
        sum.add(&len);
        input.skip(u64::from(u32::from_be_bytes(len)), |b| sum.add(b))?;
        if u32::from_be_bytes(input.array()?) != sum.finish() {
            return Err(Error::Checksum);
        }
    }
    Ok(flags)
}

/// The header checksum: CRC-32 if the flags say so, else Adler-32.
enum HeaderSum {
    Crc32(crc32fast::Hasher),
    Adler32(Adler32),
}

impl HeaderSum {
    fn new(flags: u32) -> HeaderSum {
        if flags & F_H_CRC32 != 0 {
            HeaderSum::Crc32(crc32fast::Hasher::new())
        } else {
            HeaderSum::Adler32(Adler32::new())
        }
    }

    fn add(&mut self, data: &[u8]) {
        match self {
            HeaderSum::Crc32(h) => h.update(data),
            HeaderSum::Adler32(a) => a.update(data),
        }
    }

    fn finish(self) -> u32 {
        match self {
            HeaderSum::Crc32(h) => h.finalize(),
            HeaderSum::Adler32(a) => a.finish(),
        }
    }
}

fn optional<S: Source>(input: &mut Input<S>, present: bool) -> Result<Option<u32>, Error> {
    if present {
        input.array().map(|b| Some(u32::from_be_bytes(b)))
    } else {
        Ok(None)
    }
}

fn check(data: &[u8], adler: Option<u32>, crc: Option<u32>) -> Result<(), Error> {
    if adler.is_some_and(|a| a != adler32(data)) || crc.is_some_and(|c| c != crc32fast::hash(data))
    {
        return Err(Error::Checksum);
    }
    Ok(())
}

/// Adler-32 (RFC 1950), starting from 1.
fn adler32(data: &[u8]) -> u32 {
    let mut a = Adler32::new();
    a.update(data);
    a.finish()
}

/// Adler-32 over data given in pieces.
struct Adler32 {
    a: u32,
    b: u32,
}

impl Adler32 {
    const MOD: u32 = 65521;

    fn new() -> Adler32 {
        Adler32 { a: 1, b: 0 }
    }

    fn update(&mut self, data: &[u8]) {
        // 5552 bytes is the most that can be summed before a u32 could overflow.
        for chunk in data.chunks(5552) {
            for &byte in chunk {
                self.a += u32::from(byte);
                self.b += self.a;
            }
            self.a %= Self::MOD;
            self.b %= Self::MOD;
        }
    }

    fn finish(&self) -> u32 {
        (self.b << 16) | self.a
    }
}
