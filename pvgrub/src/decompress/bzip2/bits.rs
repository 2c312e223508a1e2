//! An MSB-first bit reader, as bzip2 packs its bits.

use super::super::input::Input;
use super::super::Error;
use crate::io::Source;

/// Reads bits most significant first from an [`Input`].
pub(super) struct Bits<'a, S: Source> {
    input: &'a mut Input<S>,
    /// Pending bits, left-aligned: the next bit is bit 63.
    acc: u64,
    /// How many bits of `acc` are valid.
    count: u32,
}

impl<'a, S: Source> Bits<'a, S> {
    /// A reader at the next byte of `input`.
    pub(super) fn new(input: &'a mut Input<S>) -> Bits<'a, S> {
        Bits {
            input,
            acc: 0,
            count: 0,
        }
    }

    fn refill(&mut self) {
        while self.count <= 56 {
            let Ok(b) = self.input.byte() else {
                return;
            };
            self.acc |= u64::from(b) << (56 - self.count);
            self.count += 8;
        }
    }

    /// The next `n` (1..=32) bits without consuming them, zero-padded past the end.
    pub(super) fn peek(&mut self, n: u32) -> u32 {
        if self.count < n {
            self.refill();
        }
        (self.acc >> (64 - n)) as u32
    }

    /// Consumes `n` (1..=32) bits already seen by [`Bits::peek`].
    pub(super) fn consume(&mut self, n: u32) -> Result<(), Error> {
        if self.count < n {
            return Err(Error::Truncated);
        }
        self.acc <<= n;
        self.count -= n;
        Ok(())
    }

    /// The next `n` (1..=32) bits.
    pub(super) fn bits(&mut self, n: u32) -> Result<u32, Error> {
        let v = self.peek(n);
        self.consume(n)?;
        Ok(v)
    }

    /// The next bit.
    pub(super) fn bit(&mut self) -> Result<bool, Error> {
        Ok(self.bits(1)? == 1)
    }

    /// The next 48 bits (block and end-of-stream magics).
    pub(super) fn bits48(&mut self) -> Result<u64, Error> {
        let hi = u64::from(self.bits(24)?);
        Ok(hi << 24 | u64::from(self.bits(24)?))
    }
}
