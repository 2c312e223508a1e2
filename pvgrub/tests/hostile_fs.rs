//! Filesystems built to make lookups loop: Rock Ridge continuation chains re-read for every
//! record, a continuation area pointing back at itself, directories that contain themselves
//! (iso9660, FAT, ext4) walked by paths up to MAX_PATH, a long symlink through such a
//! directory, a looping FAT directory chain and many lookups on one mount. Each is a
//! generated image (left in target/tmp/hostile/) searched for a menu and read from within a
//! heap and CPU budget, with the error a person reads.

mod budget;
mod fs_images;

use std::path::Path;
use std::process::Command;
use std::rc::Rc;
use std::time::Duration;

use fs_images::{ce, debugfs, fat_with_a_loop, iso, link_last_root_entry_to_root, record};
use fs_images::{save, DirWriter, BLOCK, KERNEL, SP};
use pvgrub::boot::{Disks, FileErrorKind, Miss};
use pvgrub::disk::MemDisk;
use pvgrub::fs::{FileSystem, Filesystem, FsError, IsoError};
use pvgrub::menu::{Device, SEARCH_PATHS};

type Disk = MemDisk<Rc<[u8]>>;

const MIB: usize = 1 << 20;
const LOOKUP_WORK: &str = "the lookup read over 16 MiB of directories (a directory or \
                           continuation area that loops back on itself?)";

fn hd0() -> Device {
    Device::Disk {
        drive: 0,
        partition: None,
        bsd_slice: None,
    }
}

fn disks(image: Vec<u8>) -> Disks<Disk> {
    Disks::new(vec![MemDisk::new(Rc::<[u8]>::from(image))])
}

/// `/boot/boot/.../boot/vmlinuz`, as long as MAX_PATH allows.
fn looping_path() -> Vec<u8> {
    let mut path = b"/boot".repeat(817);
    path.extend_from_slice(b"/vmlinuz");
    assert!(path.len() <= pvgrub::fs::MAX_PATH);
    path
}

/// Every menu path failed to read with `error`, the first one shown as `text`.
fn all_unreadable(failed: &pvgrub::boot::SearchFailed, error: fn(&FsError) -> bool, text: &str) {
    assert_eq!(failed.tried.len(), SEARCH_PATHS.len(), "{failed}");
    for attempt in &failed.tried {
        assert!(
            matches!(&attempt.miss, Miss::Unreadable { error: e, .. } if error(e)),
            "{attempt}"
        );
    }
    assert_eq!(
        failed.tried[0].to_string(),
        format!("(hd0): cannot read /boot/grub/grub.cfg: {text}")
    );
}

#[test]
fn rock_ridge_continuation_chains_are_read_within_the_budget() {
    let _only = budget::exclusive();
    // A 2 MiB root directory of records each leading through 16 chained 2 KiB continuation
    // areas (the most allowed): 32 KiB of system use entries per 62-byte record.
    const ROOT: u32 = 18;
    const ROOT_BLOCKS: u32 = 1024;
    let chain = ROOT + ROOT_BLOCKS;
    let size = ROOT_BLOCKS * BLOCK as u32;
    let mut img = iso(chain as usize + 16, ROOT, size);
    let mut w = DirWriter::new(&mut img, ROOT);
    w.push(&record(ROOT, size, 2, &[0], &SP));
    w.push(&record(ROOT, size, 2, &[1], &[]));
    let filler = record(0, 0, 0, b"F", &ce(chain, 0, BLOCK as u32));
    let end = (ROOT + ROOT_BLOCKS) as usize * BLOCK;
    while w.at() + 2 * filler.len() < end {
        w.push(&filler);
    }
    for i in 0..16u32 {
        let area = &mut img[(chain + i) as usize * BLOCK..][..BLOCK];
        for entry in area.chunks_mut(4) {
            entry.copy_from_slice(&[b'Z', b'Z', 4, 1]);
        }
        if i < 15 {
            area[..28].copy_from_slice(&ce(chain + i + 1, 0, BLOCK as u32));
        }
    }
    save("iso-ce-chains.img", &img);
    let len = img.len();
    let mut disks = disks(img);

    let (result, cost) = budget::measure(|| disks.search_menu());
    budget::assert_within(
        "Rock Ridge continuation chains",
        len,
        cost,
        MIB,
        Duration::from_secs(1),
    );
    // Each path spends its 16 MiB; four of them spend the mount's 2 * 2 MiB + 64 MiB.
    let failed = result.expect_err("no menu");
    let texts: Vec<String> = failed.tried.iter().map(ToString::to_string).collect();
    let limit = pvgrub::fs::mount_work_limit(len as u64);
    let mount = format!(
        "the filesystem has read over {limit} bytes of directories since it was mounted \
         (twice its size plus 64 MiB); no more lookups on it"
    );
    let want: Vec<String> = SEARCH_PATHS
        .iter()
        .enumerate()
        .map(|(i, (p, _))| {
            let why = if i < 4 { LOOKUP_WORK } else { &mount };
            format!("(hd0): cannot read {p}: {why}")
        })
        .collect();
    assert_eq!(texts, want);
}

