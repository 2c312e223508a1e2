//! Partition tables made by sfdisk, sgdisk and fdisk, read back and compared with `sfdisk -d`;
//! filesystems inside the partitions; corrupted tables give typed errors.

mod disk_fixtures;

use disk_fixtures::{image, sfdisk, Rng, SfdiskPart};
use pvgrub::disk::{
    locate, BlockDevice, DiskError, GptError, MbrError, MemDisk, Partition, PartitionKind,
    PartitionTable, TableKind,
};
use pvgrub::fs::{probe, FileSystem, Filesystem, FsKind};

/// Our table must list exactly what sfdisk lists: GRUB number = Linux number - 1.
fn assert_matches_sfdisk(table: &PartitionTable, parts: &[SfdiskPart], sector: u64) {
    assert_eq!(table.entries().len(), parts.len(), "{table:?} vs {parts:?}");
    for (ours, theirs) in table.entries().iter().zip(parts) {
        assert_eq!(ours.number, theirs.linux_number - 1);
        assert_eq!(ours.start, theirs.start * sector);
        assert_eq!(ours.len, theirs.size * sector);
        match ours.kind {
            PartitionKind::Mbr { type_byte, .. } => {
                assert_eq!(format!("{type_byte:x}"), theirs.kind);
            }
            PartitionKind::MbrExtended => assert_eq!(theirs.kind, "5"),
            PartitionKind::Gpt { type_guid } => {
                assert_eq!(type_guid.to_string().to_uppercase(), theirs.kind);
            }
        }
    }
}

fn menu_lst() -> Vec<u8> {
    std::fs::read(disk_fixtures::dir().join("small/boot/grub/menu.lst")).unwrap()
}

/// Opens partition `number` of `data` and checks the filesystem kind and the files in it.
fn check_partition(data: &[u8], sector_size: u32, number: u32, kind: FsKind) {
    let mut disk = MemDisk::with_sector_size(data.to_vec(), sector_size).unwrap();
    let window = locate(&mut disk, Some(number)).unwrap();
    let mut part = Partition::new(disk, window).unwrap();
    assert_eq!(probe(&mut part).unwrap(), Some(kind), "partition {number}");
    let mut fs = Filesystem::open(part).unwrap();
    assert_eq!(fs.kind(), kind);
    assert_eq!(
        fs.read_file(b"/boot/grub/menu.lst", 1 << 20).unwrap(),
        menu_lst()
    );
    let kernel = std::fs::read(disk_fixtures::dir().join("small/boot/vmlinuz-test")).unwrap();
    assert_eq!(
        fs.read_file(b"/boot/vmlinuz-test", 8 << 20).unwrap(),
        kernel
    );
}

#[test]
fn mbr_with_logical_partitions_matches_sfdisk() {
    let data = image("mbr.img");
    let (label, parts) = sfdisk("mbr.img");
    assert_eq!(label, "dos");
    let mut disk = MemDisk::new(&data[..]);
    let table = PartitionTable::read(&mut disk).unwrap();
    assert_eq!(table.kind(), TableKind::Mbr);
    assert_matches_sfdisk(&table, &parts, 512);
    for p in &parts {
        let number = p.linux_number - 1;
        let got = locate(&mut disk, Some(number));
        if p.kind == "5" {
            assert_eq!(got, Err(DiskError::ExtendedPartition(number)));
        } else {
            let w = got.unwrap();
            assert_eq!((w.start, w.len), (p.start * 512, p.size * 512));
        }
    }
    // Slot 4 is empty; there are three logical partitions (4, 5, 6).
    assert_eq!(
        locate(&mut disk, Some(3)),
        Err(DiskError::NoSuchPartition(3))
    );
    assert_eq!(
        locate(&mut disk, Some(7)),
        Err(DiskError::NoSuchPartition(7))
    );
    let whole = locate(&mut disk, None).unwrap();
    assert_eq!((whole.start, whole.len), (0, data.len() as u64));

    check_partition(&data, 512, 0, FsKind::Fat);
    check_partition(&data, 512, 1, FsKind::Ext);
    check_partition(&data, 512, 4, FsKind::Ext);
    check_partition(&data, 512, 5, FsKind::Iso9660);
    check_partition(&data, 512, 6, FsKind::Fat);
}

