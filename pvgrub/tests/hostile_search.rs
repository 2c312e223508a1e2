//! The menu search on hostile disks: a bad partition does not end it, an unreadable menu is
//! reported, and a table of 8192 entries over one filesystem costs one mount, within a time
//! and memory budget.

mod budget;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::rc::Rc;
use std::time::Duration;

use pvgrub::boot::{Disks, Miss, OpenError};
use pvgrub::disk::{DiskError, MbrError, MemDisk};
use pvgrub::fs::FsError;
use pvgrub::menu::Device;

type Disk = MemDisk<Rc<[u8]>>;

const MIB: usize = 1 << 20;
const SECTOR: usize = 512;

/// An ext4 filesystem of `mib` MiB holding `files`, made by mkfs.ext4 -d.
fn ext4(name: &str, mib: usize, files: &[(&str, &[u8])]) -> Vec<u8> {
    std::fs::read(ext4_file(name, mib, files)).unwrap()
}

/// As [`ext4`], left in a file (for debugfs to change).
fn ext4_file(name: &str, mib: usize, files: &[(&str, &[u8])]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("hostile_search")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let root = dir.join("root");
    for (path, data) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }
    std::fs::create_dir_all(&root).unwrap();
    let img = dir.join("fs.img");
    let status = Command::new("mkfs.ext4")
        .args(["-q", "-F", "-d"])
        .arg(&root)
        .arg(&img)
        .arg(format!("{mib}M"))
        .status()
        .expect("mkfs.ext4 (e2fsprogs) must be installed");
    assert!(status.success());
    img
}

/// A 16-byte MBR/EBR slot.
fn slot(kind: u8, start: u32, sectors: u32) -> [u8; 16] {
    let mut s = [0u8; 16];
    s[4] = kind;
    s[8..12].copy_from_slice(&start.to_le_bytes());
    s[12..16].copy_from_slice(&sectors.to_le_bytes());
    s
}

/// Writes a table sector with `slots` at sector `lba` of `disk`.
fn table_sector(disk: &mut [u8], lba: usize, slots: &[[u8; 16]]) {
    let at = lba * SECTOR;
    for (i, s) in slots.iter().enumerate() {
        disk[at + 446 + 16 * i..][..16].copy_from_slice(s);
    }
    disk[at + 510] = 0x55;
    disk[at + 511] = 0xaa;
}

fn menu_lst() -> &'static [u8] {
    b"default 0\ntimeout 1\ntitle good\nkernel /boot/vmlinuz\n"
}

fn dev(partition: Option<u32>) -> Device {
    Device::Disk {
        drive: 0,
        partition,
        bsd_slice: None,
    }
}

#[test]
fn a_bad_partition_and_a_looping_chain_do_not_end_the_search() {
    let _only = budget::exclusive();
    let fs = ext4("loop", 8, &[("boot/grub/menu.lst", menu_lst())]);
    // (hd0,0): a primary far past the disk's end; (hd0,1): an extended partition whose
    // first EBR names (hd0,4), the good filesystem, then links back to itself.
    let ext_lba = 2048;
    let mut disk = vec![0u8; 4 * MIB + fs.len()];
    let fs_sectors = (fs.len() / SECTOR) as u32;
    let ext_sectors = 2048 + fs_sectors;
    table_sector(
        &mut disk,
        0,
        &[slot(0x83, 1 << 30, 2048), slot(0x05, ext_lba, ext_sectors)],
    );
    table_sector(
        &mut disk,
        ext_lba as usize,
        &[slot(0x83, 2048, fs_sectors), slot(0x05, 0, ext_sectors)],
    );
    let fs_at = (ext_lba as usize + 2048) * SECTOR;
    disk[fs_at..fs_at + fs.len()].copy_from_slice(&fs);
    let len = disk.len();
    let mut disks = Disks::new(vec![Disk::new(disk.into())]);

    let (found, cost) = budget::measure(|| disks.search_menu());
    let found = found.expect("the search goes on to the good partition");
    budget::assert_within("looping chain", len, cost, 4 * MIB, Duration::from_secs(1));
    assert_eq!(found.device, dev(Some(4)));
    assert_eq!(found.path, "/boot/grub/menu.lst");
    assert_eq!(found.text, menu_lst());
    let passed: Vec<String> = found.passed_over.iter().map(ToString::to_string).collect();
    assert_eq!(
        passed,
        ["(hd0,0): partition 0 reaches past the end of the disk"]
    );
    let problems = disks.table(0).unwrap().problems().to_vec();
    assert_eq!(problems, [DiskError::Mbr(MbrError::ExtendedLoop)]);
}

