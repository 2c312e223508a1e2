//! FAT12/16/32 images made by mkfs.vfat and filled by mcopy: every file reads back, long and
//! short names resolve, and damaged cluster chains give typed errors.

mod disk_fixtures;
mod fs_checks;

use disk_fixtures::{dir, image};
use fs_checks::CAP;
use pvgrub::disk::MemDisk;
use pvgrub::fs::{probe, FatError, FatFs, FatKind, FileSystem, FsError, FsKind};
use std::process::Command;

fn mtools(tool: &str, img: &str, args: &[&str]) -> String {
    let out = Command::new(tool)
        .env("MTOOLS_SKIP_CHECK", "1")
        .arg("-i")
        .arg(dir().join(img))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} (mtools) must be installed: {e}"));
    assert!(out.status.success(), "{tool} {img} {args:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The clusters of `path` as mshowfat lists them (`<5-2565> <3000>`).
fn clusters(img: &str, path: &str) -> Vec<u32> {
    let text = mtools("mshowfat", img, &[path]);
    let mut out = Vec::new();
    for run in text.split('<').skip(1) {
        let run = run.split('>').next().unwrap();
        let (a, b) = run.split_once('-').unwrap_or((run, run));
        out.extend(a.trim().parse::<u32>().unwrap()..=b.trim().parse::<u32>().unwrap());
    }
    out
}

fn check(name: &str, kind: FatKind) {
    let mut disk = MemDisk::new(image(name));
    assert_eq!(probe(&mut disk).unwrap(), Some(FsKind::Fat), "{name}");
    let mut fs = FatFs::open(disk).unwrap();
    assert_eq!(fs.fat_kind(), kind, "{name}");
    fs_checks::tree_reads_back(&mut fs, "tree-nolinks", &[], name);
    fs_checks::errors_are_typed(&mut fs, name);

    // Lookups are case-insensitive, and the 8.3 names mdir shows resolve too.
    let tree = dir().join("tree-nolinks");
    let menu = std::fs::read(tree.join("boot/grub/menu.lst")).unwrap();
    assert_eq!(fs.read_file(b"/BOOT/Grub/MENU.LST", CAP).unwrap(), menu);
    let listing = mtools("mdir", name, &["::/"]);
    let mut short_names = 0;
    for line in listing.lines().filter(|l| l.len() > 40 && l.contains('~')) {
        let (base, ext) = (line[..8].trim(), line[9..12].trim());
        let long = line.split("  ").last().unwrap().trim();
        let want = std::fs::read(tree.join(long)).unwrap();
        assert_eq!(
            fs.read_file(format!("/{base}.{ext}").as_bytes(), CAP)
                .unwrap(),
            want,
            "{line}"
        );
        short_names += 1;
    }
    assert!(short_names >= 3, "{name}: {listing}");
}

#[test]
fn fat12() {
    check("fat12.img", FatKind::Fat12);
}

#[test]
fn fat16() {
    check("fat16.img", FatKind::Fat16);
}

#[test]
fn fat16_with_4k_logical_sectors() {
    check("fat16-4k-sectors.img", FatKind::Fat16);
}

#[test]
fn fat32_with_512_byte_clusters() {
    check("fat32.img", FatKind::Fat32);
}

/// Sets FAT entry `cluster` to `value` in every copy of the FAT of a FAT16 image.
fn set_fat16(data: &mut [u8], cluster: u32, value: u16) {
    let bps = u16::from_le_bytes([data[11], data[12]]) as usize;
    let reserved = u16::from_le_bytes([data[14], data[15]]) as usize;
    let fats = data[16] as usize;
    let fat_sectors = u16::from_le_bytes([data[22], data[23]]) as usize;
    for copy in 0..fats {
        let at = (reserved + copy * fat_sectors) * bps + cluster as usize * 2;
        data[at..at + 2].copy_from_slice(&value.to_le_bytes());
    }
}

#[test]
fn damaged_chains_give_typed_errors() {
    let data = image("fat16.img");
    let file = clusters("fat16.img", "::/big/five-megs.bin");
    let many = clusters("fat16.img", "::/many");
    assert!(file.len() > 100 && many.len() > 2);
    let read = |data: &[u8], path: &str| -> Result<Vec<u8>, FsError> {
        let mut fs = FatFs::open(MemDisk::new(data.to_vec())).unwrap();
        if path.ends_with('/') {
            fs.read_dir(path.as_bytes()).map(|_| Vec::new())
        } else {
            fs.read_file(path.as_bytes(), CAP)
        }
    };
    let cases: Vec<(u32, u16, &str, FatError)> = vec![
        (
            file[3],
            file[1] as u16,
            "/big/five-megs.bin",
            FatError::ChainLoop,
        ),
        (
            file[3],
            0,
            "/big/five-megs.bin",
            FatError::FreeClusterInChain(file[3]),
        ),
        (
            file[3],
            0xfff7,
            "/big/five-megs.bin",
            FatError::BadClusterInChain(file[3]),
        ),
        (
            file[3],
            0xfff0,
            "/big/five-megs.bin",
            FatError::ClusterOutOfRange(0xfff0),
        ),
        (
            file[3],
            0xffff,
            "/big/five-megs.bin",
            FatError::ChainTooShort,
        ),
        (many[2], many[1] as u16, "/many/", FatError::ChainLoop),
    ];
    for (cluster, value, path, want) in cases {
        let mut bad = data.clone();
        set_fat16(&mut bad, cluster, value);
        match read(&bad, path) {
            Err(FsError::Fat(got)) => assert_eq!(got, want, "{path} with {cluster} -> {value:#x}"),
            other => panic!("{path} with {cluster} -> {value:#x}: {other:?}"),
        }
    }
    // What a person reads: the cluster the FAT marks free, bad or out of range.
    let text = |value: u16| {
        let mut bad = data.clone();
        set_fat16(&mut bad, file[3], value);
        read(&bad, "/big/five-megs.bin").unwrap_err().to_string()
    };
    let c = file[3];
    assert_eq!(
        text(0),
        format!("FAT: a cluster chain runs into cluster {c}, which the FAT marks free")
    );
    assert_eq!(
        text(0xfff7),
        format!("FAT: a cluster chain runs into cluster {c}, which the FAT marks bad")
    );
    assert_eq!(
        text(0xfff0),
        "FAT: a cluster chain names cluster 65520, past the end of the filesystem"
    );
    assert_eq!(text(file[1] as u16), "FAT: a cluster chain loops");
    assert_eq!(
        text(0xffff),
        "FAT: a cluster chain ends before the file's recorded length"
    );
    // A boot sector that is not FAT at all.
    let mut not_fat = data.clone();
    not_fat[11] = 3; // bytes per sector
    assert!(matches!(
        FatFs::open(MemDisk::new(not_fat)),
        Err(FsError::Fat(FatError::NotFat))
    ));
}
