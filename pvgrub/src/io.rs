//! Byte streams read in order: a file on a guest filesystem, a TFTP transfer, a buffer.
//!
//! Kernels and ramdisks are decompressed as they are read, so that the compressed file is
//! never held whole beside its output ([`Source`] is what the decoders pull from).

use core::convert::Infallible;

/// A stream of bytes, read front to back.
pub trait Source {
    /// Why a read failed (the filesystem's error, the network's, ...).
    type Error;

    /// Reads up to `buf.len()` bytes into `buf`; returns how many, 0 only at the end (or for
    /// an empty `buf`).
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error>;
}

/// A buffer is a source that cannot fail.
impl Source for &[u8] {
    type Error = Infallible;

    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        let n = buf.len().min(self.len());
        let (now, rest) = self.split_at(n);
        buf[..n].copy_from_slice(now);
        *self = rest;
        Ok(n)
    }
}

impl<S: Source + ?Sized> Source for &mut S {
    type Error = S::Error;

    fn read(&mut self, buf: &mut [u8]) -> Result<usize, S::Error> {
        (**self).read(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slice_reads_in_order_then_ends() {
        let mut src: &[u8] = b"abcdef";
        let mut buf = [0u8; 4];
        assert_eq!(src.read(&mut buf), Ok(4));
        assert_eq!(&buf, b"abcd");
        assert_eq!(src.read(&mut buf), Ok(2));
        assert_eq!(&buf[..2], b"ef");
        assert_eq!(src.read(&mut buf), Ok(0));
    }
}
