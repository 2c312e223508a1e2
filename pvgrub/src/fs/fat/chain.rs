//! Reading the file allocation table and walking cluster chains, with cycle detection.

use super::bpb::{FatKind, Geometry};
use super::FatError;
use crate::disk::BlockDevice;
use crate::fs::FsError;
use alloc::vec::Vec;

/// Bytes of the FAT cached at once.
const CACHE_LEN: u64 = 4096;

/// The FAT of one filesystem, read through a small cache.
#[derive(Debug)]
pub(crate) struct Table {
    cached_at: Option<u64>,
    cache: Vec<u8>,
}

impl Table {
    pub(crate) fn new() -> Self {
        Self {
            cached_at: None,
            cache: Vec::new(),
        }
    }

    /// The byte at `offset` within the FAT.
    fn byte<D: BlockDevice>(
        &mut self,
        dev: &mut D,
        geo: &Geometry,
        offset: u64,
    ) -> Result<u8, FsError> {
        let block = offset - offset % CACHE_LEN;
        if self.cached_at != Some(block) {
            let len = CACHE_LEN.min(geo.fat_len.saturating_sub(block));
            self.cache
                .resize(usize::try_from(len).map_err(|_| FatError::BadGeometry)?, 0);
            self.cached_at = None;
            dev.read_at(geo.fat_offset + block, &mut self.cache)?;
            self.cached_at = Some(block);
        }
        let at = usize::try_from(offset - block).map_err(|_| FatError::BadGeometry)?;
        Ok(*self.cache.get(at).ok_or(FatError::BadGeometry)?)
    }

    /// The raw FAT entry of cluster `c`.
    fn entry<D: BlockDevice>(
        &mut self,
        dev: &mut D,
        geo: &Geometry,
        c: u32,
    ) -> Result<u32, FsError> {
        let c64 = u64::from(c);
        let (offset, width) = match geo.kind {
            FatKind::Fat12 => (c64 + c64 / 2, 2),
            FatKind::Fat16 => (c64 * 2, 2),
            FatKind::Fat32 => (c64 * 4, 4),
        };
        let mut raw = [0u8; 4];
        for (i, b) in (0u64..).zip(raw.iter_mut().take(width)) {
            *b = self.byte(dev, geo, offset + i)?;
        }
        let v = u32::from_le_bytes(raw);
        Ok(match geo.kind {
            FatKind::Fat12 if c & 1 == 1 => (v >> 4) & 0xfff,
            FatKind::Fat12 => v & 0xfff,
            FatKind::Fat16 => v & 0xffff,
            FatKind::Fat32 => v & 0x0fff_ffff,
        })
    }

    /// The cluster after `c` in its chain, or `None` at the end of the chain.
    pub(crate) fn next<D: BlockDevice>(
        &mut self,
        dev: &mut D,
        geo: &Geometry,
        c: u32,
    ) -> Result<Option<u32>, FsError> {
        let v = self.entry(dev, geo, c)?;
        let end = match geo.kind {
            FatKind::Fat12 => 0xff8,
            FatKind::Fat16 => 0xfff8,
            FatKind::Fat32 => 0x0fff_fff8,
        };
        if v >= end {
            Ok(None)
        } else if v == end - 1 {
            Err(FatError::BadClusterInChain(c).into())
        } else if v < 2 {
            Err(FatError::FreeClusterInChain(c).into())
        } else if !geo.is_valid_cluster(v) {
            Err(FatError::ClusterOutOfRange(v).into())
        } else {
            Ok(Some(v))
        }
    }
}

/// Brent's cycle detection over a chain: remembers one cluster and the distance to it,
/// doubling the distance whenever it is reached, so a loop is found within a few laps.
#[derive(Debug)]
pub(crate) struct LoopGuard {
    mark: u32,
    power: u32,
    since: u32,
}

impl LoopGuard {
    pub(crate) fn new(first: u32) -> Self {
        Self {
            mark: first,
            power: 1,
            since: 0,
        }
    }

    /// Records the step to cluster `c`; fails if the chain has come back to the mark.
    pub(crate) fn step(&mut self, c: u32) -> Result<(), FatError> {
        if c == self.mark {
            return Err(FatError::ChainLoop);
        }
        self.since += 1;
        if self.since == self.power {
            self.mark = c;
            self.power = self.power.saturating_mul(2);
            self.since = 0;
        }
        Ok(())
    }
}