#[test]
fn gpt_matches_sfdisk() {
    let data = image("gpt.img");
    let (label, parts) = sfdisk("gpt.img");
    assert_eq!(label, "gpt");
    let mut disk = MemDisk::new(&data[..]);
    let table = PartitionTable::read(&mut disk).unwrap();
    assert_eq!(table.kind(), TableKind::Gpt);
    assert_matches_sfdisk(&table, &parts, 512);
    // Entry 4 is unused: (hd0,3) does not exist, (hd0,4) is entry 5.
    assert_eq!(
        locate(&mut disk, Some(3)),
        Err(DiskError::NoSuchPartition(3))
    );
    check_partition(&data, 512, 0, FsKind::Fat);
    check_partition(&data, 512, 1, FsKind::Ext);
    check_partition(&data, 512, 2, FsKind::Iso9660);
    check_partition(&data, 512, 4, FsKind::Fat);
}

#[test]
fn mbr_with_4k_sectors() {
    let data = image("mbr-4k.img");
    let (_, parts) = sfdisk("mbr-4k.img");
    let mut disk = MemDisk::with_sector_size(&data[..], 4096).unwrap();
    let table = PartitionTable::read(&mut disk).unwrap();
    assert_eq!(table.kind(), TableKind::Mbr);
    // sfdisk read the file as 512-byte sectors, so its numbers are the raw 4 KiB LBAs.
    assert_matches_sfdisk(&table, &parts, 4096);
    check_partition(&data, 4096, 0, FsKind::Ext);
    check_partition(&data, 4096, 1, FsKind::Fat);
}

#[test]
fn whole_disk_filesystems_have_no_table() {
    for (name, kind) in [
        ("ext4.img", FsKind::Ext),
        ("ext2-1k.img", FsKind::Ext),
        ("fat12.img", FsKind::Fat),
        ("fat16.img", FsKind::Fat),
        ("fat32.img", FsKind::Fat),
        ("iso-rr-joliet.img", FsKind::Iso9660),
        ("iso-plain.img", FsKind::Iso9660),
    ] {
        let data = image(name);
        let (label, parts) = sfdisk(name);
        // sfdisk reports FAT boot sectors (0x55AA, four empty slots) as an empty "dos" label.
        assert!(parts.is_empty(), "sfdisk found partitions in {name}");
        assert!(label.is_empty() || label == "dos", "{name}: {label}");
        let mut disk = MemDisk::new(&data[..]);
        let table = PartitionTable::read(&mut disk).unwrap();
        assert_eq!(table.kind(), TableKind::None, "{name}");
        assert!(table.entries().is_empty());
        assert_eq!(locate(&mut disk, Some(0)), Err(DiskError::NoPartitionTable));
        let whole = locate(&mut disk, None).unwrap();
        let mut part = Partition::new(&mut disk, whole).unwrap();
        assert_eq!(probe(&mut part).unwrap(), Some(kind), "{name}");
    }
}

/// Byte offset of the EBR of logical partition `linux_number` (EBR k is `start - 2048` here).
fn ebr_offset(parts: &[SfdiskPart], linux_number: u32) -> usize {
    let p = parts
        .iter()
        .find(|p| p.linux_number == linux_number)
        .unwrap();
    // sfdisk puts each EBR in the first sector of the space before its logical partition; the
    // first EBR is the first sector of the extended partition.
    let ext = parts.iter().find(|p| p.kind == "5").unwrap();
    let lba = if linux_number == 5 {
        ext.start
    } else {
        p.start - 2048
    };
    lba as usize * 512
}

