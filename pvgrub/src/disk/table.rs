//! Finding the partition table of a disk and the window of a GRUB partition number.

use super::device::{BlockDevice, IoError};
use super::gpt::{self, GptError};
use super::mbr::{self, BootSector, MbrError};
use super::window::Window;
use alloc::vec::Vec;
use core::fmt;
use gpt_disk_types::Guid;

/// Why a disk's partition table could not be read, or a partition not found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskError {
    /// Reading the disk failed.
    Io(IoError),
    /// The MBR's logical partition chain is broken.
    Mbr(MbrError),
    /// Neither GPT header is valid; this is the primary header's fault.
    Gpt(GptError),
    /// A partition was asked for, but the disk has no partition table.
    NoPartitionTable,
    /// The table has no partition with this number.
    NoSuchPartition(u32),
    /// The partition is an MBR extended partition, a container of logical partitions.
    ExtendedPartition(u32),
    /// The partition does not lie within the disk.
    OutsideDisk(u32),
}

impl fmt::Display for DiskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "reading the partition table: {e}"),
            Self::Mbr(e) => write!(f, "MBR: {e}"),
            Self::Gpt(e) => write!(f, "GPT: primary header: {e}; no valid backup header"),
            Self::NoPartitionTable => f.write_str("the disk has no partition table"),
            Self::NoSuchPartition(n) => write!(f, "the partition table has no partition {n}"),
            Self::ExtendedPartition(n) => write!(
                f,
                "partition {n} is an MBR extended partition (it holds logical partitions, \
                 not a filesystem)"
            ),
            Self::OutsideDisk(n) => write!(f, "partition {n} reaches past the end of the disk"),
        }
    }
}

impl core::error::Error for DiskError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            Self::Mbr(e) => Some(e),
            Self::Gpt(e) => Some(e),
            _ => None,
        }
    }
}

impl From<IoError> for DiskError {
    fn from(e: IoError) -> Self {
        Self::Io(e)
    }
}

impl From<MbrError> for DiskError {
    fn from(e: MbrError) -> Self {
        Self::Mbr(e)
    }
}

impl From<GptError> for DiskError {
    fn from(e: GptError) -> Self {
        Self::Gpt(e)
    }
}

/// The kind of partition table on a disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    /// No table: the disk is one filesystem (a vbd that is itself a partition, or an ISO).
    None,
    /// An MBR ("msdos") table, with any logical partitions.
    Mbr,
    /// A GUID partition table behind a protective MBR.
    Gpt,
}

/// What a partition table says a partition is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartitionKind {
    /// An MBR primary or logical partition.
    Mbr {
        /// The type byte (0x83 Linux, 0x0c FAT32 LBA, ...).
        type_byte: u8,
        /// Whether the boot indicator is 0x80.
        bootable: bool,
    },
    /// An MBR extended partition (holds logical partitions, not a filesystem).
    MbrExtended,
    /// A GPT partition.
    Gpt {
        /// The partition type GUID.
        type_guid: Guid,
    },
}

/// One partition, numbered as GRUB legacy numbers it: `(hd0,0)`-`(hd0,3)` are the MBR's
/// primary slots, `(hd0,4)` the first logical partition; on GPT, number N is entry N+1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionEntry {
    /// GRUB partition number.
    pub number: u32,
    /// Byte offset of the partition on the disk.
    pub start: u64,
    /// Length in bytes.
    pub len: u64,
    /// What the table says the partition is.
    pub kind: PartitionKind,
}

impl PartitionEntry {
    /// The partition's byte window.
    pub fn window(&self) -> Window {
        Window {
            start: self.start,
            len: self.len,
        }
    }
}

/// The partition table of a disk (or the lack of one).
///
/// A table with a broken part keeps what it could read: a looping or overlong chain of logical
/// partitions ends the chain, and a slot that lies outside any disk is left out; each such
/// problem is kept in [`PartitionTable::problems`] (which [`crate::boot::Disks`] logs with
/// the disk's name), so the other partitions stay usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionTable {
    kind: TableKind,
    entries: Vec<PartitionEntry>,
    problems: Vec<DiskError>,
}

/// What sector 0 says the disk holds.
fn classify<D: BlockDevice + ?Sized>(dev: &mut D) -> Result<Option<BootSector>, IoError> {
    if dev.size() < BootSector::LEN as u64 {
        return Ok(None);
    }
    Ok(BootSector::read(dev, 0)?.filter(BootSector::is_table))
}

impl PartitionTable {
    /// Reads the table of `dev`: GPT if sector 0 is a protective MBR, else MBR with its logical
    /// partitions, else none (no 0x55AA signature, no used slot, or invalid boot indicators, as
    /// in a FAT boot sector).
    ///
    /// Fails only when nothing can be read: sector 0 cannot be read, or neither GPT header is
    /// valid.
    pub fn read<D: BlockDevice + ?Sized>(dev: &mut D) -> Result<Self, DiskError> {
        let Some(mbr) = classify(dev)? else {
            return Ok(Self {
                kind: TableKind::None,
                entries: Vec::new(),
                problems: Vec::new(),
            });
        };
        if mbr.is_protective() {
            return Ok(Self {
                kind: TableKind::Gpt,
                entries: gpt::read(dev)?,
                problems: Vec::new(),
            });
        }
        let mut problems = Vec::new();
        let mut entries = mbr::primaries(&mbr, u64::from(dev.sector_size()), &mut problems);
        entries.extend(mbr::logicals(dev, &mbr, &mut problems));
        Ok(Self {
            kind: TableKind::Mbr,
            entries,
            problems,
        })
    }

    /// The kind of table.
    pub fn kind(&self) -> TableKind {
        self.kind
    }

    /// The used partitions, in number order.
    pub fn entries(&self) -> &[PartitionEntry] {
        &self.entries
    }

    /// The partition numbered `number`, if the table has it.
    pub fn get(&self, number: u32) -> Option<&PartitionEntry> {
        self.entries.iter().find(|e| e.number == number)
    }

    /// What was wrong with the parts of the table left out (empty for a sound table).
    pub fn problems(&self) -> &[DiskError] {
        &self.problems
    }

    /// The byte window of partition `number`, checked to lie within a disk of `disk_size`
    /// bytes. A number the table lacks is [`DiskError::NoSuchPartition`], or the problem that
    /// cut the table short (a broken logical chain) if there was one.
    pub fn window(&self, number: u32, disk_size: u64) -> Result<Window, DiskError> {
        if self.kind == TableKind::None {
            return Err(DiskError::NoPartitionTable);
        }
        let Some(entry) = self.get(number) else {
            return Err(self
                .problems
                .first()
                .copied()
                .unwrap_or(DiskError::NoSuchPartition(number)));
        };
        if entry.kind == PartitionKind::MbrExtended {
            return Err(DiskError::ExtendedPartition(number));
        }
        let window = entry.window();
        match window.end() {
            Some(end) if end <= disk_size => Ok(window),
            _ => Err(DiskError::OutsideDisk(number)),
        }
    }
}

/// The byte window of GRUB's `(hdN)` (`partition` = `None`: the whole disk, with or without a
/// table) or `(hdN,M)` (`Some(M)`), checked to lie within the disk. Reads the whole table; to
/// find several partitions of one disk, read it once with [`PartitionTable::read`] and use
/// [`PartitionTable::window`].
pub fn locate<D: BlockDevice + ?Sized>(
    dev: &mut D,
    partition: Option<u32>,
) -> Result<Window, DiskError> {
    match partition {
        None => Ok(Window::whole(dev)),
        Some(number) => PartitionTable::read(dev)?.window(number, dev.size()),
    }
}
