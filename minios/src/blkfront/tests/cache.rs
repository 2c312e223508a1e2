//! The sector cache of SyncDisk: hits, bypass, invalidation on write, sharing between clones.

use std::sync::{Arc, Mutex};

use super::fake::pattern;
use crate::blkfront::cache::{SectorIo, SyncDisk, BYPASS};
use crate::blkfront::BlkError;

/// A disk in memory that counts its reads.
#[derive(Clone)]
struct MemDisk {
    data: Arc<Mutex<Vec<u8>>>,
    ss: u32,
    reads: Arc<Mutex<Vec<(u64, usize)>>>,
}

impl SectorIo for MemDisk {
    fn sector_size(&self) -> u32 {
        self.ss
    }
    fn sectors(&self) -> u64 {
        self.data.lock().unwrap().len() as u64 / u64::from(self.ss)
    }
    fn read(&self, lba: u64, buf: &mut [u8]) -> Result<(), BlkError> {
        self.reads.lock().unwrap().push((lba, buf.len()));
        let at = lba as usize * self.ss as usize;
        buf.copy_from_slice(&self.data.lock().unwrap()[at..at + buf.len()]);
        Ok(())
    }
    fn write(&self, lba: u64, data: &[u8]) -> Result<(), BlkError> {
        let at = lba as usize * self.ss as usize;
        self.data.lock().unwrap()[at..at + data.len()].copy_from_slice(data);
        Ok(())
    }
    fn flush(&self) -> Result<(), BlkError> {
        Ok(())
    }
}

fn disk(ss: u32, len: usize) -> (SyncDisk<MemDisk>, MemDisk) {
    let m = MemDisk {
        data: Arc::new(Mutex::new(pattern(0, len))),
        ss,
        reads: Arc::default(),
    };
    (SyncDisk::with_cache(m.clone(), 4), m)
}

#[test]
fn repeated_small_reads_hit_the_cache() {
    let (d, m) = disk(512, 1 << 20);
    let mut a = [0u8; 1024];
    d.read_sectors(3, &mut a).unwrap();
    assert_eq!(a[..], pattern(0, 1 << 20)[1536..2560]);
    d.read_sectors(4, &mut [0; 512]).unwrap();
    d.read_at(1600, &mut [0; 100]).unwrap();
    assert_eq!(
        m.reads.lock().unwrap().as_slice(),
        [(0, 4096)],
        "one block read"
    );
    let s = d.cache_stats();
    assert_eq!((s.misses, s.hits, s.blocks), (1, 2, 1));
}

#[test]
fn byte_reads_cross_blocks_and_large_reads_bypass() {
    let (d, m) = disk(512, 1 << 20);
    let mut b = vec![0; 5000];
    d.read_at(4000, &mut b).unwrap();
    assert_eq!(b[..], pattern(0, 1 << 20)[4000..9000]);
    assert_eq!(m.reads.lock().unwrap().len(), 3, "three blocks");
    let mut big = vec![0; BYPASS];
    d.read_sectors(128, &mut big).unwrap();
    assert_eq!(d.cache_stats().bypassed, 1);
    assert_eq!(
        d.cache_stats().blocks,
        3,
        "the large read left the cache alone"
    );
}

#[test]
fn the_least_recently_used_block_goes_first() {
    let (d, m) = disk(512, 1 << 20);
    for block in [0u64, 1, 2, 3, 0, 4] {
        d.read_sectors(block * 8, &mut [0; 512]).unwrap();
    }
    m.reads.lock().unwrap().clear();
    d.read_sectors(0, &mut [0; 512]).unwrap();
    assert!(
        m.reads.lock().unwrap().is_empty(),
        "block 0 was used recently: kept"
    );
    d.read_sectors(8, &mut [0; 512]).unwrap();
    assert_eq!(
        m.reads.lock().unwrap().len(),
        1,
        "block 1 was the oldest: evicted"
    );
}

#[test]
fn writes_invalidate_and_clones_share_the_cache() {
    let (d, _m) = disk(512, 1 << 20);
    let other = d.clone();
    let mut a = [0u8; 512];
    d.read_sectors(10, &mut a).unwrap();
    other.read_sectors(10, &mut a).unwrap();
    assert_eq!(
        d.cache_stats().hits,
        1,
        "the clone hit what the first read cached"
    );
    other.write_sectors(10, &[0xab; 512]).unwrap();
    assert_eq!(d.cache_stats().invalidated, 1);
    d.read_sectors(10, &mut a).unwrap();
    assert_eq!(a, [0xab; 512], "the write is seen through the other clone");
}

#[test]
fn large_sectors_and_the_disk_end() {
    let (d, _m) = disk(4096, 40960);
    assert_eq!(d.size(), 40960);
    let mut b = [0u8; 4096];
    d.read_sectors(9, &mut b).unwrap();
    assert_eq!(b[..], pattern(0, 40960)[36864..]);
    assert!(matches!(
        d.read_sectors(10, &mut b),
        Err(BlkError::OutOfRange { .. })
    ));
    assert!(matches!(
        d.read_sectors(0, &mut [0; 512]),
        Err(BlkError::Misaligned { sector_size: 4096 })
    ));
    let mut odd = [0u8; 10];
    d.read_at(40950, &mut odd).unwrap();
    assert_eq!(odd[..], pattern(0, 40960)[40950..]);
}