#[test]
fn extended_partition_loops_are_detected() {
    let data = image("mbr.img");
    let (_, parts) = sfdisk("mbr.img");
    let ext_start = parts.iter().find(|p| p.kind == "5").unwrap().start;
    let ebr1 = ebr_offset(&parts, 5);
    let ebr2 = ebr_offset(&parts, 6);
    // Sanity: the second slot of EBR 1 links to EBR 2, relative to the extended partition.
    let link = u32::from_le_bytes(data[ebr1 + 446 + 16 + 8..][..4].try_into().unwrap());
    assert_eq!(u64::from(link) + ext_start, (ebr2 / 512) as u64);

    // EBR 1 links to itself; then EBR 2 links back to EBR 1.
    let mut self_loop = data.clone();
    self_loop[ebr1 + 446 + 16 + 8..][..4].copy_from_slice(&0u32.to_le_bytes());
    let mut long_loop = data.clone();
    long_loop[ebr2 + 446 + 16 + 8..][..4].copy_from_slice(&0u32.to_le_bytes());
    for bad in [self_loop, long_loop] {
        let mut disk = MemDisk::new(&bad[..]);
        // The table keeps what comes before the loop, and says why it stopped.
        let table = PartitionTable::read(&mut disk).unwrap();
        assert_eq!(table.problems(), [DiskError::Mbr(MbrError::ExtendedLoop)]);
        assert!(table.get(0).is_some() && table.get(4).is_some());
        assert_eq!(table.get(20), None);
        assert_eq!(
            locate(&mut disk, Some(20)),
            Err(DiskError::Mbr(MbrError::ExtendedLoop))
        );
        assert_eq!(
            locate(&mut disk, Some(20)).unwrap_err().to_string(),
            "MBR: the chain of extended boot records comes back to a sector it visited"
        );
        // Primary partitions do not need the chain.
        assert!(locate(&mut disk, Some(0)).is_ok());
    }
}

#[test]
fn gpt_falls_back_to_backup_and_reports_bad_crcs() {
    let data = image("gpt.img");
    let good = PartitionTable::read(&mut MemDisk::new(&data[..])).unwrap();
    let last = data.len() - 512;
    // Backup entry array: the 32 sectors before the backup header.
    let backup_array = last - 32 * 512;

    let mut bad_header = data.clone();
    bad_header[512 + 40] ^= 1; // first_usable_lba, covered by the header CRC
    assert_eq!(
        PartitionTable::read(&mut MemDisk::new(&bad_header[..])).unwrap(),
        good
    );

    let mut bad_array = data.clone();
    bad_array[1024 + 40] ^= 1; // in entry 1's name
    assert_eq!(
        PartitionTable::read(&mut MemDisk::new(&bad_array[..])).unwrap(),
        good
    );

    let mut both_headers = bad_header.clone();
    both_headers[last + 40] ^= 1;
    let err = PartitionTable::read(&mut MemDisk::new(&both_headers[..])).unwrap_err();
    assert_eq!(err, DiskError::Gpt(GptError::BadHeaderCrc));
    assert_eq!(
        err.to_string(),
        "GPT: primary header: header CRC32 does not match its contents; no valid backup header"
    );

    let mut both_arrays = bad_array.clone();
    both_arrays[backup_array + 40] ^= 1;
    assert_eq!(
        PartitionTable::read(&mut MemDisk::new(&both_arrays[..])),
        Err(DiskError::Gpt(GptError::BadEntriesCrc))
    );

    // Without its tail the backup is gone, but the primary still reads; partitions that
    // now reach past the end are refused.
    let cut = &data[..data.len() / 2];
    let mut disk = MemDisk::new(cut);
    assert_eq!(PartitionTable::read(&mut disk).unwrap(), good);
    assert_eq!(locate(&mut disk, Some(4)), Err(DiskError::OutsideDisk(4)));
    assert_eq!(
        locate(&mut disk, Some(4)).unwrap_err().to_string(),
        "partition 4 reaches past the end of the disk"
    );
    assert!(locate(&mut disk, Some(0)).is_ok());
}

#[test]
fn tiny_and_random_disks_do_not_panic() {
    assert_eq!(
        PartitionTable::read(&mut MemDisk::new(&[0u8; 100][..]))
            .unwrap()
            .kind(),
        TableKind::None
    );
    let mbr = image("mbr.img");
    let gpt = image("gpt.img");
    let mut rng = Rng(0x5eed);
    for round in 0..2000 {
        let base = if round % 2 == 0 { &mbr } else { &gpt };
        let mut data = base[..256 * 1024].to_vec();
        // Scramble bytes in the tables (sector 0-2 and the first EBR region).
        for _ in 0..1 + rng.below(8) {
            let at = rng.below(3 * 512);
            data[at] = rng.next() as u8;
        }
        let mut disk = MemDisk::new(&data[..]);
        let _ = PartitionTable::read(&mut disk);
        for n in 0..8 {
            if let Ok(w) = locate(&mut disk, Some(n)) {
                assert!(w.end().unwrap() <= disk.size());
            }
        }
    }
}
