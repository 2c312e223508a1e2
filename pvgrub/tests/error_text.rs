//! The text a person reads for each error (what pvgrub-probe prints and the guest shows on its
//! console): what failed, where, the values involved and the limit, never a `{:?}` dump; and
//! errors that wrap another give it as their `source()`.

use std::error::Error;

use pvgrub::disk::{locate, DiskError, GptError, IoError, MbrError, MemDisk};
use pvgrub::fs::FsError;
use pvgrub::image::{self, ImageError, Limits};
use pvgrub::layout::{Area, LayoutError};
use pvgrub::menu::{DeviceError, Menu, MenuError, MenuErrorKind, MenuLocation, MAX_MENU_BYTES};

/// The `source()` chain below `e`, as text.
fn sources(e: &dyn Error) -> Vec<String> {
    let mut out = Vec::new();
    let mut next = e.source();
    while let Some(s) = next {
        out.push(s.to_string());
        next = s.source();
    }
    out
}

#[test]
fn block_device_and_partition_table_errors() {
    let oor = IoError::OutOfRange {
        offset: 4096,
        len: 512,
    };
    assert_eq!(
        oor.to_string(),
        "read of 512 bytes at byte 4096 is past the end of the device"
    );
    assert_eq!(IoError::Device(-5).to_string(), "device error (status -5)");
    let disk = DiskError::Io(oor);
    assert_eq!(
        disk.to_string(),
        "reading the partition table: read of 512 bytes at byte 4096 is past the end of the \
         device"
    );
    assert_eq!(sources(&disk), [oor.to_string()]);
    assert_eq!(
        DiskError::Mbr(MbrError::TooManyLogical).to_string(),
        "MBR: more than 128 logical partitions (those after the 128th are ignored)"
    );
    assert_eq!(
        DiskError::ExtendedPartition(2).to_string(),
        "partition 2 is an MBR extended partition (it holds logical partitions, not a \
         filesystem)"
    );
    let gpt = [
        (GptError::BadSignature, "no \"EFI PART\" signature"),
        (
            GptError::BadEntrySize(100),
            "partition entry size 100 is below 128 or not a multiple of 8",
        ),
        (
            GptError::TooManyEntries {
                count: 1 << 20,
                entry_size: 128,
            },
            "partition entry array of 1048576 entries of 128 bytes is larger than 1048576 bytes",
        ),
        (
            GptError::EntryArrayOutsideDisk(1 << 40),
            "partition entry array at LBA 1099511627776 lies outside the disk",
        ),
        (
            GptError::BadEntryRange(3),
            "partition 3 (GPT entry 4) ends before it starts or lies beyond any disk",
        ),
    ];
    for (e, text) in gpt {
        assert_eq!(e.to_string(), text);
        let wrapped = DiskError::Gpt(e);
        assert_eq!(
            wrapped.to_string(),
            format!("GPT: primary header: {text}; no valid backup header")
        );
        assert_eq!(sources(&wrapped), [text]);
    }
}

#[test]
fn partitions_that_are_not_there() {
    // An MBR with one Linux partition in slot 0.
    let mut mbr = vec![0u8; 64 << 10];
    mbr[446 + 4] = 0x83;
    mbr[446 + 8..446 + 12].copy_from_slice(&1u32.to_le_bytes());
    mbr[446 + 12..446 + 16].copy_from_slice(&16u32.to_le_bytes());
    mbr[510..512].copy_from_slice(&[0x55, 0xaa]);
    let mut disk = MemDisk::new(mbr);
    let err = locate(&mut disk, Some(7)).unwrap_err();
    assert_eq!(err.to_string(), "the partition table has no partition 7");
    let mut blank = MemDisk::new(vec![0u8; 64 << 10]);
    let err = locate(&mut blank, Some(0)).unwrap_err();
    assert_eq!(err.to_string(), "the disk has no partition table");
}

