//! pvgrub-probe's log: what pvgrub warns about on a damaged disk is printed on stderr as
//! `pvgrub-probe: warning: ...` (a corrupt primary GPT header, logical partitions past the
//! limit, a partition the menu search passed over), left out with `-q`; `-v` adds info and
//! `-vv` debug messages. The report on stdout is the same either way.

#[path = "../../tests/layout_support/elf.rs"]
mod elf;
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{Fs, SECTOR};

/// A menu.lst booting `/boot/kernel.elf`, and that kernel; its last title has no commands
/// (pvgrub drops it, which it logs as info).
fn boot_files() -> (Vec<u8>, Vec<u8>) {
    let menu = b"title good\nkernel /boot/kernel.elf ro\ntitle empty\x1b[2J\n".to_vec();
    let kernel = elf::XenElf::linux_like(0, 0, 0x3_0000, &[]).build();
    (menu, kernel)
}

/// Runs the probe on `disk` with `flags`, which must succeed; returns its stdout and stderr.
fn run(disk: &Path, flags: &[&str]) -> (String, String) {
    let mut args = vec![disk.to_str().unwrap()];
    args.extend(flags);
    let (code, out, err) = support::probe(&args);
    assert_eq!(code, 0, "{args:?}: {err}");
    (out, err)
}

/// Checks the levels on `disk`, whose menu is at `menu_at` and whose warnings are
/// `warnings`: shown by default, in `--json` mode too, and with `-v`, left out with `-q`;
/// info only with `-v`, debug only with `-vv`. The report is the same at every level.
fn check_levels(disk: &Path, menu_at: &str, warnings: &str) {
    let info = "pvgrub-probe: info: menu.lst: title `empty\\x1b[2J` has no commands, dropped\n";
    let debug = "pvgrub-probe: debug: kernel: elf, compression none, entry ";
    let (report, err) = run(disk, &[]);
    assert!(
        report.starts_with(&format!("menu: {menu_at} (menu.lst)\n*0: good\n")),
        "{report}"
    );
    assert_eq!(err, warnings);
    let (json, err) = run(disk, &["--json"]);
    assert_eq!(err, warnings);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["menu"], menu_at);
    for quiet in ["-q", "--quiet"] {
        assert_eq!(run(disk, &[quiet]), (report.clone(), String::new()));
    }
    let (out, verbose) = run(disk, &["-v"]);
    assert_eq!(out, report);
    assert_eq!(verbose, format!("{warnings}{info}"));
    let (out, debugging) = run(disk, &["-vv"]);
    assert_eq!(out, report);
    assert!(debugging.starts_with(warnings), "{debugging}");
    assert!(debugging.contains(info), "{debugging}");
    assert!(debugging.contains(debug), "{debugging}");
}

#[test]
fn corrupt_primary_gpt_header() {
    let dir = support::scratch("gpt-primary");
    let (menu, kernel) = boot_files();
    let files: [(&str, &[u8]); 2] = [("boot/grub/menu.lst", &menu), ("boot/kernel.elf", &kernel)];
    let disk = support::gpt_disk(
        &dir,
        16,
        &["-n", "1:2048:0", "-t", "1:8300"],
        &[Fs::Ext("ext4", &files)],
    );
    // Break the primary header's CRC32 (bytes 16..20 of sector 1).
    let mut bytes = std::fs::read(&disk).unwrap();
    bytes[SECTOR as usize + 16] ^= 0xff;
    std::fs::write(&disk, &bytes).unwrap();
    support::keep(&disk, "probe-gpt-bad-primary");
    let last = bytes.len() as u64 / SECTOR - 1;
    let warning = format!(
        "pvgrub-probe: warning: GPT: primary header (sector 1): header CRC32 does not match \
         its contents; using the backup header (sector {last})\n"
    );
    check_levels(&disk, "(hd0,0)/boot/grub/menu.lst", &warning);
}

/// A 16-byte MBR/EBR slot.
fn slot(kind: u8, start: u64, sectors: u64) -> [u8; 16] {
    let mut s = [0u8; 16];
    s[4] = kind;
    s[8..12].copy_from_slice(&u32::try_from(start).unwrap().to_le_bytes());
    s[12..16].copy_from_slice(&u32::try_from(sectors).unwrap().to_le_bytes());
    s
}

/// Writes a table sector with `slots` at sector `lba` of `disk`.
fn table_sector(disk: &mut [u8], lba: u64, slots: &[[u8; 16]]) {
    let at = (lba * SECTOR) as usize;
    for (i, s) in slots.iter().enumerate() {
        disk[at + 446 + 16 * i..][..16].copy_from_slice(s);
    }
    disk[at + 510] = 0x55;
    disk[at + 511] = 0xaa;
}