#[test]
fn an_unreadable_menu_is_reported_and_the_search_goes_on() {
    let _only = budget::exclusive();
    // (hd0,0) has a menu.lst that is a symlink to itself; (hd0,1) a good menu.lst.
    let img = ext4_file("symloop", 4, &[("boot/grub/README", b"")]);
    let status = Command::new("debugfs")
        .args([
            "-w",
            "-R",
            "symlink /boot/grub/menu.lst /boot/grub/menu.lst",
        ])
        .arg(&img)
        .output()
        .expect("debugfs (e2fsprogs) must be installed");
    assert!(status.status.success());
    let looped = std::fs::read(&img).unwrap();
    let good = ext4("good", 4, &[("boot/grub/menu.lst", menu_lst())]);
    let mut disk = vec![0u8; MIB];
    let a = disk.len() / SECTOR;
    disk.extend_from_slice(&looped);
    let b = disk.len() / SECTOR;
    disk.extend_from_slice(&good);
    table_sector(
        &mut disk,
        0,
        &[
            slot(0x83, a as u32, (looped.len() / SECTOR) as u32),
            slot(0x83, b as u32, (good.len() / SECTOR) as u32),
        ],
    );
    let mut disks = Disks::new(vec![Disk::new(disk.into())]);
    let found = disks.search_menu().expect("found on (hd0,1)");
    assert_eq!(found.device, dev(Some(1)));
    let [attempt] = &found.passed_over[..] else {
        panic!("{:?}", found.passed_over);
    };
    assert_eq!(attempt.device, dev(Some(0)));
    assert!(
        matches!(
            attempt.miss,
            Miss::Unreadable {
                path: "/boot/grub/menu.lst",
                error: FsError::SymlinkLoop
            }
        ),
        "{attempt}"
    );
    assert_eq!(
        attempt.to_string(),
        "(hd0,0): cannot read /boot/grub/menu.lst: more than 40 symlinks (a loop?)"
    );
}

/// A protective MBR and a GPT whose `count` entries all name the same `first..=last` LBAs.
fn gpt_disk(total_sectors: usize, count: u32, first: u64, last: u64) -> Vec<u8> {
    let mut disk = vec![0u8; total_sectors * SECTOR];
    table_sector(&mut disk, 0, &[slot(0xee, 1, (total_sectors - 1) as u32)]);
    let mut entries = vec![0u8; count as usize * 128];
    for (i, e) in entries.chunks_mut(128).enumerate() {
        e[0..16].copy_from_slice(&[0xaf; 16]); // a non-zero type GUID: the entry is used
        e[16..32].copy_from_slice(&(i as u128 + 1).to_le_bytes());
        e[32..40].copy_from_slice(&first.to_le_bytes());
        e[40..48].copy_from_slice(&last.to_le_bytes());
    }
    let entry_lbas = entries.len() / SECTOR;
    disk[2 * SECTOR..][..entries.len()].copy_from_slice(&entries);
    let mut h = [0u8; 92];
    h[0..8].copy_from_slice(b"EFI PART");
    h[8..12].copy_from_slice(&0x0001_0000u32.to_le_bytes());
    h[12..16].copy_from_slice(&92u32.to_le_bytes());
    h[24..32].copy_from_slice(&1u64.to_le_bytes());
    h[32..40].copy_from_slice(&(total_sectors as u64 - 1).to_le_bytes());
    h[40..48].copy_from_slice(&(2 + entry_lbas as u64).to_le_bytes());
    h[48..56].copy_from_slice(&(total_sectors as u64 - 2).to_le_bytes());
    h[72..80].copy_from_slice(&2u64.to_le_bytes());
    h[80..84].copy_from_slice(&count.to_le_bytes());
    h[84..88].copy_from_slice(&128u32.to_le_bytes());
    h[88..92].copy_from_slice(&crc32fast::hash(&entries).to_le_bytes());
    let crc = crc32fast::hash(&h);
    h[16..20].copy_from_slice(&crc.to_le_bytes());
    disk[SECTOR..][..92].copy_from_slice(&h);
    disk
}

#[test]
fn eight_thousand_gpt_entries_over_one_filesystem_cost_one_mount() {
    let _only = budget::exclusive();
    let fs = ext4("gpt", 16, &[("etc/readme", b"no menu here")]);
    let start = 4096usize; // sectors: past the 1 MiB entry array
    let total = start + fs.len() / SECTOR + 64;
    let last = (start + fs.len() / SECTOR - 1) as u64;
    let mut disk = gpt_disk(total, 8192, start as u64, last);
    disk[start * SECTOR..][..fs.len()].copy_from_slice(&fs);
    let len = disk.len();
    let mut disks = Disks::new(vec![Disk::new(disk.into())]);

    let (result, cost) = budget::measure(|| disks.search_menu());
    let failed = result.expect_err("no menu anywhere");
    budget::assert_within(
        "8192 GPT entries",
        len,
        cost,
        4 * MIB,
        Duration::from_secs(1),
    );
    assert_eq!(failed.tried.len(), 8192);
    assert!(matches!(failed.tried[0].miss, Miss::NoMenuFile));
    assert!(failed.tried[1..]
        .iter()
        .all(|a| matches!(&a.miss, Miss::SameAs(first) if *first == dev(Some(0)))));
    assert_eq!(
        failed.tried[8191].to_string(),
        "(hd0,8191): same partition as (hd0,0)"
    );
}

#[test]
fn a_missing_drive_is_a_clear_error() {
    let _only = budget::exclusive();
    let mut disks = Disks::new(vec![Disk::new(Rc::from(vec![0u8; MIB]))]);
    let err = disks
        .read_file(
            &Device::Disk {
                drive: 3,
                partition: Some(0),
                bsd_slice: None,
            },
            b"/boot/grub/menu.lst",
            1 << 20,
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "(hd3,0)/boot/grub/menu.lst: no disk hd3 (the guest has 1)"
    );
    assert!(matches!(
        disks.volume(&Device::Network).err().as_deref(),
        Some(OpenError::Unsupported(Device::Network))
    ));
}
