//! The FAT boot sector's BIOS parameter block, checked once into a [`Geometry`].

use super::FatError;

/// Which FAT variant, decided (as the specification says) by the number of clusters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FatKind {
    /// 12-bit FAT entries (fewer than 4085 clusters).
    Fat12,
    /// 16-bit FAT entries (fewer than 65525 clusters).
    Fat16,
    /// 28-bit FAT entries.
    Fat32,
}

/// Where the root directory is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Root {
    /// FAT12/16: a fixed region of `len` bytes at byte `offset`.
    Fixed {
        /// Byte offset of the region.
        offset: u64,
        /// Length of the region in bytes.
        len: u64,
    },
    /// FAT32: a cluster chain starting here.
    Chain(u32),
}

/// The layout of a FAT filesystem, all in bytes, from a checked boot sector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Geometry {
    /// FAT12, FAT16 or FAT32.
    pub(crate) kind: FatKind,
    /// Bytes per cluster (at most 64 KiB).
    pub(crate) cluster_size: u32,
    /// Byte offset of the FAT in use.
    pub(crate) fat_offset: u64,
    /// Length of one FAT in bytes.
    pub(crate) fat_len: u64,
    /// The root directory.
    pub(crate) root: Root,
    /// Byte offset of cluster 2.
    pub(crate) data_offset: u64,
    /// Number of data clusters: valid cluster numbers are 2..clusters+2.
    pub(crate) clusters: u32,
}

fn le16(b: &[u8; 512], at: usize) -> u16 {
    match b.get(at..at + 2) {
        Some(&[x, y]) => u16::from_le_bytes([x, y]),
        _ => 0,
    }
}

fn le32(b: &[u8; 512], at: usize) -> u32 {
    match b.get(at..at + 4) {
        Some(&[w, x, y, z]) => u32::from_le_bytes([w, x, y, z]),
        _ => 0,
    }
}

impl Geometry {
    /// Checks the boot sector (the first 512 bytes of the filesystem).
    pub(crate) fn new_checked(b: &[u8; 512]) -> Result<Self, FatError> {
        let jump_ok = b[0] == 0xe9 || (b[0] == 0xeb && b[2] == 0x90);
        let bytes_per_sector = le16(b, 11);
        let per_cluster = b[13];
        let reserved = le16(b, 14);
        let fats = b[16];
        let root_entries = le16(b, 17);
        let media_ok = b[21] == 0xf0 || b[21] >= 0xf8;
        if !jump_ok
            || b[510..512] != [0x55, 0xaa]
            || !matches!(bytes_per_sector, 512 | 1024 | 2048 | 4096)
            || !per_cluster.is_power_of_two()
            || reserved == 0
            || fats == 0
            || !media_ok
        {
            return Err(FatError::NotFat);
        }
        let bps = u64::from(bytes_per_sector);
        let cluster_size = u32::from(bytes_per_sector) * u32::from(per_cluster);
        if cluster_size > 65536 {
            return Err(FatError::BadGeometry);
        }
        let total = match le16(b, 19) {
            0 => le32(b, 32),
            n => u32::from(n),
        };
        let fat_sectors = match le16(b, 22) {
            0 => le32(b, 36),
            n => u32::from(n),
        };
        let root_sectors = (u64::from(root_entries) * 32).div_ceil(bps);
        let fat_start = u64::from(reserved);
        let root_start = fat_start + u64::from(fats) * u64::from(fat_sectors);
        let data_start = root_start + root_sectors;
        let data_sectors = u64::from(total)
            .checked_sub(data_start)
            .filter(|_| fat_sectors > 0)
            .ok_or(FatError::BadGeometry)?;
        let clusters = data_sectors / u64::from(per_cluster);
        let kind = match clusters {
            0 => return Err(FatError::BadGeometry),
            1..4085 => FatKind::Fat12,
            4085..65525 => FatKind::Fat16,
            _ => FatKind::Fat32,
        };
        // Clusters beyond what the FAT can describe are unusable.
        let fat_len = u64::from(fat_sectors) * bps;
        let describable = match kind {
            FatKind::Fat12 => fat_len * 2 / 3,
            FatKind::Fat16 => fat_len / 2,
            FatKind::Fat32 => fat_len / 4,
        };
        let clusters = clusters.min(describable.saturating_sub(2)).min(0x0fff_fff5);
        let clusters = u32::try_from(clusters).map_err(|_| FatError::BadGeometry)?;
        if clusters == 0 {
            return Err(FatError::BadGeometry);
        }
        let (root, active_fat) = if kind == FatKind::Fat32 {
            let flags = le16(b, 40);
            if root_entries != 0 || le16(b, 42) != 0 {
                return Err(FatError::BadGeometry);
            }
            // Bit 7: only the FAT named in bits 0-3 is active.
            let active = if flags & 0x80 != 0 { flags & 0x0f } else { 0 };
            if u8::try_from(active).map_or(true, |a| a >= fats) {
                return Err(FatError::BadGeometry);
            }
            (Root::Chain(le32(b, 44)), u64::from(active))
        } else {
            if root_entries == 0 {
                return Err(FatError::BadGeometry);
            }
            let root = Root::Fixed {
                offset: root_start * bps,
                len: u64::from(root_entries) * 32,
            };
            (root, 0)
        };
        Ok(Self {
            kind,
            cluster_size,
            fat_offset: (fat_start + active_fat * u64::from(fat_sectors)) * bps,
            fat_len,
            root,
            data_offset: data_start * bps,
            clusters,
        })
    }

    /// Byte offset of the first byte of cluster `c` (a valid cluster number).
    pub(crate) fn cluster_offset(&self, c: u32) -> u64 {
        self.data_offset + u64::from(c.saturating_sub(2)) * u64::from(self.cluster_size)
    }

    /// Whether `c` names a data cluster.
    pub(crate) fn is_valid_cluster(&self, c: u32) -> bool {
        c >= 2 && c - 2 < self.clusters
    }
}
