//! A file on iso9660: one extent, read in order.

use crate::disk::BlockDevice;
use crate::fs::{FileReader, FsError};
use crate::io::Source;

/// An open iso9660 file.
pub(crate) struct File<'a, D> {
    dev: &'a mut D,
    /// Device offset of the next byte.
    at: u64,
    /// Bytes not read yet.
    left: u64,
    len: u64,
}

impl<'a, D> File<'a, D> {
    /// The `len` bytes at device offset `at`.
    pub(crate) fn new(dev: &'a mut D, at: u64, len: u64) -> Self {
        Self {
            dev,
            at,
            left: len,
            len,
        }
    }
}

impl<D: BlockDevice> Source for File<'_, D> {
    type Error = FsError;

    fn read(&mut self, buf: &mut [u8]) -> Result<usize, FsError> {
        let n = usize::try_from(self.left).map_or(buf.len(), |left| left.min(buf.len()));
        let dst = buf.get_mut(..n).unwrap_or_default();
        self.dev.read_at(self.at, dst)?;
        self.at += n as u64;
        self.left -= n as u64;
        Ok(n)
    }
}

impl<D: BlockDevice> FileReader for File<'_, D> {
    fn len(&self) -> u64 {
        self.len
    }
}
