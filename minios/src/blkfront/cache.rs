//! Synchronous disk access with a shared sector cache: [`SyncDisk`] is cheap to clone (an
//! `Arc` inside), so several filesystems and the menu reader can read one disk and share
//! what was read.
//!
//! The cache holds blocks of [`BLOCK`] bytes, least recently used out first. Reads of at
//! least [`BYPASS`] bytes (a kernel, an initrd) go straight to the disk and leave the cache
//! alone; a write invalidates the blocks it touches (also those a read in progress is about
//! to insert: a generation count keeps stale data out).

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use super::BlkError;

/// Bytes of one cache block (at least a sector).
pub const BLOCK: usize = 4096;
/// Reads this large or larger bypass the cache.
pub const BYPASS: usize = 64 * 1024;
/// Blocks a cache holds by default (2 MiB).
pub const DEFAULT_BLOCKS: usize = 512;

/// Synchronous sector I/O: what the cache sits on (the guest's blkfront, blocking).
pub trait SectorIo {
    /// Bytes per logical sector (a power of two).
    fn sector_size(&self) -> u32;
    /// The disk's size in logical sectors.
    fn sectors(&self) -> u64;
    /// Reads whole sectors at `lba`.
    fn read(&self, lba: u64, buf: &mut [u8]) -> Result<(), BlkError>;
    /// Writes whole sectors at `lba`.
    fn write(&self, lba: u64, data: &[u8]) -> Result<(), BlkError>;
    /// Makes completed writes durable.
    fn flush(&self) -> Result<(), BlkError>;
}

/// Counters of a cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Blocks found in the cache.
    pub hits: u64,
    /// Blocks read from the disk into the cache.
    pub misses: u64,
    /// Reads that bypassed the cache.
    pub bypassed: u64,
    /// Blocks dropped by writes.
    pub invalidated: u64,
    /// Blocks held now.
    pub blocks: usize,
}

/// Blocks of the disk by block number, with their last use.
struct SectorCache {
    blocks: BTreeMap<u64, (Vec<u8>, u64)>,
    capacity: usize,
    tick: u64,
    generation: u64,
    stats: CacheStats,
}

impl SectorCache {
    fn get(&mut self, block: u64) -> Option<&[u8]> {
        self.tick += 1;
        let tick = self.tick;
        let e = self.blocks.get_mut(&block)?;
        e.1 = tick;
        self.stats.hits += 1;
        Some(&e.0)
    }

    fn insert(&mut self, block: u64, data: Vec<u8>, generation: u64) {
        if generation != self.generation || self.capacity == 0 {
            return;
        }
        if self.blocks.len() >= self.capacity {
            if let Some(old) = self.blocks.iter().min_by_key(|(_, e)| e.1).map(|(b, _)| *b) {
                self.blocks.remove(&old);
            }
        }
        self.tick += 1;
        self.blocks.insert(block, (data, self.tick));
    }

    fn invalidate(&mut self, first: u64, last: u64) {
        self.generation += 1;
        let doomed: Vec<u64> = self.blocks.range(first..=last).map(|(b, _)| *b).collect();
        self.stats.invalidated += doomed.len() as u64;
        for b in doomed {
            self.blocks.remove(&b);
        }
    }
}

struct Shared<S> {
    io: S,
    cache: spin::Mutex<SectorCache>,
}

/// A disk read and written synchronously through a shared cache. Clones share the disk and
/// the cache.
pub struct SyncDisk<S> {
    shared: Arc<Shared<S>>,
}

impl<S> Clone for SyncDisk<S> {
    fn clone(&self) -> Self {
        Self {
            shared: self.shared.clone(),
        }
    }
}

impl<S: SectorIo> SyncDisk<S> {
    /// `io` with a cache of [`DEFAULT_BLOCKS`] blocks.
    pub fn new(io: S) -> Self {
        Self::with_cache(io, DEFAULT_BLOCKS)
    }

    /// `io` with a cache of `blocks` blocks (0: no cache).
    pub fn with_cache(io: S, blocks: usize) -> Self {
        Self {
            shared: Arc::new(Shared {
                io,
                cache: spin::Mutex::new(SectorCache {
                    blocks: BTreeMap::new(),
                    capacity: blocks,
                    tick: 0,
                    generation: 0,
                    stats: CacheStats::default(),
                }),
            }),
        }
    }

