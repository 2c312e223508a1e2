//! Files streamed front to back (`FileSystem::open_file`, `Disks::open_file`): a 16 MiB file
//! on ext4, FAT and iso9660 reads back exactly in 64 KiB chunks, with a heap peak of about
//! the chunk, not the file.

mod budget;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::rc::Rc;
use std::time::Duration;

use pvgrub::boot::Disks;
use pvgrub::disk::MemDisk;
use pvgrub::fs::{FileSystem, Filesystem, FsError};
use pvgrub::io::Source;
use pvgrub::menu::Device;

const MIB: usize = 1 << 20;
const FILE_LEN: usize = 16 * MIB;
const CHUNK: usize = 64 << 10;

/// Bytes that differ at every offset (so a misplaced chunk shows).
fn contents() -> Vec<u8> {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    (0..FILE_LEN)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("fs_stream")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src/boot")).unwrap();
    std::fs::write(dir.join("src/boot/vmlinuz"), contents()).unwrap();
    dir
}

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?} must be installed: {e}"));
    assert!(out.status.success(), "{cmd:?}: {out:?}");
}

fn ext4() -> Vec<u8> {
    let dir = scratch("ext4");
    let img = dir.join("fs.img");
    run(Command::new("mkfs.ext4")
        .args(["-q", "-F", "-d"])
        .arg(dir.join("src"))
        .arg(&img)
        .arg("24M"));
    std::fs::read(img).unwrap()
}

fn fat() -> Vec<u8> {
    let dir = scratch("fat");
    let img = dir.join("fs.img");
    // 2 KiB clusters, and a fragmented file: another file's clusters are freed in between.
    run(Command::new("mkfs.fat")
        .args(["-C", "-s", "4"])
        .arg(&img)
        .arg("24576"));
    let mtools = |tool: &str, args: &[&str]| {
        run(Command::new(tool)
            .env("MTOOLS_SKIP_CHECK", "1")
            .arg("-i")
            .arg(&img)
            .args(args))
    };
    std::fs::write(dir.join("gap"), vec![0u8; 300 << 10]).unwrap();
    mtools("mmd", &["::/boot"]);
    mtools("mcopy", &[dir.join("gap").to_str().unwrap(), "::/gap"]);
    mtools("mcopy", &[dir.join("gap").to_str().unwrap(), "::/gap2"]);
    mtools("mdel", &["::/gap"]);
    let src = dir.join("src/boot/vmlinuz");
    mtools("mcopy", &[src.to_str().unwrap(), "::/boot/vmlinuz"]);
    std::fs::read(img).unwrap()
}

fn iso() -> Vec<u8> {
    let dir = scratch("iso");
    let img = dir.join("fs.iso");
    run(Command::new("xorriso")
        .args(["-as", "mkisofs", "-quiet", "-R", "-o"])
        .arg(&img)
        .arg(dir.join("src")));
    std::fs::read(img).unwrap()
}

/// Reads `src` to its end in `CHUNK`s, comparing with `want` as it goes; the byte count.
fn stream<S: Source + ?Sized>(src: &mut S, want: &[u8]) -> Result<usize, S::Error> {
    let mut buf = vec![0u8; CHUNK];
    let mut done = 0;
    loop {
        match src.read(&mut buf)? {
            0 => return Ok(done),
            n => {
                assert!(buf[..n] == want[done..done + n], "bytes at {done} differ");
                done += n;
            }
        }
    }
}

fn check(what: &str, image: Vec<u8>) {
    let want = contents();
    let len = image.len();
    let mut fs = Filesystem::open(MemDisk::new(image.clone())).unwrap();
    let (read, cost) = budget::measure(|| -> Result<usize, FsError> {
        let mut file = fs.open_file(b"/boot/vmlinuz")?;
        assert_eq!(file.len(), FILE_LEN as u64);
        stream(&mut *file, &want)
    });
    assert_eq!(read.unwrap(), FILE_LEN, "{what}");
    budget::assert_within(what, len, cost, 4 * CHUNK, Duration::from_secs(2));

    // The same through the guest's disks, with the device opened and mounted inside.
    let mut disks = Disks::new(vec![MemDisk::new(Rc::<[u8]>::from(image))]);
    let hd0 = Device::Disk {
        drive: 0,
        partition: None,
        bsd_slice: None,
    };
    let (read, cost) = budget::measure(|| {
        let mut file = disks.open_file(&hd0, b"/boot/vmlinuz")?;
        assert_eq!(file.len(), FILE_LEN as u64);
        stream(&mut file, &want)
    });
    assert_eq!(read.unwrap(), FILE_LEN, "{what}");
    budget::assert_within(what, len, cost, 2 * MIB, Duration::from_secs(2));
    let err = disks
        .open_file(&hd0, b"/boot/vmlinuz/x")
        .err()
        .expect("not a directory");
    assert_eq!(
        err.to_string(),
        "(hd0)/boot/vmlinuz/x: a path component is not a directory"
    );
}

#[test]
fn ext4_streams_in_chunks() {
    let _only = budget::exclusive();
    check("ext4 16 MiB file streamed", ext4());
}

#[test]
fn fat_streams_in_chunks() {
    let _only = budget::exclusive();
    check("FAT 16 MiB fragmented file streamed", fat());
}

#[test]
fn iso9660_streams_in_chunks() {
    let _only = budget::exclusive();
    check("iso9660 16 MiB file streamed", iso());
}
