//! MBR partition tables: four primary slots and a chain of extended boot records (EBRs).

use super::device::{BlockDevice, IoError};
use super::table::{DiskError, PartitionEntry, PartitionKind};
use alloc::vec::Vec;
use core::fmt;

/// Most logical partitions followed in an extended partition's chain.
pub const MAX_LOGICAL: usize = 128;

/// Number GRUB legacy gives the first logical partition: `(hd0,4)`.
const FIRST_LOGICAL: u32 = 4;

/// Problems in an MBR's chain of logical partitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MbrError {
    /// The chain of extended boot records comes back to a sector it has visited.
    ExtendedLoop,
    /// The chain holds more than [`MAX_LOGICAL`] logical partitions.
    TooManyLogical,
}

impl fmt::Display for MbrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ExtendedLoop => {
                f.write_str("the chain of extended boot records comes back to a sector it visited")
            }
            Self::TooManyLogical => write!(
                f,
                "more than {MAX_LOGICAL} logical partitions (those after the {MAX_LOGICAL}th \
                 are ignored)"
            ),
        }
    }
}

impl core::error::Error for MbrError {}

/// One of the four 16-byte slots of an MBR or EBR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    /// Boot indicator: 0x80 active, 0x00 inactive.
    pub(crate) status: u8,
    /// Partition type byte (0 = empty).
    pub(crate) kind: u8,
    /// First sector, relative to a base that depends on the slot.
    pub(crate) start: u32,
    /// Length in sectors.
    pub(crate) sectors: u32,
}

impl Slot {
    fn parse(b: &[u8; 16]) -> Self {
        Self {
            status: b[0],
            kind: b[4],
            start: u32::from_le_bytes([b[8], b[9], b[10], b[11]]),
            sectors: u32::from_le_bytes([b[12], b[13], b[14], b[15]]),
        }
    }

    /// Whether the slot describes a partition at all.
    pub(crate) fn is_used(&self) -> bool {
        self.kind != 0 && self.sectors != 0
    }

    /// Whether the slot is an extended partition (a container of logical partitions).
    pub(crate) fn is_extended(&self) -> bool {
        matches!(self.kind, 0x05 | 0x0f | 0x85)
    }
}

/// A sector holding a partition table (an MBR or an EBR), checked for the 0x55AA signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BootSector {
    slots: [Slot; 4],
}

impl BootSector {
    /// Size of the part of the sector that is parsed.
    pub(crate) const LEN: usize = 512;

    /// Parses the first 512 bytes of a sector; `None` without the 0x55AA signature.
    pub(crate) fn new_checked(sector: &[u8; Self::LEN]) -> Option<Self> {
        if sector[510..512] != [0x55, 0xaa] {
            return None;
        }
        let mut slots = [Slot::parse(&[0; 16]); 4];
        for (i, slot) in slots.iter_mut().enumerate() {
            let at = 446 + 16 * i;
            let mut raw = [0u8; 16];
            raw.copy_from_slice(&sector[at..at + 16]);
            *slot = Slot::parse(&raw);
        }
        Some(Self { slots })
    }

    /// Reads and parses the table sector at `lba`; `Ok(None)` without a signature.
    pub(crate) fn read<D: BlockDevice + ?Sized>(
        dev: &mut D,
        lba: u64,
    ) -> Result<Option<Self>, IoError> {
        let offset = lba
            .checked_mul(u64::from(dev.sector_size()))
            .ok_or(IoError::OutOfRange {
                offset: u64::MAX,
                len: Self::LEN as u64,
            })?;
        let mut sector = [0u8; Self::LEN];
        dev.read_at(offset, &mut sector)?;
        Ok(Self::new_checked(&sector))
    }

    /// The four slots.
    pub(crate) fn slots(&self) -> &[Slot; 4] {
        &self.slots
    }

    /// Whether this reads as a partition table: valid boot indicators and at least one used
    /// slot. A filesystem boot sector (FAT) also ends in 0x55AA but fails this.
    pub(crate) fn is_table(&self) -> bool {
        self.slots.iter().all(|s| s.status & 0x7f == 0) && self.slots.iter().any(Slot::is_used)
    }