    /// The disk underneath.
    pub fn io(&self) -> &S {
        &self.shared.io
    }

    /// Bytes per logical sector.
    pub fn sector_size(&self) -> u32 {
        self.shared.io.sector_size()
    }

    /// The disk's size in bytes.
    pub fn size(&self) -> u64 {
        self.shared.io.sectors() * u64::from(self.sector_size())
    }

    /// Counters of the shared cache.
    pub fn cache_stats(&self) -> CacheStats {
        let c = self.shared.cache.lock();
        CacheStats {
            blocks: c.blocks.len(),
            ..c.stats
        }
    }

    /// Bytes per cache block: [`BLOCK`], or the sector if larger.
    fn block_bytes(&self) -> u64 {
        (BLOCK as u64).max(u64::from(self.sector_size()))
    }

    /// Reads whole sectors at `lba`.
    pub fn read_sectors(&self, lba: u64, buf: &mut [u8]) -> Result<(), BlkError> {
        let ss = u64::from(self.sector_size());
        if buf.len() >= BYPASS {
            self.shared.cache.lock().stats.bypassed += 1;
            return self.shared.io.read(lba, buf);
        }
        if !(buf.len() as u64).is_multiple_of(ss) {
            return Err(BlkError::Misaligned {
                sector_size: self.sector_size(),
            });
        }
        let bb = self.block_bytes();
        let size = self.size();
        let mut pos = lba.checked_mul(ss).ok_or(BlkError::OutOfRange {
            sector: lba,
            count: buf.len() as u64 / ss,
            sectors: self.shared.io.sectors(),
        })?;
        let end = pos + buf.len() as u64;
        if end > size {
            return Err(BlkError::OutOfRange {
                sector: lba,
                count: buf.len() as u64 / ss,
                sectors: self.shared.io.sectors(),
            });
        }
        let mut at = 0;
        while pos < end {
            let block = pos / bb;
            let skip = (pos % bb) as usize;
            let n = ((bb - pos % bb).min(end - pos)) as usize;
            let out = &mut buf[at..at + n];
            let hit = {
                let mut c = self.shared.cache.lock();
                c.get(block)
                    .map(|data| out.copy_from_slice(&data[skip..skip + n]))
            };
            if hit.is_none() {
                let generation = self.shared.cache.lock().generation;
                let start = block * bb;
                let len = bb.min(size - start) as usize;
                let mut data = vec![0; len];
                self.shared.io.read(start / ss, &mut data)?;
                out.copy_from_slice(&data[skip..skip + n]);
                let mut c = self.shared.cache.lock();
                c.stats.misses += 1;
                c.insert(block, data, generation);
            }
            pos += n as u64;
            at += n;
        }
        Ok(())
    }

    /// Reads `buf.len()` bytes at byte `offset` (no alignment needed).
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), BlkError> {
        let ss = u64::from(self.sector_size());
        let first = offset / ss;
        let last = (offset + buf.len() as u64).div_ceil(ss);
        if offset.is_multiple_of(ss) && (buf.len() as u64).is_multiple_of(ss) {
            return self.read_sectors(first, buf);
        }
        let mut tmp = vec![0; ((last - first) * ss) as usize];
        self.read_sectors(first, &mut tmp)?;
        let skip = (offset - first * ss) as usize;
        buf.copy_from_slice(&tmp[skip..skip + buf.len()]);
        Ok(())
    }

    /// Writes whole sectors at `lba`; the cached blocks they touch are dropped.
    pub fn write_sectors(&self, lba: u64, data: &[u8]) -> Result<(), BlkError> {
        let ss = u64::from(self.sector_size());
        let bb = self.block_bytes();
        let r = self.shared.io.write(lba, data);
        if !data.is_empty() {
            let first = lba.saturating_mul(ss) / bb;
            let last = (lba.saturating_mul(ss) + data.len() as u64 - 1) / bb;
            self.shared.cache.lock().invalidate(first, last);
        }
        r
    }

    /// Makes completed writes durable.
    pub fn flush(&self) -> Result<(), BlkError> {
        self.shared.io.flush()
    }
}
