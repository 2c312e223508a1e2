//! Hand-made filesystem images for the hostile-input tests: an ISO 9660 writer that lays
//! out directory records, Rock Ridge entries and continuation areas exactly as told, and
//! patches of mkfs-made images.
#![allow(dead_code)] // each test binary uses a different part

use std::path::{Path, PathBuf};
use std::process::Command;

/// The kernel the hostile images hold.
pub const KERNEL: &[u8] = b"kernel";

/// ISO 9660 logical block (and sector) size.
pub const BLOCK: usize = 2048;

/// Where the hostile images are left for the lead to run pvgrub-probe on.
pub fn save(name: &str, image: &[u8]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hostile");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, image).unwrap();
    path
}

fn both_endian32(out: &mut [u8], v: u32) {
    out[..4].copy_from_slice(&v.to_le_bytes());
    out[4..8].copy_from_slice(&v.to_be_bytes());
}

/// A directory record (ECMA-119 9.1): `flags` 2 for a directory.
pub fn record(extent: u32, size: u32, flags: u8, name: &[u8], su: &[u8]) -> Vec<u8> {
    let pad = usize::from(name.len().is_multiple_of(2));
    let mut len = 33 + name.len() + pad + su.len();
    len += len % 2;
    assert!(len <= 255, "record of {len} bytes");
    let mut r = vec![0u8; len];
    r[0] = len as u8;
    both_endian32(&mut r[2..10], extent);
    both_endian32(&mut r[10..18], size);
    r[25] = flags;
    r[28..30].copy_from_slice(&1u16.to_le_bytes());
    r[30..32].copy_from_slice(&1u16.to_be_bytes());
    r[32] = name.len() as u8;
    r[33..33 + name.len()].copy_from_slice(name);
    r[33 + name.len() + pad..][..su.len()].copy_from_slice(su);
    r
}

/// The SUSP "SP" entry that marks an image as Rock Ridge (in the root's `.` record).
pub const SP: [u8; 7] = [b'S', b'P', 7, 1, 0xbe, 0xef, 0];

/// A continuation entry: more system use entries at `block`, `offset`, `len`.
pub fn ce(block: u32, offset: u32, len: u32) -> Vec<u8> {
    let mut e = vec![b'C', b'E', 28, 1];
    e.resize(28, 0);
    both_endian32(&mut e[4..12], block);
    both_endian32(&mut e[12..20], offset);
    both_endian32(&mut e[20..28], len);
    e
}

/// A Rock Ridge name entry.
pub fn nm(name: &[u8]) -> Vec<u8> {
    let mut e = vec![b'N', b'M', 5 + name.len() as u8, 1, 0];
    e.extend_from_slice(name);
    e
}

/// An image of `blocks` blocks with a primary volume descriptor whose root directory is at
/// `root` and `root_size` bytes long (the directory itself is the caller's to write).
pub fn iso(blocks: usize, root: u32, root_size: u32) -> Vec<u8> {
    let mut img = vec![0u8; blocks * BLOCK];
    let pvd = &mut img[16 * BLOCK..17 * BLOCK];
    pvd[0] = 1;
    pvd[1..7].copy_from_slice(b"CD001\x01");
    pvd[128..130].copy_from_slice(&(BLOCK as u16).to_le_bytes());
    pvd[130..132].copy_from_slice(&(BLOCK as u16).to_be_bytes());
    pvd[156..190].copy_from_slice(&record(root, root_size, 2, &[0], &[]));
    let term = &mut img[17 * BLOCK..18 * BLOCK];
    term[0] = 255;
    term[1..7].copy_from_slice(b"CD001\x01");
    img
}

/// Writes directory records block after block from `block` on, never across a block end.
pub struct DirWriter<'a> {
    img: &'a mut [u8],
    at: usize,
}

impl<'a> DirWriter<'a> {
    pub fn new(img: &'a mut [u8], block: u32) -> Self {
        Self {
            img,
            at: block as usize * BLOCK,
        }
    }

    /// Appends `rec`; returns the byte offset it was written at.
    pub fn push(&mut self, rec: &[u8]) -> usize {
        if self.at % BLOCK + rec.len() > BLOCK {
            self.at += BLOCK - self.at % BLOCK;
        }
        let at = self.at;
        self.img[at..at + rec.len()].copy_from_slice(rec);
        self.at += rec.len();
        at
    }

    /// The next free byte offset.
    pub fn at(&self) -> usize {
        self.at
    }
}

/// The layout of a FAT32 image made by mkfs.fat, from its boot sector.
pub struct Fat32 {
    pub sector: usize,
    pub cluster: usize,
    pub fat_at: usize,
    pub fat_len: usize,
    pub fats: usize,
    pub data_at: usize,
}

