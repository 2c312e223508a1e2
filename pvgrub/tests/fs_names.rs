//! Names that are not UTF-8 are found by their bytes: ext4 (mkfs.ext4 -d) and Rock Ridge
//! (xorriso) names with bytes 0xff 0xfe, a FAT long name holding an unpaired UTF-16
//! surrogate (as WTF-8); listed as they are, and shown escaped in errors.

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::rc::Rc;

use pvgrub::boot::Disks;
use pvgrub::disk::MemDisk;
use pvgrub::fs::{FileSystem, Filesystem, FsKind, NodeKind};
use pvgrub::menu::Device;

const NAME: &[u8] = b"vmlinuz-\xff\xfe";
const KERNEL: &[u8] = b"a kernel under a name that is not UTF-8";

/// A fresh scratch directory `name` with `boot/vmlinuz-\xff\xfe` and `boot/ok` in `src/`.
fn source(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("fs_names")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let boot = dir.join("src/boot");
    std::fs::create_dir_all(&boot).unwrap();
    std::fs::write(boot.join(std::ffi::OsStr::from_bytes(NAME)), KERNEL).unwrap();
    std::fs::write(boot.join("ok"), b"ok").unwrap();
    dir
}

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?} must be installed: {e}"));
    assert!(out.status.success(), "{cmd:?}: {out:?}");
}

/// The kernel reads by its bytes, the listing gives them back, and a near miss is
/// `NotFound` with the path escaped in the message (returned).
fn check(image: Vec<u8>, kind: FsKind, name: &[u8]) -> String {
    let mut path = b"/boot/".to_vec();
    path.extend_from_slice(name);
    let mut fs = Filesystem::open(MemDisk::new(image.clone())).unwrap();
    assert_eq!(fs.kind(), kind);
    assert_eq!(fs.read_file(&path, 1 << 20).unwrap(), KERNEL);
    assert_eq!(fs.metadata(&path).unwrap().len, KERNEL.len() as u64);
    let listed = fs.read_dir(b"/boot").unwrap();
    let entry = listed.iter().find(|e| e.name == name).expect("listed");
    assert_eq!(entry.kind, NodeKind::File);

    let mut disks = Disks::new(vec![MemDisk::new(Rc::<[u8]>::from(image))]);
    let hd0 = Device::Disk {
        drive: 0,
        partition: None,
        bsd_slice: None,
    };
    assert_eq!(disks.read_file(&hd0, &path, 1 << 20).unwrap(), KERNEL);
    let mut missing = path.clone();
    missing.push(b'\x1b');
    let err = disks.read_file(&hd0, &missing, 1 << 20).unwrap_err();
    assert_eq!(err.path, missing);
    let shown = pvgrub::text::escape(&missing).to_string();
    assert_eq!(
        err.to_string(),
        format!("(hd0){shown}: no such file or directory")
    );
    assert!(!err.to_string().contains('\x1b'));
    err.to_string()
}

#[test]
fn ext4_name_with_bytes_ff_fe() {
    let dir = source("ext4");
    let img = dir.join("fs.img");
    run(Command::new("mkfs.ext4")
        .args(["-q", "-F", "-d"])
        .arg(dir.join("src"))
        .arg(&img)
        .arg("4M"));
    let text = check(std::fs::read(&img).unwrap(), FsKind::Ext, NAME);
    assert_eq!(
        text,
        "(hd0)/boot/vmlinuz-\\xff\\xfe\\x1b: no such file or directory"
    );
}

#[test]
fn rock_ridge_name_with_bytes_ff_fe() {
    let dir = source("iso");
    let img = dir.join("fs.iso");
    run(Command::new("xorriso")
        .args(["-as", "mkisofs", "-quiet", "-R", "-o"])
        .arg(&img)
        .arg(dir.join("src")));
    let text = check(std::fs::read(&img).unwrap(), FsKind::Iso9660, NAME);
    assert_eq!(
        text,
        "(hd0)/boot/vmlinuz-\\xff\\xfe\\x1b: no such file or directory"
    );
}

#[test]
fn fat_long_name_with_an_unpaired_surrogate() {
    // mcopy writes "vmlinuz-Q" as a long name; its UTF-16 'Q' becomes a lone high surrogate
    // (the long-name checksum covers the short name only, so the entry stays valid).
    let dir = source("fat");
    let img = dir.join("fs.img");
    run(Command::new("mkfs.fat")
        .args(["-C", "-n", "NAMES"])
        .arg(&img)
        .arg("2048"));
    let host = dir.join("vmlinuz-Q");
    std::fs::write(&host, KERNEL).unwrap();
    run(Command::new("mmd")
        .env("MTOOLS_SKIP_CHECK", "1")
        .arg("-i")
        .arg(&img)
        .arg("::/boot"));
    run(Command::new("mcopy")
        .env("MTOOLS_SKIP_CHECK", "1")
        .arg("-i")
        .arg(&img)
        .arg(&host)
        .arg("::/boot/vmlinuz-Q"));
    let mut data = std::fs::read(&img).unwrap();
    let utf16: Vec<u8> = "z-Q".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let at = data
        .windows(utf16.len())
        .position(|w| w == utf16)
        .expect("the long name slot");
    data[at + 4..at + 6].copy_from_slice(&0xd800u16.to_le_bytes());
    let name = b"vmlinuz-\xed\xa0\x80";
    let text = check(data, FsKind::Fat, name);
    assert_eq!(
        text,
        "(hd0)/boot/vmlinuz-\\xed\\xa0\\x80\\x1b: no such file or directory"
    );
}
