//! The integrity checks an xz stream may carry: none, CRC-32 or CRC-64 (SHA-256 is not
//! supported: the sha2 crate does not build for x86_64-unknown-none).

use super::super::Error;

/// A stream's check type.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Check {
    None,
    Crc32,
    Crc64,
}

impl Check {
    /// The check for the type ID of the stream flags.
    pub(super) fn from_id(id: u8) -> Result<Check, Error> {
        match id {
            0 => Ok(Check::None),
            1 => Ok(Check::Crc32),
            4 => Ok(Check::Crc64),
            _ => Err(Error::Unsupported),
        }
    }

    /// Bytes of the check field after each block.
    pub(super) fn len(self) -> usize {
        match self {
            Check::None => 0,
            Check::Crc32 => 4,
            Check::Crc64 => 8,
        }
    }

    /// Compares the stored check field with the block's data.
    pub(super) fn verify(self, stored: &[u8], data: &[u8]) -> Result<(), Error> {
        let ok = match self {
            Check::None => true,
            Check::Crc32 => stored == crc32fast::hash(data).to_le_bytes(),
            Check::Crc64 => stored == crc64(data).to_le_bytes(),
        };
        if ok {
            Ok(())
        } else {
            Err(Error::Checksum)
        }
    }
}

/// CRC-64/XZ: the ECMA-182 polynomial, reflected (0xc96c5795d7870f42).
const CRC64_TABLE: [u64; 256] = crc64_table();

const fn crc64_table() -> [u64; 256] {
    let mut t = [0u64; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u64;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xc96c_5795_d787_0f42
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

fn crc64(data: &[u8]) -> u64 {
    let mut crc = u64::MAX;
    for &b in data {
        crc = CRC64_TABLE[usize::from(crc as u8 ^ b)] ^ (crc >> 8);
    }
    !crc
}
