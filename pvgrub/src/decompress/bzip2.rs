//! bzip2: `BZh` and a level digit, blocks (magic 0x314159265359, CRC, data), and the end
//! marker 0x177245385090 with the combined CRC. A self-written decoder: libbz2-rs-sys offers
//! only its C API (unsafe functions), which `#![forbid(unsafe_code)]` rules out here.
//!
//! Truncation: the end marker and the 32-bit combined CRC are the stream's last bits (then
//! at most 7 bits of padding), so a cut always takes some of them: the bit reader runs out,
//! [`Error::Truncated`]. Each block's CRC and the combined CRC are checked.

mod bits;
mod block;
mod crc;
mod huffman;

use super::input::Input;
use super::sink::Sink;
use super::Error;
use crate::io::Source;
use bits::Bits;
use block::Block;

const BLOCK_MAGIC: u64 = 0x3141_5926_5359;
const END_MAGIC: u64 = 0x1772_4538_5090;

/// Decodes the bzip2 stream at the start of `input` into `sink`.
pub(super) fn decode<S: Source>(input: &mut Input<S>, sink: &mut Sink) -> Result<(), Error> {
    let level = match input.array::<4>() {
        Ok([b'B', b'Z', b'h', d @ b'1'..=b'9']) => usize::from(d - b'0'),
        Ok(_) => return Err(Error::BadMagic),
        Err(e) => return Err(e),
    };
    let max_len = level * 100_000;
    let mut bits = Bits::new(input);
    let mut block = Block::new();
    let mut combined = 0u32;
    loop {
        match bits.bits48()? {
            BLOCK_MAGIC => {
                let stored = bits.bits(32)?;
                let crc = block.decode(&mut bits, max_len, sink)?;
                if crc != stored {
                    return Err(Error::Checksum);
                }
                combined = combined.rotate_left(1) ^ crc;
            }
            END_MAGIC => {
                return if bits.bits(32)? == combined {
                    Ok(())
                } else {
                    Err(Error::Checksum)
                };
            }
            _ => return Err(Error::Corrupt),
        }
    }
}
