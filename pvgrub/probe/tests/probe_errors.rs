//! pvgrub-probe on disks it cannot use: each case prints a clear message on stderr and exits
//! non-zero (1 for the disk or its contents, 2 for the command line).

#[path = "../../tests/layout_support/elf.rs"]
mod elf;
mod support;

use support::{fails, Fs};

#[test]
fn bad_command_lines() {
    fails(&[], 2, "no DISK given");
    fails(&["a", "b", "c"], 2, "too many arguments");
    fails(&["--frobnicate", "disk"], 2, "unknown option --frobnicate");
    fails(&["disk", "--memory"], 2, "--memory needs a size in MiB");
    fails(&["disk", "--memory", "lots"], 2, "bad memory size lots");
    fails(
        &["/nonexistent/disk.img"],
        1,
        "cannot open /nonexistent/disk.img",
    );
    // The path once (it used to be "pvgrub-probe: /nonexistent/disk.img: cannot open
    // /nonexistent/disk.img: ...").
    let (_, _, err) = support::probe(&["/nonexistent/disk.img"]);
    assert_eq!(
        err,
        "pvgrub-probe: cannot open /nonexistent/disk.img: No such file or directory (os error 2)\n"
    );
    fails(&["disk", "-x"], 2, "unknown option -x");
    let (code, out, _) = support::probe(&["--help"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with(
            "usage: pvgrub-probe DISK [MENU_PATH] [--json] [--memory MIB] [-q | -v | -vv]\n"
        ),
        "{out}"
    );
}

#[test]
fn no_menu_anywhere() {
    let dir = support::scratch("nomenu");
    let files: [(&str, &[u8]); 1] = [("boot/vmlinuz", b"x")];
    let disk = support::mbr_disk(
        &dir,
        32,
        "start=2048, size=8M, type=83\nstart=18432, type=82\n",
        &[Fs::Ext("ext4", &files), Fs::None],
    );
    let d = disk.to_str().unwrap();
    fails(&[d], 1, "no menu found");
    fails(
        &[d, "--json"],
        1,
        "(hd0,0): no menu file; (hd0,1): no filesystem",
    );
}

#[test]
fn menu_paths_that_cannot_be_read() {
    let dir = support::scratch("paths");
    let files: [(&str, &[u8]); 1] = [("boot/grub/menu.lst", b"title t\nkernel /k\n")];
    let disk = support::mbr_disk(
        &dir,
        32,
        "start=2048, type=83\n",
        &[Fs::Ext("ext4", &files)],
    );
    let d = disk.to_str().unwrap();
    fails(
        &[d, "(hd0,0)/boot/grub/missing.lst"],
        1,
        "cannot read (hd0,0)/boot/grub/missing.lst: no such file or directory",
    );
    fails(
        &[d, "/boot/grub/menu.lst"],
        1,
        "bad menu path: path without a (device)",
    );
    fails(
        &[d, "(hd0,7)/boot/grub/menu.lst"],
        1,
        "cannot read (hd0,7)/boot/grub/menu.lst: the partition table has no partition 7",
    );
    fails(
        &[d, "(hd1,0)/boot/grub/menu.lst"],
        1,
        "cannot read (hd1,0)/boot/grub/menu.lst: no disk hd1 (the guest has 1)",
    );
    fails(
        &[d, "(nd)/menu.lst"],
        1,
        "menu (nd)/menu.lst is not on a disk",
    );
}

#[test]
fn corrupt_disks() {
    let dir = support::scratch("corrupt");
    // Random bytes: no partition table, no filesystem.
    let noise: Vec<u8> = (0..(4u32 << 20))
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let noise_path = dir.join("noise.img");
    std::fs::write(&noise_path, &noise).unwrap();
    fails(&[noise_path.to_str().unwrap()], 1, "(hd0): no filesystem");

    // A partition table entry reaching past the end of the disk.
    let files: [(&str, &[u8]); 1] = [("boot/grub/menu.lst", b"title t\nkernel /k\n")];
    let disk = support::mbr_disk(
        &dir,
        32,
        "start=2048, type=83\n",
        &[Fs::Ext("ext4", &files)],
    );
    let cut = dir.join("cut.img");
    std::fs::write(&cut, &std::fs::read(&disk).unwrap()[..1 << 20]).unwrap();
    fails(
        &[cut.to_str().unwrap()],
        1,
        "(hd0,0): partition 0 reaches past the end of the disk",
    );

    // An ext4 superblock overwritten: the partition has no filesystem any more.
    let mut bytes = std::fs::read(&disk).unwrap();
    for b in &mut bytes[(1 << 20) + 1024..(1 << 20) + 2048] {
        *b = 0xa5;
    }
    let smashed = dir.join("smashed.img");
    std::fs::write(&smashed, &bytes).unwrap();
    fails(&[smashed.to_str().unwrap()], 1, "(hd0,0): no filesystem");
    // A menu that does not parse: the error carries the line.
    let files: [(&str, &[u8]); 1] = [("boot/grub/menu.lst", b"title t\nroot (hd0,x)\nkernel /k\n")];
    let dir2 = support::scratch("badmenu");
    let bad = support::mbr_disk(
        &dir2,
        32,
        "start=2048, type=83\n",
        &[Fs::Ext("ext4", &files)],
    );
    fails(
        &[bad.to_str().unwrap()],
        1,
        "(hd0,0)/boot/grub/menu.lst: line 2: bad partition number in device name",
    );
}

#[test]
fn kernels_pv_grub_cannot_boot() {
    let dir = support::scratch("badkernel");
    let menu = b"title text\nkernel /boot/readme root=/dev/xvda1\n";
    let no_notes = elf::XenElf {
        e_entry: 0x1000,
        loads: vec![elf::Load {
            vaddr: 0x1000,
            paddr: 0x1000,
            filesz: 0x100,
            memsz: 0x1000,
        }],
        notes: vec![],
    }
    .build();
    let files: [(&str, &[u8]); 3] = [
        ("boot/grub/menu.lst", menu),
        ("boot/readme", b"this is not a kernel"),
        ("boot/plain.elf", &no_notes),
    ];
    let disk = support::mbr_disk(
        &dir,
        32,
        "start=2048, type=83\n",
        &[Fs::Ext("ext4", &files)],
    );
    let d = disk.to_str().unwrap();
    // The report is still printed, with the kernel's error, and the exit status is 1.
    let readme = "(hd0,0)/boot/readme: neither an ELF file, a bzImage nor a compressed file \
                  (gzip, bzip2, lzma, xz, lzo, lz4, zstd)";
    let out = fails(&[d, "--json"], 1, readme);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["default"], 0);
    assert_eq!(v["kernel"]["error"], readme);
    // An ELF without Xen notes.
    let menu2 = b"title plain\nroot (hd0,0)\nkernel /boot/plain.elf\n";
    let dir2 = support::scratch("plainelf");
    let files2: [(&str, &[u8]); 2] = [("boot/grub/menu.lst", menu2), ("boot/plain.elf", &no_notes)];
    let disk2 = support::mbr_disk(
        &dir2,
        32,
        "start=2048, type=83\n",
        &[Fs::Ext("ext4", &files2)],
    );
    fails(
        &[disk2.to_str().unwrap()],
        1,
        "(hd0,0)/boot/plain.elf: no Xen ELF notes and no __xen_guest section: not a Xen PV kernel",
    );
    // A kernel that does not fit in the domain's memory (it is 64 MiB, the domain 16 MiB).
    let big = elf::XenElf::linux_like(0, 0, 64 << 20, &[]).build();
    let menu5 = b"title big\nroot (hd0,0)\nkernel /boot/big.elf\n";
    let dir5 = support::scratch("big");
    let files5: [(&str, &[u8]); 2] = [("boot/grub/menu.lst", menu5), ("boot/big.elf", &big)];
    let disk5 = support::mbr_disk(
        &dir5,
        32,
        "start=2048, type=83\n",
        &[Fs::Ext("ext4", &files5)],
    );
    let d5 = disk5.to_str().unwrap();
    let out = fails(
        &[d5, "--json", "--memory", "16"],
        1,
        "layout: kernel needs 0x4000 pages",
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["kernel"]["format"], "elf");
    assert!(v["layout"]["error"]
        .as_str()
        .unwrap()
        .starts_with("layout: "));
    // "layout:" once on each line (the text report used to say "layout: layout: ...").
    let out = fails(
        &[d5, "--memory", "16"],
        1,
        "layout: kernel needs 0x4000 pages",
    );
    assert!(out.contains("\nlayout: kernel needs 0x4000 pages"), "{out}");
    let (_, _, err) = support::probe(&[d5, "--memory", "16"]);
    for text in [&out, &err] {
        assert!(!text.contains("layout: layout:"), "{text}");
    }
    // A missing kernel file.
    let menu3 = b"title gone\nroot (hd0,0)\nkernel /boot/gone\n";
    let dir3 = support::scratch("gone");
    let files3: [(&str, &[u8]); 1] = [("boot/grub/menu.lst", menu3)];
    let disk3 = support::mbr_disk(
        &dir3,
        32,
        "start=2048, type=83\n",
        &[Fs::Ext("ext4", &files3)],
    );
    fails(
        &[disk3.to_str().unwrap()],
        1,
        "cannot read (hd0,0)/boot/gone: no such file or directory",
    );
    // A menu without entries.
    let dir4 = support::scratch("empty");
    let files4: [(&str, &[u8]); 1] = [("boot/grub/menu.lst", b"timeout 5\n")];
    let disk4 = support::mbr_disk(
        &dir4,
        32,
        "start=2048, type=83\n",
        &[Fs::Ext("ext4", &files4)],
    );
    fails(
        &[disk4.to_str().unwrap()],
        1,
        "(hd0,0)/boot/grub/menu.lst: the menu has no entries",
    );
}

