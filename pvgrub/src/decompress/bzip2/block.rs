//! One bzip2 block: symbol map, Huffman tables and selectors, the MTF/RUNA/RUNB symbols,
//! then the inverse Burrows-Wheeler transform and the final run-length stage.

use super::super::sink::Sink;
use super::super::Error;
use super::bits::Bits;
use super::crc::Crc;
use super::huffman::{Huffman, MAX_LEN, MAX_SYMBOLS};
use crate::io::Source;
use alloc::vec::Vec;

/// Symbols per selector group.
const GROUP: usize = 50;
/// Selectors bzip2 keeps at most (more may be stored; the rest are read and dropped).
const MAX_SELECTORS: usize = 2 + 900_000 / GROUP;
const MAX_TABLES: usize = 6;

/// Buffers reused from block to block.
pub(super) struct Block {
    /// Block symbols (low byte), later also the BWT links (upper 24 bits).
    tt: Vec<u32>,
    selectors: Vec<u8>,
    tables: [Huffman; MAX_TABLES],
}

impl Block {
    pub(super) fn new() -> Block {
        Block {
            tt: Vec::new(),
            selectors: Vec::new(),
            tables: [Huffman::EMPTY; MAX_TABLES],
        }
    }

    /// Decodes a block (after its magic and CRC) of at most `max_len` bytes before the final
    /// run-length stage into `out`; returns the CRC of what it wrote.
    pub(super) fn decode<S: Source>(
        &mut self,
        bits: &mut Bits<'_, S>,
        max_len: usize,
        out: &mut Sink,
    ) -> Result<u32, Error> {
        if bits.bit()? {
            // Randomised blocks: bzip2 0.9.0's, long obsolete; Linux rejects them too.
            return Err(Error::Unsupported);
        }
        let orig_ptr = bits.bits(24)? as usize;
        let (unseq, in_use) = symbol_map(bits)?;
        let alpha = in_use + 2;
        let groups = self.read_tables(bits, alpha)?;
        self.read_symbols(bits, &unseq, in_use, groups, max_len)?;
        if orig_ptr >= self.tt.len() {
            return Err(Error::Corrupt);
        }
        self.inverse_bwt()?;
        self.emit(orig_ptr, out)
    }

    /// Reads the selectors and the code lengths of each table; returns the table count.
    fn read_tables<S: Source>(
        &mut self,
        bits: &mut Bits<'_, S>,
        alpha: usize,
    ) -> Result<usize, Error> {
        let groups = bits.bits(3)? as usize;
        if !(2..=MAX_TABLES).contains(&groups) {
            return Err(Error::Corrupt);
        }
        let count = bits.bits(15)? as usize;
        if count == 0 {
            return Err(Error::Corrupt);
        }
        self.selectors.clear();
        let mut mtf = [0u8, 1, 2, 3, 4, 5];
        for i in 0..count {
            let mut j = 0;
            while bits.bit()? {
                j += 1;
                if j >= groups {
                    return Err(Error::Corrupt);
                }
            }
            if i < MAX_SELECTORS {
                let v = mtf[j];
                mtf.copy_within(0..j, 1);
                mtf[0] = v;
                self.selectors.push(v);
            }
        }
        let mut lengths = [0u8; MAX_SYMBOLS];
        for table in self.tables.iter_mut().take(groups) {
            let mut len = bits.bits(5)?;
            for slot in lengths.iter_mut().take(alpha) {
                loop {
                    if !(1..=MAX_LEN).contains(&len) {
                        return Err(Error::Corrupt);
                    }
                    if !bits.bit()? {
                        break;
                    }
                    if bits.bit()? {
                        len -= 1;
                    } else {
                        len += 1;
                    }
                }
                *slot = len as u8;
            }
            table.build(lengths.get(..alpha).ok_or(Error::Corrupt)?)?;
        }
        Ok(groups)
    }