#[test]
fn filesystem_errors_name_their_limits() {
    let cases = [
        (
            FsError::TooLarge {
                len: 5 << 20,
                max: 1 << 20,
            },
            "file of 5242880 bytes is larger than the 1048576-byte limit",
        ),
        (FsError::SymlinkLoop, "more than 40 symlinks (a loop?)"),
        (
            FsError::PathTooLong,
            "path longer than 4096 bytes (with symlink targets spliced in)",
        ),
        (
            FsError::DirTooLarge,
            "directory has more than 65536 entries, or more bytes than the filesystem allows",
        ),
        (FsError::NotFound, "no such file or directory"),
        (
            FsError::Unrecognised,
            "no ext2/3/4, FAT or iso9660 filesystem",
        ),
    ];
    for (e, text) in cases {
        assert_eq!(e.to_string(), text);
        assert!(e.source().is_none());
    }
    let io = FsError::Io(IoError::Misaligned);
    assert_eq!(
        io.to_string(),
        "request not aligned to whole sectors (or a sector size not a power of two)"
    );
    assert_eq!(sources(&io), [IoError::Misaligned.to_string()]);
}

#[test]
fn menu_errors_carry_the_line() {
    let err = Menu::parse_menu_lst(b"title x\nroot (hd0,0\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 2: device name without its closing ')'"
    );
    assert_eq!(
        sources(&err),
        ["device name without its closing ')'".to_string()]
    );
    let err = Menu::parse_menu_lst(b"title x\nroot (xy0)\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 2: unknown drive kind in device name (not hd, nd, fd or cd)"
    );
    let deep = "submenu s {\n".repeat(17);
    let err = Menu::parse_grub_cfg(deep.as_bytes()).unwrap_err();
    assert_eq!(err.to_string(), "line 17: blocks nested deeper than 16");
    let err = Menu::parse_grub_cfg(b"menuentry 'a' {\n linux /k\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 1: '{' block opened here is never closed"
    );
    // About the whole file: no line.
    let big = vec![b'#'; MAX_MENU_BYTES + 1];
    let err = Menu::parse_menu_lst(&big).unwrap_err();
    assert_eq!(
        err,
        MenuError {
            line: 0,
            kind: MenuErrorKind::TooLarge {
                size: MAX_MENU_BYTES + 1
            }
        }
    );
    assert_eq!(
        err.to_string(),
        "menu of 1048577 bytes is larger than the 1048576-byte limit"
    );
}

#[test]
fn menu_paths_that_pv_grub_cannot_open() {
    let text = |p: &str| MenuLocation::parse_path(p).unwrap_err().to_string();
    assert_eq!(
        text("menu.lst"),
        "not a GRUB file name like (hd0,0)/boot/grub/menu.lst"
    );
    assert_eq!(text("/boot/grub/menu.lst"), "path without a (device)");
    assert_eq!(text("(hd0,0)"), "no absolute path after the device");
    let err = MenuLocation::parse_path("(hd0,x)/menu.lst").unwrap_err();
    assert_eq!(err.to_string(), "bad partition number in device name");
    assert_eq!(sources(&err), [DeviceError::BadPartition.to_string()]);
}

#[test]
fn kernel_image_errors() {
    let text = |data: &[u8]| image::load(data, &Limits::DEFAULT).unwrap_err().to_string();
    assert_eq!(
        text(&[0u8; 4096]),
        "neither an ELF file, a bzImage nor a compressed file (gzip, bzip2, lzma, xz, lzo, \
         lz4, zstd)"
    );
    assert_eq!(
        text(b"\x7fELF\x01\x01\x01"),
        "not a little-endian x86-64 ELF64 file"
    );
    assert_eq!(
        ImageError::TooManyNotes.to_string(),
        "more than 1024 ELF notes"
    );
    assert_eq!(
        ImageError::BadNote(99).to_string(),
        "Xen note type 99 has a descriptor of the wrong size or form"
    );
    assert_eq!(
        ImageError::BadNote(18).to_string(),
        "Xen note PHYS32_ENTRY (type 18) has a descriptor of the wrong size or form"
    );
    assert_eq!(
        ImageError::EntryOutsideKernel {
            virt_entry: 0x2000,
            virt_kstart: 0xffff_f000,
            virt_kend: 0x1000,
        }
        .to_string(),
        "kernel range 0xfffff000..0x1000 wraps around (entry 0x2000)"
    );
}

#[test]
fn layout_errors() {
    let e = LayoutError::DoesNotFit {
        area: Area::Module,
        pages: 0x800,
        free: 0x10,
    };
    assert_eq!(e.to_string(), "module needs 0x800 pages, only 0x10 left");
    assert!(e.source().is_none());
}
