//! Damaged filesystem images (truncated, scrambled superblock or volume descriptor, random
//! bytes anywhere) give errors or correct data, never a panic or a hang.

mod disk_fixtures;

use disk_fixtures::{dir, image, within, Rng};
use pvgrub::disk::MemDisk;
use pvgrub::fs::{FileSystem, Filesystem};

/// Paths read from each damaged image, and the source file each one names.
const PATHS: &[(&str, &str)] = &[
    ("/boot/grub/menu.lst", "boot/grub/menu.lst"),
    ("/boot/vmlinuz-test", "boot/vmlinuz-test"),
    ("/big/five-megs.bin", "big/five-megs.bin"),
    ("/big/sparse.bin", "big/sparse.bin"),
    (LEAF, LEAF_SOURCE),
    ("/links/slow", LEAF_SOURCE),
    ("/vmlinuz", "boot/vmlinuz-test"),
];
const LEAF: &str = "/deep/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/leaf.txt";
const LEAF_SOURCE: &str = "deep/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/leaf.txt";

/// Mounts `data` and reads everything in [`PATHS`]; whatever reads successfully from a
/// truncated image must be the true contents (`strict`). Returns how many files read.
fn exercise(data: Vec<u8>, strict: bool) -> usize {
    let Ok(mut fs) = Filesystem::open(MemDisk::new(data)) else {
        return 0;
    };
    let mut ok = 0;
    let _ = fs.read_dir(b"/");
    let _ = fs.read_dir(b"/many");
    for (path, source) in PATHS {
        if let Ok(got) = fs.read_file(path.as_bytes(), 8 << 20) {
            ok += 1;
            if strict {
                let want = std::fs::read(dir().join("tree").join(source)).unwrap();
                assert!(got == want, "{path} read wrong bytes");
            }
        }
    }
    ok
}

/// The offset and length of the structure each filesystem starts from.
fn header(name: &str) -> (usize, usize) {
    if name.starts_with("ext") {
        (1024, 1024)
    } else if name.starts_with("fat") {
        (0, 512)
    } else {
        (16 * 2048, 2048)
    }
}

fn damage(name: &'static str) {
    within(600, name, move || {
        let data = image(name);
        let len = data.len();
        let mut rng = Rng(len as u64 ^ 0x9e37_79b9_7f4a_7c15);
        // Truncated: whatever still reads must be right.
        for cut in [
            0,
            512,
            1024,
            2048,
            4096,
            40_000,
            len / 4,
            len / 2,
            len * 3 / 4,
            len - 1,
        ] {
            exercise(data[..cut].to_vec(), true);
        }
        // Random bytes in the superblock / boot sector / primary volume descriptor.
        let (at, n) = header(name);
        for _ in 0..30 {
            let mut bad = data.clone();
            for _ in 0..1 + rng.below(16) {
                bad[at + rng.below(n)] = rng.next() as u8;
            }
            exercise(bad, false);
        }
        // Random bytes anywhere, mostly in the metadata near the start.
        for _ in 0..30 {
            let mut bad = data.clone();
            for _ in 0..64 {
                let span = if rng.below(2) == 0 { 512 * 1024 } else { len };
                bad[rng.below(span)] = rng.next() as u8;
            }
            exercise(bad, false);
        }
        // Sanity: the undamaged image reads fully.
        // (FAT and the Joliet-only image were made from the tree without its two symlinks.)
        let without_links = name.starts_with("fat") || name == "iso-joliet.img";
        assert_eq!(
            exercise(data, true),
            PATHS.len() - if without_links { 2 } else { 0 }
        );
    });
}

#[test]
fn ext2_damaged() {
    damage("ext2-1k.img");
}

#[test]
fn ext3_damaged() {
    damage("ext3.img");
}

#[test]
fn ext4_damaged() {
    damage("ext4.img");
}

#[test]
fn fat12_damaged() {
    damage("fat12.img");
}

#[test]
fn fat32_damaged() {
    damage("fat32.img");
}

#[test]
fn iso_rock_ridge_damaged() {
    damage("iso-rr-joliet.img");
}

#[test]
fn iso_relocated_dirs_damaged() {
    damage("iso-genisoimage.img");
}

#[test]
fn iso_joliet_damaged() {
    damage("iso-joliet.img");
}
