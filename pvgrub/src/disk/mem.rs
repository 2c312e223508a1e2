//! A block device over bytes in memory, for tests, fuzzing and ramdisks.

use super::device::{check_range, BlockDevice, IoError};
use alloc::vec::Vec;

/// A disk whose contents are a byte buffer (`Vec<u8>`, `&[u8]`, ...).
///
/// The size is the buffer length, which need not be a whole number of sectors: the bytes of a
/// final partial sector can be read with [`BlockDevice::read_at`] only.
#[derive(Debug, Clone)]
pub struct MemDisk<T = Vec<u8>> {
    data: T,
    sector_size: u32,
}

impl<T: AsRef<[u8]>> MemDisk<T> {
    /// A disk with 512-byte sectors over `data`.
    pub fn new(data: T) -> Self {
        Self {
            data,
            sector_size: 512,
        }
    }

    /// A disk with `sector_size`-byte sectors; `None` unless it is a power of two in
    /// 512..=65536.
    pub fn with_sector_size(data: T, sector_size: u32) -> Option<Self> {
        (sector_size.is_power_of_two() && (512..=65536).contains(&sector_size))
            .then_some(Self { data, sector_size })
    }
}

impl<T: AsRef<[u8]>> BlockDevice for MemDisk<T> {
    fn sector_size(&self) -> u32 {
        self.sector_size
    }

    fn size(&self) -> u64 {
        self.data.as_ref().len() as u64
    }

    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), IoError> {
        let ss = u64::from(self.sector_size);
        if !(buf.len() as u64).is_multiple_of(ss) {
            return Err(IoError::Misaligned);
        }
        let offset = lba.checked_mul(ss).ok_or(IoError::OutOfRange {
            offset: u64::MAX,
            len: buf.len() as u64,
        })?;
        self.read_at(offset, buf)
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), IoError> {
        let data = self.data.as_ref();
        check_range(offset, buf.len(), data.len() as u64)?;
        let start = usize::try_from(offset).map_err(|_| IoError::OutOfRange {
            offset,
            len: buf.len() as u64,
        })?;
        let src = data
            .get(start..start + buf.len())
            .ok_or(IoError::OutOfRange {
                offset,
                len: buf.len() as u64,
            })?;
        buf.copy_from_slice(src);
        Ok(())
    }
}
