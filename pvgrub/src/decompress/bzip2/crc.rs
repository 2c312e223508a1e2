//! bzip2's CRC-32: polynomial 0x04c11db7 fed most significant bit first.

const TABLE: [u32; 256] = table();

const fn table() -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = (i as u32) << 24;
        let mut k = 0;
        while k < 8 {
            c = if c & 0x8000_0000 != 0 {
                (c << 1) ^ 0x04c1_1db7
            } else {
                c << 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

/// A running block CRC.
pub(super) struct Crc(u32);

impl Crc {
    pub(super) fn new() -> Crc {
        Crc(u32::MAX)
    }

    /// Adds `times` copies of `byte`.
    pub(super) fn update_repeat(&mut self, byte: u8, times: usize) {
        for _ in 0..times {
            self.0 = (self.0 << 8) ^ TABLE[usize::from((self.0 >> 24) as u8 ^ byte)];
        }
    }

    pub(super) fn finish(&self) -> u32 {
        !self.0
    }
}
