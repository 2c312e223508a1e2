//! A partition: a bounds-checked byte window of another block device.

use super::device::{check_range, BlockDevice, IoError};

/// A byte range of a disk: where a partition (or the whole disk) lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Offset of the first byte, from the start of the disk.
    pub start: u64,
    /// Length in bytes.
    pub len: u64,
}

impl Window {
    /// The whole of `dev`.
    pub fn whole<D: BlockDevice + ?Sized>(dev: &D) -> Self {
        Self {
            start: 0,
            len: dev.size(),
        }
    }

    /// One past the last byte, or `None` if that overflows.
    pub fn end(&self) -> Option<u64> {
        self.start.checked_add(self.len)
    }
}

/// A view of `window` of the device `D`, itself a [`BlockDevice`] whose byte 0 is the window's
/// first byte. Reads outside the window fail with [`IoError::OutOfRange`].
#[derive(Debug, Clone)]
pub struct Partition<D> {
    dev: D,
    window: Window,
}

impl<D: BlockDevice> Partition<D> {
    /// A view of `window` of `dev`. The window must lie within the device and start on a sector
    /// boundary.
    pub fn new(dev: D, window: Window) -> Result<Self, IoError> {
        if window.end().is_none_or(|end| end > dev.size()) {
            return Err(IoError::OutOfRange {
                offset: window.start,
                len: window.len,
            });
        }
        let ss = u64::from(dev.sector_size());
        if !ss.is_power_of_two() || !window.start.is_multiple_of(ss) {
            return Err(IoError::Misaligned);
        }
        Ok(Self { dev, window })
    }

    /// A view of the whole of `dev`.
    pub fn whole(dev: D) -> Self {
        let window = Window::whole(&dev);
        Self { dev, window }
    }

    /// Where this view lies on the underlying device.
    pub fn window(&self) -> Window {
        self.window
    }

    /// Gives back the underlying device.
    pub fn into_inner(self) -> D {
        self.dev
    }

    /// Maps `len` bytes at `offset` in the window to an offset on the device.
    fn map(&self, offset: u64, len: usize) -> Result<u64, IoError> {
        check_range(offset, len, self.window.len)?;
        self.window
            .start
            .checked_add(offset)
            .ok_or(IoError::OutOfRange {
                offset,
                len: len as u64,
            })
    }
}

impl<D: BlockDevice> BlockDevice for Partition<D> {
    fn sector_size(&self) -> u32 {
        self.dev.sector_size()
    }

    fn size(&self) -> u64 {
        self.window.len
    }

    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), IoError> {
        let ss = u64::from(self.dev.sector_size());
        if ss == 0 || !(buf.len() as u64).is_multiple_of(ss) {
            return Err(IoError::Misaligned);
        }
        let offset = lba.checked_mul(ss).ok_or(IoError::OutOfRange {
            offset: u64::MAX,
            len: buf.len() as u64,
        })?;
        let at = self.map(offset, buf.len())?;
        self.dev.read_at(at, buf)
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), IoError> {
        let at = self.map(offset, buf.len())?;
        self.dev.read_at(at, buf)
    }
}