    /// Whether a slot holds the protective 0xEE partition of a GPT disk.
    pub(crate) fn is_protective(&self) -> bool {
        self.slots.iter().any(|s| s.kind == 0xee)
    }
}

/// Byte window of `sectors` sectors at sector `base + rel`.
fn entry(
    number: u32,
    base: u64,
    slot: &Slot,
    ss: u64,
    kind: PartitionKind,
) -> Result<PartitionEntry, DiskError> {
    let first = base
        .checked_add(u64::from(slot.start))
        .and_then(|lba| lba.checked_mul(ss));
    let len = u64::from(slot.sectors).checked_mul(ss);
    match (first, len) {
        (Some(start), Some(len)) => Ok(PartitionEntry {
            number,
            start,
            len,
            kind,
        }),
        _ => Err(DiskError::OutsideDisk(number)),
    }
}

/// The primary partitions of `mbr`, numbered 0-3 by slot; a slot that cannot lie on any disk
/// is left out and reported in `problems`.
pub(crate) fn primaries(
    mbr: &BootSector,
    ss: u64,
    problems: &mut Vec<DiskError>,
) -> Vec<PartitionEntry> {
    let mut out = Vec::new();
    for (number, slot) in (0u32..).zip(mbr.slots()) {
        if !slot.is_used() {
            continue;
        }
        let kind = if slot.is_extended() {
            PartitionKind::MbrExtended
        } else {
            PartitionKind::Mbr {
                type_byte: slot.kind,
                bootable: slot.status == 0x80,
            }
        };
        match entry(number, 0, slot, ss, kind) {
            Ok(e) => out.push(e),
            Err(e) => problems.push(e),
        }
    }
    out
}

/// Follows the EBR chain of the first extended partition of `mbr` and returns its logical
/// partitions (at most [`MAX_LOGICAL`]), numbered from 4 in chain order. What ends the chain
/// early (a loop, too many links, a read error, a slot outside any disk) goes to `problems`;
/// the partitions before it are kept.
pub(crate) fn logicals<D: BlockDevice + ?Sized>(
    dev: &mut D,
    mbr: &BootSector,
    problems: &mut Vec<DiskError>,
) -> Vec<PartitionEntry> {
    let mut out = Vec::new();
    if let Err(e) = follow_chain(dev, mbr, &mut out) {
        problems.push(e);
    }
    out
}

fn follow_chain<D: BlockDevice + ?Sized>(
    dev: &mut D,
    mbr: &BootSector,
    out: &mut Vec<PartitionEntry>,
) -> Result<(), DiskError> {
    let ss = u64::from(dev.sector_size());
    let Some(ext) = mbr.slots().iter().find(|s| s.is_used() && s.is_extended()) else {
        return Ok(());
    };
    let ext_start = u64::from(ext.start);
    let mut visited: Vec<u64> = Vec::new();
    let mut next = Some(ext_start);
    while let Some(lba) = next.take() {
        if visited.contains(&lba) {
            return Err(MbrError::ExtendedLoop.into());
        }
        if visited.len() >= MAX_LOGICAL {
            return Err(MbrError::TooManyLogical.into());
        }
        visited.push(lba);
        let Some(ebr) = BootSector::read(dev, lba)? else {
            log::warn!("EBR at sector {lba} has no signature; ending the logical chain");
            break;
        };
        let mut data_seen = false;
        for slot in ebr.slots().iter().filter(|s| s.is_used()) {
            if slot.is_extended() {
                if next.is_none() {
                    next = Some(ext_start + u64::from(slot.start));
                }
            } else if !data_seen {
                data_seen = true;
                let number = FIRST_LOGICAL + u32::try_from(out.len()).unwrap_or(u32::MAX);
                let kind = PartitionKind::Mbr {
                    type_byte: slot.kind,
                    bootable: slot.status == 0x80,
                };
                out.push(entry(number, lba, slot, ss, kind)?);
            }
        }
    }
    Ok(())
}