/// A 32 MiB MBR disk: an ext4 partition holding `files` at sector 2048 (8 MiB), then an
/// extended partition with a chain of `logicals` logical partitions of one sector each.
fn many_logicals(dir: &Path, logicals: u64, files: &[(&str, &[u8])]) -> PathBuf {
    let size = 32u64 << 20;
    let (fs_start, fs_sectors) = (2048, 16384);
    let ext_start = fs_start + fs_sectors;
    let mut bytes = vec![0u8; size as usize];
    table_sector(
        &mut bytes,
        0,
        &[
            slot(0x83, fs_start, fs_sectors),
            slot(0x05, ext_start, size / SECTOR - ext_start),
        ],
    );
    for i in 0..logicals {
        // EBR i at ext_start + 2i: its logical partition in the sector after it, and the
        // link to the next EBR (relative to the extended partition).
        let mut slots = vec![slot(0x83, 1, 1)];
        if i + 1 < logicals {
            slots.push(slot(0x05, 2 * (i + 1), 2));
        }
        table_sector(&mut bytes, ext_start + 2 * i, &slots);
    }
    let image = dir.join("disk.img");
    std::fs::write(&image, &bytes).unwrap();
    let fs = Fs::Ext("ext4", files);
    support::format(dir, &image, fs_start * SECTOR, fs_sectors * SECTOR, &fs);
    // The table is as sfdisk reads it.
    let out = support::run(Command::new("sfdisk").arg("--dump").arg(&image));
    let dump = String::from_utf8(out.stdout).unwrap();
    assert!(
        dump.contains("start=        2048, size=       16384, type=83"),
        "{dump}"
    );
    image
}

#[test]
fn more_than_128_logical_partitions() {
    let dir = support::scratch("logicals");
    let (menu, kernel) = boot_files();
    let files: [(&str, &[u8]); 2] = [("boot/grub/menu.lst", &menu), ("boot/kernel.elf", &kernel)];
    // As many as the disk had past the limit.
    let disk = many_logicals(&dir, 128 + 9872, &files);
    support::keep(&disk, "probe-10000-logicals");
    let warning = "pvgrub-probe: warning: (hd0): partition table: MBR: more than 128 logical \
                   partitions (those after the 128th are ignored); the other partitions are \
                   still used\n";
    check_levels(&disk, "(hd0,0)/boot/grub/menu.lst", warning);
    // The first 128 are there: the last of them can be named, the next cannot.
    let d = disk.to_str().unwrap();
    support::fails(
        &[d, "(hd0,131)/boot/grub/menu.lst", "-q"],
        1,
        "cannot read (hd0,131)/boot/grub/menu.lst: no ext2/3/4, FAT or iso9660 filesystem",
    );
    support::fails(
        &[d, "(hd0,132)/boot/grub/menu.lst", "-q"],
        1,
        "cannot read (hd0,132)/boot/grub/menu.lst: MBR: more than 128 logical partitions",
    );
}

#[test]
fn search_passes_over_a_partition_without_filesystem() {
    let dir = support::scratch("search-warns");
    let (menu, kernel) = boot_files();
    let files: [(&str, &[u8]); 2] = [("boot/grub/menu.lst", &menu), ("boot/kernel.elf", &kernel)];
    let disk = support::mbr_disk(
        &dir,
        32,
        "start=2048, size=8M, type=83\nstart=18432, type=83\n",
        &[Fs::None, Fs::Ext("ext4", &files)],
    );
    support::keep(&disk, "probe-search-passes-over");
    let warning = "pvgrub-probe: warning: menu search: (hd0,0): no filesystem (pv-grub reads \
                   ext2/3/4, FAT and iso9660)\n";
    check_levels(&disk, "(hd0,1)/boot/grub/menu.lst", warning);
}

#[test]
fn default_saved_without_a_saved_entry() {
    let dir = support::scratch("saved-info");
    let kernel = elf::XenElf::linux_like(0, 0, 0x3_0000, &[]).build();
    let menu = b"default saved\ntitle good\nkernel /boot/kernel.elf\n";
    let files: [(&str, &[u8]); 2] = [("boot/grub/menu.lst", menu), ("boot/kernel.elf", &kernel)];
    let disk = support::bare_disk(&dir, 16, &Fs::Ext("ext4", &files));
    let (out, err) = run(&disk, &["-v"]);
    assert!(out.contains("*0: good\n"), "{out}");
    assert_eq!(
        err,
        "pvgrub-probe: info: default saved: cannot read (hd0)/boot/grub/default: no such file \
         or directory; entry 0 is the default\n"
    );
    assert_eq!(run(&disk, &[]).1, "");
}
