//! The text of filesystem errors from damaged images (fixtures from
//! scripts/make-disk-fixtures.sh, patched here or with debugfs): the filesystem, what is
//! wrong and where, never a `{:?}` dump.

mod disk_fixtures;
mod text_support;

use std::error::Error;
use std::path::PathBuf;
use std::process::Command;

use disk_fixtures::{dir, image};
use pvgrub::disk::MemDisk;
use pvgrub::fs::{FileSystem, Filesystem, FsError};
use text_support::looks_like_debug;

/// The error of mounting `data` and reading `path`.
fn read_error(data: Vec<u8>, path: &str) -> FsError {
    match Filesystem::open(MemDisk::new(data)) {
        Ok(mut fs) => fs.read_file(path.as_bytes(), 64 << 20).unwrap_err(),
        Err(e) => e,
    }
}

/// Runs `debugfs` (e2fsprogs) with `args`, which must succeed; its stdout.
fn debugfs(args: &[&str], image: &PathBuf) -> String {
    let out = Command::new("debugfs")
        .args(args)
        .arg(image)
        .output()
        .unwrap_or_else(|e| panic!("debugfs (e2fsprogs) must be installed: {e}"));
    assert!(out.status.success(), "debugfs {args:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn ext4_extent_depth_beyond_the_maximum() {
    // The kernel's extent header (i_block[1]: eh_max, then eh_depth) gets depth 40; debugfs
    // rewrites the inode checksum, so the depth is what ext4-view trips on.
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("fs-error-text-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let img = scratch.join("ext4-depth.img");
    std::fs::copy(dir().join("small-ext4.img"), &img).unwrap();
    let imap = debugfs(&["-R", "imap /boot/vmlinuz-test"], &img);
    let inode: u32 = imap
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("debugfs imap: {imap}"));
    let sif = format!("sif /boot/vmlinuz-test block[1] {:#x}", 4 | (40 << 16));
    debugfs(&["-w", "-R", &sif], &img);
    let err = read_error(std::fs::read(&img).unwrap(), "/boot/vmlinuz-test");
    assert!(matches!(err, FsError::Ext4(_)), "{err:?}");
    let text = err.to_string();
    assert_eq!(
        text,
        format!("ext4: corrupt filesystem: extent in inode {inode} has an invalid depth")
    );
    assert!(!looks_like_debug(&text), "{text}");
    assert_eq!(
        err.source().map(ToString::to_string).as_deref(),
        text.strip_prefix("ext4: ")
    );
    let _ = std::fs::remove_dir_all(&scratch);
}

#[test]
fn ext4_features_ext4_view_cannot_read() {
    // ext4-view's own text; the feature set is its bitflags type, printed by name.
    let err = read_error(image("ext4-inline.img"), "/boot/grub/menu.lst");
    assert_eq!(
        err.to_string(),
        "ext4: incompatible filesystem: unsupported features: IncompatibleFeatures(DATA_IN_INODE)"
    );
}

#[test]
fn iso9660_volume_descriptors() {
    let good = image("iso-rr-joliet.img");
    // The primary volume's logical block size (sector 16, byte 128).
    let mut bad = good.clone();
    bad[16 * 2048 + 128..][..2].copy_from_slice(&1000u16.to_le_bytes());
    let err = read_error(bad, "/boot/grub/menu.lst");
    assert_eq!(
        err.to_string(),
        "iso9660: logical block size 1000 is not 512, 1024 or 2048"
    );
    // The descriptor after the primary one loses its "CD001".
    let mut bad = good.clone();
    bad[17 * 2048 + 1] = b'X';
    let err = read_error(bad, "/boot/grub/menu.lst");
    assert_eq!(
        err.to_string(),
        "iso9660: volume descriptor at sector 17 lacks the CD001 identifier"
    );
    assert!(err.source().is_some());
}

#[test]
fn fat_boot_sector_and_paths() {
    let good = image("fat16.img");
    let mut fs = Filesystem::open(MemDisk::new(good)).unwrap();
    let text = |r: Result<Vec<u8>, FsError>| r.unwrap_err().to_string();
    assert_eq!(
        text(fs.read_file(b"/boot/nothing", 1 << 20)),
        "no such file or directory"
    );
    assert_eq!(
        text(fs.read_file(b"/boot", 1 << 20)),
        "is a directory, not a file"
    );
    assert_eq!(
        text(fs.read_file(b"/boot/grub/menu.lst/x", 1 << 20)),
        "a path component is not a directory"
    );
}