/// Sets the extent tree depth of `path`'s inode to 40 (the most is 5) with debugfs, which
/// keeps the inode checksum right; returns the inode number.
fn break_extent_depth(disk: &std::path::Path, path: &str) -> u32 {
    use std::process::Command;
    let imap = support::run(
        Command::new("debugfs")
            .args(["-R", &format!("imap {path}")])
            .arg(disk),
    );
    let imap = String::from_utf8(imap.stdout).unwrap();
    let inode = imap.split_whitespace().nth(1).and_then(|n| n.parse().ok());
    // i_block[1] holds the extent header's eh_max (4 in the inode) and eh_depth.
    let sif = format!("sif {path} block[1] {:#x}", 4 | (40 << 16));
    support::run(Command::new("debugfs").args(["-w", "-R", &sif]).arg(disk));
    inode.unwrap_or_else(|| panic!("debugfs imap {path}: {imap}"))
}

#[test]
fn corrupt_ext4_names_the_inode() {
    let dir = support::scratch("depth");
    let files: [(&str, &[u8]); 2] = [
        ("boot/grub/menu.lst", b"title t\nkernel /boot/vmlinuz\n"),
        ("boot/vmlinuz", b"not read: its extent tree is broken"),
    ];
    let disk = support::bare_disk(&dir, 16, &Fs::Ext("ext4", &files));
    let d = disk.to_str().unwrap();
    let inode = break_extent_depth(&disk, "/boot/vmlinuz");
    let want = format!(
        "cannot read (hd0)/boot/vmlinuz: ext4: corrupt filesystem: extent in inode {inode} \
         has an invalid depth"
    );
    let out = fails(&[d], 1, &format!("pvgrub-probe: {d}: {want}\n"));
    assert!(
        out.contains(&format!("kernel: cannot boot: {want}\n")),
        "{out}"
    );
    let out = fails(&[d, "--json"], 1, &want);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["kernel"]["error"], want.as_str());
    for text in [&out, &want] {
        assert!(
            !text.contains("Corrupt(") && !text.contains("ExtentDepth"),
            "{text}"
        );
    }

    // The menu itself broken: the search says which file it could not read, and why.
    let menu_inode = break_extent_depth(&disk, "/boot/grub/menu.lst");
    let depth =
        format!("ext4: corrupt filesystem: extent in inode {menu_inode} has an invalid depth");
    fails(
        &[d],
        1,
        &format!("; (hd0): cannot read /boot/grub/menu.lst: {depth}"),
    );
    fails(
        &[d, "(hd0)/boot/grub/menu.lst"],
        1,
        &format!("cannot read (hd0)/boot/grub/menu.lst: {depth}"),
    );
}