#[test]
fn a_continuation_area_pointing_back_at_itself_is_an_error() {
    let _only = budget::exclusive();
    // The record `boot`'s system use area is a CE naming that very area.
    const ROOT: u32 = 18;
    let size = BLOCK as u32;
    let mut img = iso(20, ROOT, size);
    let mut w = DirWriter::new(&mut img, ROOT);
    w.push(&record(ROOT, size, 2, &[0], &SP));
    w.push(&record(ROOT, size, 2, &[1], &[]));
    let su_at = w.at() % BLOCK + 33 + 4 + 1; // after the even-length name and its pad byte
    w.push(&record(ROOT, size, 2, b"BOOT", &ce(ROOT, su_at as u32, 28)));
    save("iso-ce-loop.img", &img);
    let len = img.len();
    let mut disks = disks(img);

    let (result, cost) = budget::measure(|| disks.search_menu());
    budget::assert_within(
        "looping continuation area",
        len,
        cost,
        MIB,
        Duration::from_millis(100),
    );
    let failed = result.expect_err("no menu");
    all_unreadable(
        &failed,
        |e| matches!(e, FsError::Iso(IsoError::BadContinuation)),
        "iso9660: a Rock Ridge continuation area lies outside its block, or more than 16 are \
         chained",
    );
}

/// Reads `/boot/boot/vmlinuz` (through the loop, within the budget), fails on the
/// [`looping_path`] with the lookup budget, and searches for a menu; checks the bound.
fn walk_the_loop(what: &str, image: Vec<u8>) {
    let len = image.len();
    let mut disks = disks(image);
    let (results, cost) = budget::measure(|| {
        let short = disks.read_file(&hd0(), b"/boot/boot/vmlinuz", MIB);
        let long = disks.read_file(&hd0(), looping_path(), MIB);
        (short, long, disks.search_menu())
    });
    budget::assert_within(what, len, cost, 4 * MIB, Duration::from_secs(1));
    let (short, long, search) = results;
    assert_eq!(short.unwrap(), KERNEL, "{what}");
    let err = long.unwrap_err();
    assert!(
        matches!(err.kind, FileErrorKind::Read(FsError::LookupWork)),
        "{what}: {err}"
    );
    let text = err.to_string();
    assert!(text.starts_with("(hd0)/boot/boot/boot/"), "{text}");
    assert!(
        text.ends_with(&format!("/vmlinuz: {LOOKUP_WORK}")),
        "{text}"
    );
    let failed = search.expect_err("no menu");
    assert_eq!(
        failed.to_string().rsplit("; ").next(),
        Some("(hd0): no menu file")
    );
}

#[test]
fn an_iso_directory_inside_itself_costs_one_lookup_budget() {
    let _only = budget::exclusive();
    // A 64 MiB image: a 4 MiB root directory whose last records are `BOOT`, naming the
    // root itself, and `VMLINUZ.;1`.
    const ROOT: u32 = 18;
    const ROOT_BLOCKS: u32 = 2048;
    let kernel_block = ROOT + ROOT_BLOCKS;
    let size = ROOT_BLOCKS * BLOCK as u32;
    let mut img = iso(64 * MIB / BLOCK, ROOT, size);
    let mut w = DirWriter::new(&mut img, ROOT);
    w.push(&record(ROOT, size, 2, &[0], &[]));
    w.push(&record(ROOT, size, 2, &[1], &[]));
    let end = kernel_block as usize * BLOCK;
    let filler = record(0, 0, 0, b"F", &[]);
    while w.at() + BLOCK < end {
        w.push(&filler);
    }
    w.push(&record(ROOT, size, 2, b"BOOT", &[]));
    w.push(&record(
        kernel_block,
        KERNEL.len() as u32,
        0,
        b"VMLINUZ.;1",
        &[],
    ));
    img[kernel_block as usize * BLOCK..][..KERNEL.len()].copy_from_slice(KERNEL);
    save("iso-dir-loop.img", &img);
    walk_the_loop("iso9660 directory inside itself", img);
}

