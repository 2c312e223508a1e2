//! GUID partition tables: primary header at LBA 1, backup header at the last LBA.

use super::device::BlockDevice;
use super::table::{DiskError, PartitionEntry, PartitionKind};
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;
use gpt_disk_types::{crc::Crc, Crc32, GptHeader, GptPartitionEntry};

/// Largest partition entry array read, in bytes (the usual array is 16 KiB).
pub const MAX_ENTRY_ARRAY: u32 = 1 << 20;

/// Bytes of [`GptHeader`] that are parsed.
const HEADER_LEN: usize = 92;

/// Bytes of [`GptPartitionEntry`] that are parsed.
const ENTRY_LEN: usize = 128;

/// Why a GPT header or its partition entry array was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GptError {
    /// The header does not start with "EFI PART".
    BadSignature,
    /// The header size is below 92 bytes or above the sector size.
    BadHeaderSize,
    /// The header's CRC32 does not match its contents.
    BadHeaderCrc,
    /// The header does not name the LBA it was read from.
    BadMyLba,
    /// The entry size (the value) is below 128 or not a multiple of 8.
    BadEntrySize(u32),
    /// The entry array is larger than [`MAX_ENTRY_ARRAY`] bytes.
    TooManyEntries {
        /// Number of entries the header gives.
        count: u32,
        /// Size of each entry in bytes.
        entry_size: u32,
    },
    /// The entry array (at this LBA) does not lie within the disk.
    EntryArrayOutsideDisk(u64),
    /// The entry array's CRC32 does not match the header.
    BadEntriesCrc,
    /// The entry of this partition number ends before it starts, or its LBAs overflow.
    BadEntryRange(u32),
}

impl fmt::Display for GptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::BadSignature => f.write_str("no \"EFI PART\" signature"),
            Self::BadHeaderSize => write!(
                f,
                "header size is below {HEADER_LEN} bytes or larger than a sector"
            ),
            Self::BadHeaderCrc => f.write_str("header CRC32 does not match its contents"),
            Self::BadMyLba => f.write_str("header does not name the LBA it was read from"),
            Self::BadEntrySize(size) => write!(
                f,
                "partition entry size {size} is below {ENTRY_LEN} or not a multiple of 8"
            ),
            Self::TooManyEntries { count, entry_size } => write!(
                f,
                "partition entry array of {count} entries of {entry_size} bytes is larger \
                 than {MAX_ENTRY_ARRAY} bytes"
            ),
            Self::EntryArrayOutsideDisk(lba) => {
                write!(
                    f,
                    "partition entry array at LBA {lba} lies outside the disk"
                )
            }
            Self::BadEntriesCrc => {
                f.write_str("partition entry array CRC32 does not match the header")
            }
            Self::BadEntryRange(number) => write!(
                f,
                "partition {number} (GPT entry {}) ends before it starts or lies beyond any disk",
                u64::from(number) + 1
            ),
        }
    }
}

impl core::error::Error for GptError {}

fn crc32(parts: &[&[u8]]) -> u32 {
    let crc = Crc::<u32>::new(&Crc32::ALGORITHM);
    let mut digest = crc.digest();
    for part in parts {
        digest.update(part);
    }
    digest.finalize()
}

