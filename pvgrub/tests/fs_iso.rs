//! iso9660 images made by xorriso and genisoimage: Rock Ridge names, symlinks and relocated
//! deep directories, Joliet names, and plain ISO names cross-checked with isoinfo.

mod disk_fixtures;
mod fs_checks;

use disk_fixtures::{dir, image};
use fs_checks::CAP;
use pvgrub::disk::MemDisk;
use pvgrub::fs::{probe, FileSystem, FsKind, IsoFs, IsoNames, NodeKind};
use std::process::Command;

fn open(name: &str, names: IsoNames) -> IsoFs<MemDisk> {
    let mut disk = MemDisk::new(image(name));
    assert_eq!(probe(&mut disk).unwrap(), Some(FsKind::Iso9660), "{name}");
    let fs = IsoFs::open(disk).unwrap();
    assert_eq!(fs.names(), names, "{name}");
    fs
}

#[test]
fn xorriso_rock_ridge_and_joliet() {
    let name = "iso-rr-joliet.img";
    let mut fs = open(name, IsoNames::RockRidge);
    fs_checks::tree_reads_back(&mut fs, "tree", &[], name);
    fs_checks::symlinks_resolve(&mut fs, name);
    fs_checks::errors_are_typed(&mut fs, name);
}

#[test]
fn genisoimage_rock_ridge_relocated_directories() {
    // genisoimage moves directories deeper than 8 levels to /rr_moved and leaves CL links.
    let name = "iso-genisoimage.img";
    let mut fs = open(name, IsoNames::RockRidge);
    assert_eq!(fs.metadata(b"/rr_moved").unwrap().kind, NodeKind::Dir);
    fs_checks::tree_reads_back(&mut fs, "tree", &["rr_moved"], name);
    fs_checks::symlinks_resolve(&mut fs, name);
    fs_checks::errors_are_typed(&mut fs, name);
}

#[test]
fn xorriso_joliet_only() {
    let name = "iso-joliet.img";
    let mut fs = open(name, IsoNames::Joliet);
    fs_checks::tree_reads_back(&mut fs, "tree-nolinks", &[], name);
    fs_checks::errors_are_typed(&mut fs, name);
}

fn isoinfo(img: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new("isoinfo")
        .arg("-i")
        .arg(dir().join(img))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("isoinfo (genisoimage) must be installed: {e}"));
    assert!(out.status.success(), "isoinfo {args:?}");
    out.stdout
}

#[test]
fn plain_iso9660_names_match_isoinfo() {
    let name = "iso-plain.img";
    let mut fs = open(name, IsoNames::Iso9660);
    let listing = String::from_utf8(isoinfo(name, &["-f"])).unwrap();
    let mut files = 0;
    for path in listing.lines() {
        match path.strip_suffix(";1") {
            Some(plain) => {
                // Same bytes as isoinfo extracts, found by the name without its version, in
                // any case.
                let want = isoinfo(name, &["-x", path]);
                assert_eq!(fs.read_file(path.as_bytes(), CAP).unwrap(), want, "{path}");
                assert_eq!(fs.read_file(plain.as_bytes(), CAP).unwrap(), want, "{path}");
                assert_eq!(
                    fs.read_file(plain.to_lowercase().as_bytes(), CAP).unwrap(),
                    want,
                    "{path}"
                );
                files += 1;
            }
            None => assert_eq!(
                fs.metadata(path.as_bytes()).unwrap().kind,
                NodeKind::Dir,
                "{path}"
            ),
        }
    }
    assert!(files > 300, "{files} files");
    let menu = std::fs::read(dir().join("tree/boot/grub/menu.lst")).unwrap();
    assert_eq!(fs.read_file(b"/boot/grub/menu.lst", CAP).unwrap(), menu);
}
