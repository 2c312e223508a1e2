//! The `BlockDevice` contract as blkfront will meet it: a device that can only read whole
//! sectors still serves byte-granular reads, partitions and every filesystem; windows are
//! bounds-checked.

mod disk_fixtures;

use disk_fixtures::{dir, image, Rng};
use pvgrub::disk::{locate, BlockDevice, IoError, MemDisk, Partition, Window};
use pvgrub::fs::{FileSystem, Filesystem, FsError, FsKind};

/// A disk that implements only whole-sector reads (like a blkif ring), counting requests.
struct SectorOnly {
    disk: MemDisk,
    requests: usize,
}

impl BlockDevice for SectorOnly {
    fn sector_size(&self) -> u32 {
        self.disk.sector_size()
    }
    fn size(&self) -> u64 {
        self.disk.size()
    }
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), IoError> {
        assert_eq!(
            buf.len() % self.sector_size() as usize,
            0,
            "partial sector request"
        );
        self.requests += 1;
        self.disk.read_sectors(lba, buf)
    }
}

fn sector_only(name: &str, sector_size: u32) -> SectorOnly {
    SectorOnly {
        disk: MemDisk::with_sector_size(image(name), sector_size).unwrap(),
        requests: 0,
    }
}

#[test]
fn unaligned_reads_through_whole_sectors() {
    let data = image("mbr.img");
    for sector_size in [512, 4096] {
        let mut dev = sector_only("mbr.img", sector_size);
        let mut rng = Rng(u64::from(sector_size));
        for _ in 0..2000 {
            let offset = rng.below(data.len());
            let len = rng.below(3 * sector_size as usize).min(data.len() - offset);
            let mut buf = vec![0u8; len];
            dev.read_at(offset as u64, &mut buf).unwrap();
            assert!(buf == data[offset..offset + len], "{offset}+{len}");
        }
        let end = data.len() as u64;
        let mut buf = [0u8; 2];
        assert_eq!(
            dev.read_at(end - 1, &mut buf),
            Err(IoError::OutOfRange {
                offset: end - 1,
                len: 2
            })
        );
        assert_eq!(
            dev.read_at(u64::MAX, &mut buf),
            Err(IoError::OutOfRange {
                offset: u64::MAX,
                len: 2
            })
        );
    }
}

#[test]
fn filesystems_over_a_sector_only_device() {
    let tree = dir().join("tree");
    let kernel = std::fs::read(tree.join("boot/vmlinuz-test")).unwrap();
    for (name, kind) in [
        ("ext4.img", FsKind::Ext),
        ("ext2-1k.img", FsKind::Ext),
        ("fat16.img", FsKind::Fat),
        ("iso-rr-joliet.img", FsKind::Iso9660),
    ] {
        let mut fs = Filesystem::open(sector_only(name, 512)).unwrap();
        assert_eq!(fs.kind(), kind);
        assert_eq!(
            fs.read_file(b"/boot/vmlinuz-test", 4 << 20).unwrap(),
            kernel,
            "{name}"
        );
    }
    // Contiguous files are read in few requests (FAT: adjacent clusters are merged).
    let mut dev = sector_only("fat16.img", 512);
    let mut fs = pvgrub::fs::FatFs::open(&mut dev).unwrap();
    fs.read_file(b"/boot/vmlinuz-test", 4 << 20).unwrap();
    drop(fs);
    assert!(dev.requests < 64, "{} requests", dev.requests);
}

#[test]
fn partitions_are_bounds_checked() {
    let mut disk = MemDisk::new(image("mbr.img"));
    let size = disk.size();
    let w = locate(&mut disk, Some(1)).unwrap();
    assert_eq!(
        Partition::new(
            &mut disk,
            Window {
                start: size - 512,
                len: 1024
            }
        )
        .err(),
        Some(IoError::OutOfRange {
            offset: size - 512,
            len: 1024
        })
    );
    assert_eq!(
        Partition::new(
            &mut disk,
            Window {
                start: 100,
                len: 1024
            }
        )
        .err(),
        Some(IoError::Misaligned)
    );
    assert!(Partition::new(
        &mut disk,
        Window {
            start: u64::MAX,
            len: 2
        }
    )
    .is_err());
    let mut part = Partition::new(&mut disk, w).unwrap();
    assert_eq!(part.size(), w.len);
    let mut buf = [0u8; 1024];
    assert!(part.read_at(w.len - 1024, &mut buf).is_ok());
    assert_eq!(
        part.read_at(w.len - 1023, &mut buf),
        Err(IoError::OutOfRange {
            offset: w.len - 1023,
            len: 1024
        })
    );
    assert!(part.read_sectors(w.len / 512, &mut buf[..512]).is_err());
    assert_eq!(
        part.read_sectors(0, &mut buf[..100]),
        Err(IoError::Misaligned)
    );
    assert_eq!(part.window(), w);
}

#[test]
fn unrecognised_devices() {
    let zeros = MemDisk::new(vec![0u8; 1 << 20]);
    assert!(matches!(
        Filesystem::open(zeros),
        Err(FsError::Unrecognised)
    ));
    let tiny = MemDisk::new(vec![0u8; 10]);
    assert!(matches!(Filesystem::open(tiny), Err(FsError::Unrecognised)));
}