#[test]
fn a_fat_directory_inside_itself_costs_one_lookup_budget() {
    let _only = budget::exclusive();
    let (img, _) = fat_with_a_loop();
    save("fat32-dir-loop.img", &img);
    walk_the_loop("FAT directory inside itself", img);
}

#[test]
fn a_looping_fat_directory_chain_is_an_error() {
    let _only = budget::exclusive();
    let (mut img, fat) = fat_with_a_loop();
    fat.set(&mut img, 101, 2); // the root's 100th cluster leads back to its first
    save("fat32-chain-loop.img", &img);
    let len = img.len();
    let mut disks = disks(img);
    let (result, cost) = budget::measure(|| disks.search_menu());
    budget::assert_within(
        "looping FAT directory chain",
        len,
        cost,
        MIB,
        Duration::from_millis(200),
    );
    let failed = result.expect_err("no menu");
    all_unreadable(
        &failed,
        |e| matches!(e, FsError::Fat(pvgrub::fs::FatError::ChainLoop)),
        "FAT: a cluster chain loops",
    );
}

#[test]
fn many_lookups_on_one_mount_share_its_budget() {
    let _only = budget::exclusive();
    // Each lookup of `/vmlinuz` reads the whole 2 MiB root: after about twice the image
    // plus 64 MiB, the mount answers no more.
    let (img, _) = fat_with_a_loop();
    let len = img.len();
    let limit = pvgrub::fs::mount_work_limit(len as u64);
    let mut fs = Filesystem::open(MemDisk::new(img)).unwrap();
    let (results, cost) = budget::measure(|| {
        (0..200)
            .map(|_| fs.metadata(b"/vmlinuz").map(|m| m.len))
            .collect::<Vec<_>>()
    });
    budget::assert_within("many FAT lookups", len, cost, MIB, Duration::from_secs(1));
    let ok = results.iter().take_while(|r| r.is_ok()).count();
    assert_eq!(ok as u64, limit / (2 * MIB as u64));
    let err = results[ok].as_ref().unwrap_err();
    assert!(
        matches!(err, FsError::MountWork { limit: l } if *l == limit),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "the filesystem has read over {limit} bytes of directories since it was mounted \
             (twice its size plus 64 MiB); no more lookups on it"
        )
    );
    assert!(results[ok..].iter().all(Result::is_err));
}

#[test]
fn an_ext4_directory_linked_into_itself_behind_a_long_symlink() {
    let _only = budget::exclusive();
    // A linear (no dir_index) 320 KiB root directory of 20000 names, the last one pointed at
    // the root itself, and /boot a symlink to `N/N/.../N/x` (4000 bytes) through it: each
    // menu path under /boot walks the whole root once per component.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile_fs/ext4");
    let _ = std::fs::remove_dir_all(&dir);
    let src = dir.join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("vmlinuz"), KERNEL).unwrap();
    for i in 0..20_000 {
        std::fs::hard_link(src.join("vmlinuz"), src.join(format!("l{i:05}"))).unwrap();
    }
    let img = dir.join("fs.img");
    let out = Command::new("mkfs.ext4")
        .args([
            "-q",
            "-F",
            "-b",
            "4096",
            "-O",
            "^dir_index,^metadata_csum",
            "-d",
        ])
        .arg(&src)
        .arg(&img)
        .arg("64M")
        .output()
        .expect("mkfs.ext4 (e2fsprogs) must be installed");
    assert!(out.status.success(), "{out:?}");
    let name = link_last_root_entry_to_root(&img);
    let mut target = format!("{name}/").repeat(4000 / (name.len() + 1));
    target.push('x');
    debugfs(&["-w", "-R", &format!("symlink /boot {target}")], &img);
    let image = std::fs::read(&img).unwrap();
    save("ext4-dir-loop.img", &image);
    let len = image.len();
    let mut disks = disks(image);

    let through = format!("/{name}/{name}/l00000");
    let (results, cost) = budget::measure(|| {
        let kernel = disks.read_file(&hd0(), through.as_bytes(), MIB);
        (kernel, disks.search_menu())
    });
    budget::assert_within(
        "ext4 directory loop behind a long symlink",
        len,
        cost,
        4 * MIB,
        Duration::from_secs(1),
    );
    let (kernel, search) = results;
    assert_eq!(kernel.unwrap(), KERNEL);
    let failed = search.expect_err("no menu");
    let unreadable: Vec<String> = failed.tried.iter().map(ToString::to_string).collect();
    let want: Vec<String> = SEARCH_PATHS
        .iter()
        .filter(|(p, _)| p.starts_with("/boot/"))
        .map(|(p, _)| format!("(hd0): cannot read {p}: {LOOKUP_WORK}"))
        .collect();
    assert_eq!(unreadable, want);
}
