//! A bounded, safe LZO1X block decoder (what `lzo1x_decompress_safe` accepts).
//!
//! The format, as Linux documents it (Documentation/staging/lzo.rst): a first byte that may
//! start with a literal run, then instructions whose top bits select a match kind; after
//! each match 0-3 literals follow (its `state`), and that count changes how the next
//! instruction's 0-15 range reads. A match with distance 16384 ends the block.

use super::super::sink::Sink;
use super::super::Error;

/// Decodes one LZO1X block from `src` into `out`, which must then hold exactly `dst_len`
/// more bytes. Matches reach back only into this block's output.
pub(super) fn decode_block(src: &[u8], out: &mut Sink, dst_len: usize) -> Result<(), Error> {
    let floor = out.len();
    let end = floor.checked_add(dst_len).ok_or(Error::OutputLimit)?;
    let mut d = Decoder {
        src,
        ip: 0,
        out,
        floor,
        end,
    };
    d.run()?;
    if d.out.len() != end {
        return Err(Error::SizeMismatch);
    }
    if d.ip != src.len() {
        return Err(Error::Corrupt);
    }
    Ok(())
}

struct Decoder<'a, 's> {
    src: &'a [u8],
    ip: usize,
    out: &'s mut Sink,
    floor: usize,
    end: usize,
}

impl Decoder<'_, '_> {
    fn byte(&mut self) -> Result<usize, Error> {
        let b = self.src.get(self.ip).copied().ok_or(Error::Truncated)?;
        self.ip += 1;
        Ok(usize::from(b))
    }

    fn le16(&mut self) -> Result<usize, Error> {
        let lo = self.byte()?;
        Ok(lo | (self.byte()? << 8))
    }

    /// `base` plus a length field of the opcode's low bits: if those are zero, `mask` plus
    /// 255 per zero byte plus the first non-zero byte that follows.
    fn length(&mut self, base: usize, low: usize, mask: usize) -> Result<usize, Error> {
        if low != 0 {
            return Ok(base + low);
        }
        let mut len = base + mask;
        loop {
            match self.byte()? {
                0 => len = len.checked_add(255).ok_or(Error::Corrupt)?,
                b => return len.checked_add(b).ok_or(Error::Corrupt),
            }
        }
    }

    fn literals(&mut self, n: usize) -> Result<(), Error> {
        let stop = self.ip.checked_add(n).ok_or(Error::Truncated)?;
        let bytes = self.src.get(self.ip..stop).ok_or(Error::Truncated)?;
        self.room(n)?;
        self.out.extend(bytes)?;
        self.ip = stop;
        Ok(())
    }

    fn copy(&mut self, dist: usize, len: usize) -> Result<(), Error> {
        self.room(len)?;
        self.out.copy_back(self.floor, dist, len)
    }

    /// Output may not run past the block's declared size.
    fn room(&self, n: usize) -> Result<(), Error> {
        match self.out.len().checked_add(n) {
            Some(after) if after <= self.end => Ok(()),
            _ => Err(Error::Corrupt),
        }
    }

    fn run(&mut self) -> Result<(), Error> {
        // Literals the last instruction copied: 0, 1-3, or 4 for "4 or more".
        let mut state = 0;
        if let Some(&first) = self.src.first() {
            if first > 17 {
                self.ip = 1;
                let n = usize::from(first) - 17;
                self.literals(n)?;
                state = n.min(4);
            }
        }
        loop {
            let op = self.byte()?;
            let (dist, len, next) = match op {
                128.. => {
                    let h = self.byte()?;
                    ((h << 3) + ((op >> 2) & 7) + 1, 5 + ((op >> 5) & 3), op & 3)
                }
                64.. => {
                    let h = self.byte()?;
                    ((h << 3) + ((op >> 2) & 7) + 1, 3 + ((op >> 5) & 1), op & 3)
                }
                32.. => {
                    let len = self.length(2, op & 31, 31)?;
                    let d = self.le16()?;
                    ((d >> 2) + 1, len, d & 3)
                }
                16.. => {
                    let len = self.length(2, op & 7, 7)?;
                    let d = self.le16()?;
                    let dist = 16384 + ((op & 8) << 11) + (d >> 2);
                    if dist == 16384 {
                        return Ok(());
                    }
                    (dist, len, d & 3)
                }
                _ if state == 0 => {
                    let n = self.length(3, op & 15, 15)?;
                    self.literals(n)?;
                    state = 4;
                    continue;
                }
                _ => {
                    let h = self.byte()?;
                    let base = if state == 4 { 2049 } else { 1 };
                    (
                        (h << 2) + ((op >> 2) & 3) + base,
                        2 + usize::from(state == 4),
                        op & 3,
                    )
                }
            };
            self.copy(dist, len)?;
            self.literals(next)?;
            state = next;
        }
    }
}
