//! GUID partition tables: primary header at LBA 1, backup header at the last LBA.

use super::device::BlockDevice;
use super::table::{DiskError, PartitionEntry, PartitionKind};
use alloc::vec;
use alloc::vec::Vec;
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
    /// The entry size is below 128 or not a multiple of 8.
    BadEntrySize,
    /// The entry array is larger than [`MAX_ENTRY_ARRAY`] bytes.
    TooManyEntries,
    /// The entry array's CRC32 does not match the header.
    BadEntriesCrc,
    /// An entry ends before it starts.
    BadEntryRange(u32),
}

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
        return Err(GptError::BadEntrySize.into());
    }
    let count = header.number_of_partition_entries.to_u32();
    let array_len = entry_size
        .checked_mul(count)
        .filter(|&n| n <= MAX_ENTRY_ARRAY)
        .ok_or(GptError::TooManyEntries)?;
    let array_len = usize::try_from(array_len).map_err(|_| GptError::TooManyEntries)?;
    let mut array = vec![0u8; array_len];
    let array_lba = header.partition_entry_lba.to_u64();
    let offset = array_lba.checked_mul(ss).ok_or(DiskError::OutsideDisk(0))?;
    dev.read_at(offset, &mut array)?;
    if crc32(&[&array]) != header.partition_entry_array_crc32.0.to_u32() {
        return Err(GptError::BadEntriesCrc.into());
    }
    let entry_size = usize::try_from(entry_size).map_err(|_| GptError::BadEntrySize)?;
    let mut out = Vec::new();
    for (number, chunk) in (0u32..).zip(array.chunks_exact(entry_size)) {
        let raw = chunk.get(..ENTRY_LEN).ok_or(GptError::BadEntrySize)?;
        let e: GptPartitionEntry =
            bytemuck::try_pod_read_unaligned(raw).map_err(|_| GptError::BadEntrySize)?;
        if !e.is_used() {
            continue;
        }
        let first = e.starting_lba.to_u64();
        let last = e.ending_lba.to_u64();
        let sectors = last
            .checked_sub(first)
            .and_then(|n| n.checked_add(1))
            .ok_or(GptError::BadEntryRange(number))?;
        let start = first
            .checked_mul(ss)
            .ok_or(DiskError::OutsideDisk(number))?;
        let len = sectors
            .checked_mul(ss)
            .ok_or(DiskError::OutsideDisk(number))?;
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
        match read_at_lba(dev, sectors - 1) {
            Ok(entries) => {
                log::warn!("primary GPT header is bad ({primary:?}); using the backup");
                return Ok(entries);
            }
            Err(backup) => log::warn!("backup GPT header is bad too ({backup:?})"),
        }
    }
    Err(primary)
}
