//! The block device trait and its error.

use alloc::boxed::Box;
use alloc::vec;
use core::fmt;

/// Why a block device read failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoError {
    /// The request reaches past the end of the device (or of the partition window).
    OutOfRange {
        /// Byte offset of the request.
        offset: u64,
        /// Length of the request in bytes.
        len: u64,
    },
    /// A sector read was not a whole number of sectors, or the device reported a sector size
    /// that is not a power of two.
    Misaligned,
    /// The device itself failed; the value is the driver's status code (blkif's `status`).
    Device(i32),
}

impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OutOfRange { offset, len } => {
                write!(
                    f,
                    "read of {len} bytes at byte {offset} is past the end of the device"
                )
            }
            Self::Misaligned => f.write_str(
                "request not aligned to whole sectors (or a sector size not a power of two)",
            ),
            Self::Device(status) => write!(f, "device error (status {status})"),
        }
    }
}

impl core::error::Error for IoError {}

/// A readable disk: the guest's blkfront, a partition of another device, or bytes in memory.
///
/// Implementors provide whole-sector reads; [`BlockDevice::read_at`] builds byte-granular reads
/// on top (implementors that can do better may override it).
pub trait BlockDevice {
    /// Bytes per sector: a power of two, usually 512 (the unit of MBR and GPT block numbers).
    fn sector_size(&self) -> u32;

    /// Size of the device in bytes.
    fn size(&self) -> u64;

    /// Reads whole sectors starting at sector `lba`; `buf.len()` is a multiple of the sector
    /// size. Fails with [`IoError::OutOfRange`] if the sectors are not all on the device.
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), IoError>;

    /// Reads `buf.len()` bytes at byte `offset`, which need not be sector aligned.
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), IoError> {
        let ss = u64::from(self.sector_size());
        if !ss.is_power_of_two() {
            return Err(IoError::Misaligned);
        }
        check_range(offset, buf.len(), self.size())?;
        let mut pos = offset;
        let mut rest = buf;
        while !rest.is_empty() {
            let lba = pos / ss;
            let skip = pos % ss;
            let avail = ss - skip;
            if skip == 0 && rest.len() as u64 >= ss {
                // Aligned run of whole sectors: straight into the caller's buffer.
                let whole = (rest.len() as u64 / ss) * ss;
                let (now, later) = rest.split_at_mut(usize::try_from(whole).unwrap_or(0));
                self.read_sectors(lba, now)?;
                pos += whole;
                rest = later;
            } else {
                // Partial sector (head or tail): through a one-sector bounce buffer.
                let mut tmp = vec![0u8; usize::try_from(ss).map_err(|_| IoError::Misaligned)?];
                self.read_sectors(lba, &mut tmp)?;
                let n = usize::try_from(avail.min(rest.len() as u64)).unwrap_or(0);
                let from = usize::try_from(skip).unwrap_or(0);
                let src = tmp.get(from..from + n).ok_or(IoError::Misaligned)?;
                let (now, later) = rest.split_at_mut(n);
                now.copy_from_slice(src);
                pos += n as u64;
                rest = later;
            }
        }
        Ok(())
    }
}

/// Checks that `len` bytes at `offset` lie within a device of `size` bytes.
pub(crate) fn check_range(offset: u64, len: usize, size: u64) -> Result<(), IoError> {
    let len = len as u64;
    match offset.checked_add(len) {
        Some(end) if end <= size => Ok(()),
        _ => Err(IoError::OutOfRange { offset, len }),
    }
}

impl<D: BlockDevice + ?Sized> BlockDevice for &mut D {
    fn sector_size(&self) -> u32 {
        (**self).sector_size()
    }
    fn size(&self) -> u64 {
        (**self).size()
    }
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), IoError> {
        (**self).read_sectors(lba, buf)
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), IoError> {
        (**self).read_at(offset, buf)
    }
}

impl<D: BlockDevice + ?Sized> BlockDevice for Box<D> {
    fn sector_size(&self) -> u32 {
        (**self).sector_size()
    }
    fn size(&self) -> u64 {
        (**self).size()
    }
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), IoError> {
        (**self).read_sectors(lba, buf)
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), IoError> {
        (**self).read_at(offset, buf)
    }
}