/// Reads and checks the header at `lba` and its entry array.
fn read_at_lba<D: BlockDevice + ?Sized>(
    dev: &mut D,
    lba: u64,
) -> Result<Vec<PartitionEntry>, DiskError> {
    let ss = u64::from(dev.sector_size());
    let ss_len = usize::try_from(ss).map_err(|_| GptError::BadHeaderSize)?;
    let mut sector = vec![0u8; ss_len];
    dev.read_sectors(lba, &mut sector)?;
    let raw = sector.get(..HEADER_LEN).ok_or(GptError::BadHeaderSize)?;
    let header: GptHeader =
        bytemuck::try_pod_read_unaligned(raw).map_err(|_| GptError::BadHeaderSize)?;
    if !header.is_signature_valid() {
        return Err(GptError::BadSignature.into());
    }
    let header_size = usize::try_from(header.header_size.to_u32()).unwrap_or(usize::MAX);
    if header_size < HEADER_LEN || header_size > ss_len {
        return Err(GptError::BadHeaderSize.into());
    }
    let covered = sector.get(..header_size).ok_or(GptError::BadHeaderSize)?;
    let (before, rest) = covered.split_at(16);
    let after = rest.get(4..).ok_or(GptError::BadHeaderSize)?;
    if crc32(&[before, &[0; 4], after]) != header.header_crc32.0.to_u32() {
        return Err(GptError::BadHeaderCrc.into());
    }
    if header.my_lba.to_u64() != lba {
        return Err(GptError::BadMyLba.into());
    }
    let entry_size = header.size_of_partition_entry.to_u32();
    if entry_size < 128 || !entry_size.is_multiple_of(8) {
        return Err(GptError::BadEntrySize(entry_size).into());
    }
    let count = header.number_of_partition_entries.to_u32();
    let too_many = GptError::TooManyEntries { count, entry_size };
    let array_len = entry_size
        .checked_mul(count)
        .filter(|&n| n <= MAX_ENTRY_ARRAY)
        .ok_or(too_many)?;
    let array_len = usize::try_from(array_len).map_err(|_| too_many)?;
    let mut array = vec![0u8; array_len];
    let array_lba = header.partition_entry_lba.to_u64();
    let outside = GptError::EntryArrayOutsideDisk(array_lba);
    let offset = array_lba.checked_mul(ss).ok_or(outside)?;
    if offset
        .checked_add(array_len as u64)
        .is_none_or(|end| end > dev.size())
    {
        return Err(outside.into());
    }
    dev.read_at(offset, &mut array)?;
    if crc32(&[&array]) != header.partition_entry_array_crc32.0.to_u32() {
        return Err(GptError::BadEntriesCrc.into());
    }
    let bad_size = GptError::BadEntrySize(entry_size);
    let entry_size = usize::try_from(entry_size).map_err(|_| bad_size)?;
    let mut out = Vec::new();
    for (number, chunk) in (0u32..).zip(array.chunks_exact(entry_size)) {
        let raw = chunk.get(..ENTRY_LEN).ok_or(bad_size)?;
        let e: GptPartitionEntry = bytemuck::try_pod_read_unaligned(raw).map_err(|_| bad_size)?;
        if !e.is_used() {
            continue;
        }
        let first = e.starting_lba.to_u64();
        let last = e.ending_lba.to_u64();
        let bad_range = GptError::BadEntryRange(number);
        let sectors = last
            .checked_sub(first)
            .and_then(|n| n.checked_add(1))
            .ok_or(bad_range)?;
        let start = first.checked_mul(ss).ok_or(bad_range)?;
        let len = sectors.checked_mul(ss).ok_or(bad_range)?;
        out.push(PartitionEntry {
            number,
            start,
            len,
            kind: PartitionKind::Gpt {
                type_guid: e.partition_type_guid.0,
            },
        });
    }
    Ok(out)
}

/// Reads the GPT of `dev`: the primary header, or the backup in the last sector if the primary
/// fails its checks. Partition numbers are entry indices (GPT entry 1 is number 0).
pub(crate) fn read<D: BlockDevice + ?Sized>(dev: &mut D) -> Result<Vec<PartitionEntry>, DiskError> {
    let primary = match read_at_lba(dev, 1) {
        Ok(entries) => return Ok(entries),
        Err(e) => e,
    };
    let sectors = dev
        .size()
        .checked_div(u64::from(dev.sector_size()))
        .unwrap_or(0);
    if sectors > 2 {
        let last = sectors - 1;
        match read_at_lba(dev, last) {
            Ok(entries) => {
                log::warn!(
                    "GPT: primary header (sector 1): {}; using the backup header (sector {last})",
                    cause(&primary)
                );
                return Ok(entries);
            }
            Err(backup) => log::warn!("GPT: backup header (sector {last}): {}", cause(&backup)),
        }
    }
    Err(primary)
}

/// Why a header was rejected, for a warning: the GPT check that failed (not
/// [`DiskError::Gpt`]'s text, which speaks of both headers), or the read error.
fn cause(e: &DiskError) -> &dyn fmt::Display {
    match e {
        DiskError::Gpt(gpt) => gpt,
        other => other,
    }
}