impl Fat32 {
    pub fn new(img: &[u8]) -> Self {
        let le16 = |at: usize| u16::from_le_bytes([img[at], img[at + 1]]) as usize;
        let le32 = |at: usize| u32::from_le_bytes(img[at..at + 4].try_into().unwrap()) as usize;
        let sector = le16(11);
        let fat_sectors = le32(36);
        let fats = img[16] as usize;
        let reserved = le16(14);
        Self {
            sector,
            cluster: sector * img[13] as usize,
            fat_at: reserved * sector,
            fat_len: fat_sectors * sector,
            fats,
            data_at: (reserved + fats * fat_sectors) * sector,
        }
    }

    /// Sets FAT entry `c` to `v` in every FAT.
    pub fn set(&self, img: &mut [u8], c: u32, v: u32) {
        for copy in 0..self.fats {
            let at = self.fat_at + copy * self.fat_len + c as usize * 4;
            img[at..at + 4].copy_from_slice(&v.to_le_bytes());
        }
    }

    /// Byte offset of cluster `c`.
    pub fn offset(&self, c: u32) -> usize {
        self.data_at + (c as usize - 2) * self.cluster
    }
}

/// A FAT short directory entry `NAME    EXT` (11 bytes, space-padded) for `cluster`.
pub fn fat_entry(name: &[u8; 11], dir: bool, cluster: u32, size: u32) -> [u8; 32] {
    let mut e = [0u8; 32];
    e[..11].copy_from_slice(name);
    e[11] = if dir { 0x10 } else { 0x20 };
    e[20..22].copy_from_slice(&((cluster >> 16) as u16).to_le_bytes());
    e[26..28].copy_from_slice(&(cluster as u16).to_le_bytes());
    e[28..32].copy_from_slice(&size.to_le_bytes());
    e
}

/// A 64 MiB FAT32 image (512-byte clusters) whose root directory is the largest FAT allows,
/// 4096 clusters of 65536 entries; the last two are `BOOT`, naming the root itself, and
/// `VMLINUZ`. Its FAT layout comes along.
pub fn fat_with_a_loop() -> (Vec<u8>, Fat32) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile_fs");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("fat32.img");
    let _ = std::fs::remove_file(&path);
    let status = Command::new("mkfs.fat")
        .args(["-C", "-F", "32", "-s", "1", "-S", "512"])
        .arg(&path)
        .arg("65536")
        .output()
        .expect("mkfs.fat (dosfstools) must be installed");
    assert!(status.status.success(), "{status:?}");
    let mut img = std::fs::read(&path).unwrap();
    let fat = Fat32::new(&img);
    assert_eq!(fat.cluster, 512);
    let clusters = 4096u32;
    for c in 2..2 + clusters {
        fat.set(
            &mut img,
            c,
            if c == clusters + 1 {
                0x0fff_ffff
            } else {
                c + 1
            },
        );
    }
    let kernel = 2 + clusters;
    fat.set(&mut img, kernel, 0x0fff_ffff);
    let root = fat.offset(2);
    let slots = clusters as usize * fat.cluster / 32;
    let filler = fat_entry(b"F          ", false, 0, 0);
    for slot in img[root..][..slots * 32].chunks_mut(32) {
        slot.copy_from_slice(&filler);
    }
    let last = root + (slots - 2) * 32;
    img[last..][..32].copy_from_slice(&fat_entry(b"BOOT       ", true, 2, 0));
    let vmlinuz = fat_entry(b"VMLINUZ    ", false, kernel, KERNEL.len() as u32);
    img[last + 32..][..32].copy_from_slice(&vmlinuz);
    img[fat.offset(kernel)..][..KERNEL.len()].copy_from_slice(KERNEL);
    (img, fat)
}

/// Runs `debugfs` with `args` on `img`; its stdout.
pub fn debugfs(args: &[&str], img: &Path) -> String {
    let out = Command::new("debugfs")
        .args(args)
        .arg(img)
        .output()
        .expect("debugfs (e2fsprogs) must be installed");
    assert!(out.status.success(), "debugfs {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Points the last entry of the root directory of the ext4 image at `img` to the root
/// itself (as a directory); returns its name.
pub fn link_last_root_entry_to_root(img: &Path) -> String {
    let blocks = debugfs(&["-R", "blocks /"], img);
    let last: usize = blocks.split_whitespace().last().unwrap().parse().unwrap();
    let mut data = std::fs::read(img).unwrap();
    let block = &mut data[last * 4096..][..4096];
    let mut at = 0;
    loop {
        let rec_len = u16::from_le_bytes([block[at + 4], block[at + 5]]) as usize;
        if at + rec_len >= 4096 {
            break;
        }
        at += rec_len;
    }
    block[at..at + 4].copy_from_slice(&2u32.to_le_bytes());
    block[at + 7] = 2; // file type: directory
    let name_len = block[at + 6] as usize;
    let name = String::from_utf8(block[at + 8..at + 8 + name_len].to_vec()).unwrap();
    std::fs::write(img, data).unwrap();
    name
}
