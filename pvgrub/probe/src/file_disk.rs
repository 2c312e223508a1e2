//! A disk image file (or a block device node) as a [`BlockDevice`].

use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::rc::Rc;

use pvgrub::disk::{BlockDevice, IoError};

/// Sector size of a disk image file.
const SECTOR: u32 = 512;

/// An open disk image; clones share the open file.
#[derive(Debug, Clone)]
pub struct FileDisk {
    file: Rc<File>,
    size: u64,
}

impl FileDisk {
    /// Opens `path` read-only.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let mut file = File::open(path)?;
        // Seeking gives the size of block devices too (their metadata says 0).
        let size = file.seek(SeekFrom::End(0))?;
        Ok(FileDisk {
            file: Rc::new(file),
            size,
        })
    }
}

/// The device error for a failed read: the OS error number, negated as blkif statuses are.
fn io_error(e: &std::io::Error) -> IoError {
    IoError::Device(-e.raw_os_error().unwrap_or(5))
}

impl BlockDevice for FileDisk {
    fn sector_size(&self) -> u32 {
        SECTOR
    }

    fn size(&self) -> u64 {
        self.size
    }

    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), IoError> {
        if !buf.len().is_multiple_of(SECTOR as usize) {
            return Err(IoError::Misaligned);
        }
        let offset = lba
            .checked_mul(u64::from(SECTOR))
            .ok_or(IoError::OutOfRange {
                offset: u64::MAX,
                len: buf.len() as u64,
            })?;
        self.read_at(offset, buf)
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), IoError> {
        let len = buf.len() as u64;
        if offset.checked_add(len).is_none_or(|end| end > self.size) {
            return Err(IoError::OutOfRange { offset, len });
        }
        self.file
            .read_exact_at(buf, offset)
            .map_err(|e| io_error(&e))
    }
}
