//! ext2/3/4 images made by mke2fs -d with several feature sets: every file, directory and
//! symlink of the source tree reads back exactly.

mod disk_fixtures;
mod fs_checks;

use disk_fixtures::image;
use pvgrub::disk::MemDisk;
use pvgrub::fs::{probe, Ext4Error, Ext4Fs, FileSystem, Filesystem, FsError, FsKind};

fn open(name: &str) -> Filesystem<MemDisk> {
    let mut disk = MemDisk::new(image(name));
    assert_eq!(probe(&mut disk).unwrap(), Some(FsKind::Ext), "{name}");
    let fs = Filesystem::open(disk).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    assert_eq!(fs.kind(), FsKind::Ext);
    fs
}

fn check(name: &str) {
    let mut fs = open(name);
    fs_checks::tree_reads_back(&mut fs, "tree", &["lost+found"], name);
    fs_checks::symlinks_resolve(&mut fs, name);
    fs_checks::errors_are_typed(&mut fs, name);
}

#[test]
fn ext2_1k_blocks_double_indirect() {
    check("ext2-1k.img");
}

#[test]
fn ext2_4k_blocks() {
    check("ext2-4k.img");
}

#[test]
fn ext3_journal() {
    check("ext3.img");
}

#[test]
fn ext4_defaults_64bit_metadata_csum_flex_bg() {
    check("ext4.img");
}

#[test]
fn ext4_4k_blocks() {
    check("ext4-4k.img");
}

#[test]
fn ext4_without_journal_64bit_csum() {
    check("ext4-nojournal.img");
}

#[test]
fn ext4_without_extents() {
    check("ext4-noextent.img");
}

#[test]
fn ext4_without_flex_bg_with_uninit_bg() {
    check("ext4-noflex.img");
}

#[test]
fn ext3_128_byte_inodes() {
    check("ext3-inode128.img");
}

#[test]
fn ext4_128_byte_inodes_with_metadata_csum() {
    check("ext4-inode128.img");
}

#[test]
fn ext4_inline_data_is_reported_incompatible() {
    // ext4-view 1.0 does not read inline data; mounting says so with a typed error.
    let err = Ext4Fs::open(MemDisk::new(image("ext4-inline.img"))).unwrap_err();
    assert!(
        matches!(err, FsError::Ext4(Ext4Error::Incompatible(_))),
        "{err:?}"
    );
}

#[test]
fn filesystem_larger_than_its_device_is_refused() {
    // As Linux does ("block count exceeds size of device"); ext4-view would otherwise size
    // its tables from the superblock alone.
    let mut data = image("ext4.img");
    let len = data.len() as u64;
    data.truncate(data.len() - 4096);
    let Err(err) = Filesystem::open(MemDisk::new(data)) else {
        panic!("mounted");
    };
    let FsError::LargerThanDevice {
        blocks,
        block_size,
        device,
    } = err
    else {
        panic!("{err:?}");
    };
    assert_eq!((blocks * block_size, device), (len, len - 4096));
    assert_eq!(
        err.to_string(),
        format!(
            "ext4: superblock gives {blocks} blocks of {block_size} bytes, more than the \
             {device}-byte device"
        )
    );
}

#[test]
fn block_sizes_over_64k_are_refused() {
    // ext4-view would take blocks of up to 2 GiB; Linux stops at 64 KiB.
    let mut data = image("ext4.img");
    data[1024 + 0x18..][..4].copy_from_slice(&7u32.to_le_bytes());
    let Err(err) = Filesystem::open(MemDisk::new(data)) else {
        panic!("mounted");
    };
    assert!(
        matches!(err, FsError::BadBlockSize { log_block_size: 7 }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "ext4: superblock gives a block size of 1024 << 7 bytes, more than 65536"
    );
}