    /// Decodes the symbols into `tt`, undoing RUNA/RUNB and move-to-front.
    fn read_symbols<S: Source>(
        &mut self,
        bits: &mut Bits<'_, S>,
        unseq: &[u8; 256],
        in_use: usize,
        groups: usize,
        max_len: usize,
    ) -> Result<(), Error> {
        self.tt.clear();
        self.tt
            .try_reserve(max_len)
            .map_err(|_| Error::OutOfMemory)?;
        let end_of_block = in_use + 1;
        let mut mtf: [u8; 256] = core::array::from_fn(|i| i as u8);
        let (mut run, mut weight) = (0usize, 1usize);
        let mut left_in_group = 0;
        let mut selector = 0;
        let mut table = &self.tables[0];
        loop {
            if left_in_group == 0 {
                let t = *self.selectors.get(selector).ok_or(Error::Corrupt)?;
                table = self
                    .tables
                    .get(usize::from(t))
                    .filter(|_| usize::from(t) < groups)
                    .ok_or(Error::Corrupt)?;
                selector += 1;
                left_in_group = GROUP;
            }
            left_in_group -= 1;
            let sym = usize::from(table.decode(bits)?);
            if sym <= 1 {
                // RUNA adds the weight, RUNB twice the weight; the weight doubles.
                run += weight << sym;
                weight <<= 1;
                if run > max_len {
                    return Err(Error::Corrupt);
                }
                continue;
            }
            if run > 0 {
                let byte = unseq[usize::from(mtf[0])];
                if self.tt.len() + run > max_len {
                    return Err(Error::Corrupt);
                }
                self.tt.resize(self.tt.len() + run, u32::from(byte));
                (run, weight) = (0, 1);
            }
            if sym == end_of_block {
                return Ok(());
            }
            let idx = sym - 1;
            if idx >= in_use || self.tt.len() >= max_len {
                return Err(Error::Corrupt);
            }
            let v = mtf[idx];
            mtf.copy_within(0..idx, 1);
            mtf[0] = v;
            self.tt.push(u32::from(unseq[usize::from(v)]));
        }
    }

    /// Links every position to the next in the original order (upper 24 bits of `tt`).
    fn inverse_bwt(&mut self) -> Result<(), Error> {
        let mut start = [0u32; 256];
        for &t in &self.tt {
            start[(t & 0xff) as usize] += 1;
        }
        let mut sum = 0;
        for slot in start.iter_mut() {
            (*slot, sum) = (sum, sum + *slot);
        }
        for i in 0..self.tt.len() {
            let b = (self.tt[i] & 0xff) as usize;
            let at = start[b] as usize;
            *self.tt.get_mut(at).ok_or(Error::Corrupt)? |= (i as u32) << 8;
            start[b] += 1;
        }
        Ok(())
    }

    /// Walks the BWT links from `orig_ptr`, undoes the initial run-length stage (four equal
    /// bytes, then a count of more), writes the bytes out and returns their CRC.
    fn emit(&self, orig_ptr: usize, out: &mut Sink) -> Result<u32, Error> {
        let mut crc = Crc::new();
        let mut buf = [0u8; 4096];
        let mut fill = 0;
        let mut pos = (self.tt[orig_ptr] >> 8) as usize;
        let (mut last, mut same) = (None, 0);
        for _ in 0..self.tt.len() {
            let t = *self.tt.get(pos).ok_or(Error::Corrupt)?;
            let b = t as u8;
            pos = (t >> 8) as usize;
            let (byte, times) = if same == 4 {
                same = 0;
                (last.unwrap_or(0), usize::from(b))
            } else {
                if last == Some(b) {
                    same += 1;
                } else {
                    (last, same) = (Some(b), 1);
                }
                (b, 1)
            };
            for _ in 0..times {
                if fill == buf.len() {
                    out.extend(&buf)?;
                    fill = 0;
                }
                buf[fill] = byte;
                fill += 1;
            }
            crc.update_repeat(byte, times);
        }
        out.extend(buf.get(..fill).unwrap_or_default())?;
        Ok(crc.finish())
    }
}

/// Reads the map of byte values used in the block: value for each symbol index, and count.
fn symbol_map<S: Source>(bits: &mut Bits<'_, S>) -> Result<([u8; 256], usize), Error> {
    let mut unseq = [0u8; 256];
    let mut in_use = 0;
    let ranges = bits.bits(16)?;
    for i in 0..16 {
        if ranges & (0x8000 >> i) == 0 {
            continue;
        }
        let used = bits.bits(16)?;
        for j in 0..16 {
            if used & (0x8000 >> j) != 0 {
                unseq[in_use] = (i * 16 + j) as u8;
                in_use += 1;
            }
        }
    }
    if in_use == 0 {
        return Err(Error::Corrupt);
    }
    Ok((unseq, in_use))
}
