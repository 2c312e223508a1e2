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
use super::sink::Sink;
use super::{Error, Limits};
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

/// Decodes an lzop stream.
pub(super) fn decode(input: &[u8], limits: &Limits) -> Result<Vec<u8>, Error> {
    let mut cur = Cursor::new(input);
    let flags = parse_header(&mut cur)?;
    let mut sink = Sink::new(limits.max_output);
    loop {
        let dst_len = cur.be32()?;
        if dst_len == 0 {
            return Ok(sink.into_vec());
        }
        if dst_len == u32::MAX {
            return Err(Error::Unsupported);
        }
        let dst_len = usize::try_from(dst_len).map_err(|_| Error::Corrupt)?;
        let src_len = usize::try_from(cur.be32()?).map_err(|_| Error::Corrupt)?;
        if dst_len > MAX_BLOCK || src_len == 0 || src_len > dst_len {
            return Err(Error::Corrupt);
        }
        let d_adler = optional(&mut cur, flags & F_ADLER32_D != 0)?;
        let d_crc = optional(&mut cur, flags & F_CRC32_D != 0)?;
        let compressed = src_len < dst_len;
        let c_adler = optional(&mut cur, compressed && flags & F_ADLER32_C != 0)?;
        let c_crc = optional(&mut cur, compressed && flags & F_CRC32_C != 0)?;
        let data = cur.take(src_len)?;
        check(data, c_adler, c_crc)?;

        let start = sink.len();
        sink.reserve(dst_len)?;
        if compressed {
            lzo1x::decode_block(data, &mut sink, dst_len)?;
        } else {
            sink.extend(data)?;
        }
        check(sink.data().get(start..).unwrap_or_default(), d_adler, d_crc)?;
    }
}

/// Reads the file header; returns its flags.
fn parse_header(cur: &mut Cursor<'_>) -> Result<u32, Error> {
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
    let header_sum = header_checksum(covered, flags);
    if cur.be32()? != header_sum {
        return Err(Error::Checksum);
    }
    if flags & F_H_EXTRA_FIELD != 0 {
        let start = cur.pos();
        let len = usize::try_from(cur.be32()?).map_err(|_| Error::Truncated)?;
        cur.take(len)?;
        let covered = cur.consumed().get(start..).unwrap_or_default();
        if cur.be32()? != header_checksum(covered, flags) {
            return Err(Error::Checksum);
        }
    }
    Ok(flags)
}

fn header_checksum(data: &[u8], flags: u32) -> u32 {
    if flags & F_H_CRC32 != 0 {
        crc32fast::hash(data)
    } else {
        adler32(data)
    }
}

fn optional(cur: &mut Cursor<'_>, present: bool) -> Result<Option<u32>, Error> {
    if present {
        cur.be32().map(Some)
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
    const MOD: u32 = 65521;
    // 5552 bytes is the most that can be summed before a u32 could overflow.
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}
