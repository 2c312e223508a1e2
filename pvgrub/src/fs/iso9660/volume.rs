//! The volume descriptor set: the primary volume and, if present, a Joliet supplementary one.

use super::record::Record;
use super::IsoError;
use crate::disk::BlockDevice;
use crate::fs::FsError;

/// Size of a volume descriptor (and of a CD sector).
pub(crate) const SECTOR: u64 = 2048;

/// Byte offset of the first volume descriptor (sector 16).
pub(crate) const FIRST_DESCRIPTOR: u64 = 16 * SECTOR;

/// Most descriptors read before giving up on finding the terminator.
const MAX_DESCRIPTORS: u64 = 64;

/// A directory tree: the root directory and the block size its numbers are in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Volume {
    /// Logical block size (512, 1024 or 2048).
    pub(crate) block_size: u32,
    /// First block of the root directory.
    pub(crate) root_block: u64,
    /// Length of the root directory in bytes.
    pub(crate) root_size: u32,
}

/// The trees an ISO image offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Volumes {
    /// The primary volume (ISO names, Rock Ridge if the image has it).
    pub(crate) primary: Volume,
    /// A Joliet supplementary volume (UCS-2 names), if present.
    pub(crate) joliet: Option<Volume>,
}

/// Whether a descriptor carries the "CD001" standard identifier, version 1.
pub(crate) fn is_descriptor(d: &[u8]) -> bool {
    d.get(1..7) == Some(b"CD001\x01")
}

fn volume(d: &[u8; SECTOR as usize]) -> Result<Volume, IsoError> {
    let block_size = u32::from(u16::from_le_bytes([d[128], d[129]]));
    if !matches!(block_size, 512 | 1024 | 2048) {
        return Err(IsoError::BadBlockSize(block_size));
    }
    let root = Record::new_checked(&d[156..190])?;
    Ok(Volume {
        block_size,
        root_block: root.data_block(),
        root_size: root.size(),
    })
}

/// Whether a supplementary descriptor is Joliet: escape sequence `%/@`, `%/C` or `%/E`.
fn is_joliet(d: &[u8; SECTOR as usize]) -> bool {
    d[7] & 1 == 0 && d[88] == b'%' && d[89] == b'/' && matches!(d[90], b'@' | b'C' | b'E')
}

/// Reads the descriptors from sector 16 up to the terminator.
pub(crate) fn read<D: BlockDevice>(dev: &mut D) -> Result<Volumes, FsError> {
    let mut primary = None;
    let mut joliet = None;
    let mut d = [0u8; SECTOR as usize];
    for i in 0..MAX_DESCRIPTORS {
        let at = FIRST_DESCRIPTOR + i * SECTOR;
        dev.read_at(at, &mut d)?;
        if !is_descriptor(&d) {
            return Err(IsoError::BadVolumeDescriptor(at / SECTOR).into());
        }
        match d[0] {
            1 if primary.is_none() => primary = Some(volume(&d)?),
            2 if joliet.is_none() && is_joliet(&d) => joliet = volume(&d).ok(),
            255 => break,
            _ => {}
        }
    }
    Ok(Volumes {
        primary: primary.ok_or(IsoError::NoPrimaryVolume)?,
        joliet,
    })
}
