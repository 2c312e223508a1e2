//! bzip2's canonical Huffman codes (lengths 1..=20), decoded through a lookup table for
//! short codes and a canonical walk for long ones.

use super::super::Error;
use super::bits::Bits;
use crate::io::Source;

/// Longest code bzip2 allows.
pub(super) const MAX_LEN: u32 = 20;
/// Most symbols in a bzip2 alphabet: 256 MTF values, RUNA/RUNB, end of block.
pub(super) const MAX_SYMBOLS: usize = 258;
/// Bits resolved by one table lookup.
const FAST_BITS: u32 = 10;

/// One decoding table.
pub(super) struct Huffman {
    /// For each `FAST_BITS`-bit prefix: symbol << 8 | code length, or 0 for a longer code.
    fast: [u32; 1 << FAST_BITS],
    /// For each length: the first canonical code of that length.
    first: [u32; MAX_LEN as usize + 1],
    /// For each length: how many codes have it.
    count: [u32; MAX_LEN as usize + 1],
    /// For each length: where its symbols start in `symbols`.
    offset: [u32; MAX_LEN as usize + 1],
    /// Symbols in canonical order (by length, then value).
    symbols: [u16; MAX_SYMBOLS],
}

impl Huffman {
    /// An empty table (decodes nothing until [`Huffman::build`]).
    pub(super) const EMPTY: Huffman = Huffman {
        fast: [0; 1 << FAST_BITS],
        first: [0; MAX_LEN as usize + 1],
        count: [0; MAX_LEN as usize + 1],
        offset: [0; MAX_LEN as usize + 1],
        symbols: [0; MAX_SYMBOLS],
    };

    /// Builds the table for the code lengths of symbols `0..lengths.len()`, each 1..=20.
    /// An over-subscribed set of lengths is [`Error::Corrupt`].
    pub(super) fn build(&mut self, lengths: &[u8]) -> Result<(), Error> {
        *self = Huffman::EMPTY;
        for &len in lengths {
            if len == 0 {
                return Err(Error::Corrupt);
            }
            let slot = self.count.get_mut(usize::from(len)).ok_or(Error::Corrupt)?;
            *slot += 1;
        }
        let mut code = 0u32;
        let mut index = 0u32;
        for len in 1..=MAX_LEN as usize {
            let n = self.count[len];
            code <<= 1;
            if code + n > 1 << len {
                return Err(Error::Corrupt);
            }
            self.first[len] = code;
            self.offset[len] = index;
            code += n;
            index += n;
        }
        let mut next = self.offset;
        for (symbol, &len) in lengths.iter().enumerate() {
            let slot = next.get_mut(usize::from(len)).ok_or(Error::Corrupt)?;
            let at = *slot as usize;
            *slot += 1;
            *self.symbols.get_mut(at).ok_or(Error::Corrupt)? = symbol as u16;
        }
        // Fill the fast table: every prefix that starts with a short code.
        for len in 1..=FAST_BITS {
            let l = len as usize;
            for i in 0..self.count[l] {
                let code = self.first[l] + i;
                let at = (self.offset[l] + i) as usize;
                let symbol = *self.symbols.get(at).ok_or(Error::Corrupt)?;
                let entry = u32::from(symbol) << 8 | len;
                let shift = FAST_BITS - len;
                let lo = (code << shift) as usize;
                for slot in self.fast.iter_mut().skip(lo).take(1 << shift) {
                    *slot = entry;
                }
            }
        }
        Ok(())
    }

    /// Decodes one symbol.
    pub(super) fn decode<S: Source>(&self, bits: &mut Bits<'_, S>) -> Result<u16, Error> {
        let peek = bits.peek(MAX_LEN);
        let entry = self.fast[(peek >> (MAX_LEN - FAST_BITS)) as usize];
        if entry != 0 {
            bits.consume(entry & 0xff)?;
            return Ok((entry >> 8) as u16);
        }
        for len in FAST_BITS + 1..=MAX_LEN {
            let l = len as usize;
            let code = peek >> (MAX_LEN - len);
            let rel = code.wrapping_sub(self.first[l]);
            if rel < self.count[l] {
                bits.consume(len)?;
                let symbol = self.symbols.get((self.offset[l] + rel) as usize);
                return symbol.copied().ok_or(Error::Corrupt);
            }
        }
        Err(Error::Corrupt)
    }
}
