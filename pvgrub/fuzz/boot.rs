//! The `boot` target: what pv-grub (and pvgrub-probe) does with a whole guest disk, the input
//! being the disk image. Find the menu (pygrub's search, or the place a command line names),
//! parse it, take the saved default, then load the kernel of each entry in boot order until
//! one loads, read its initrd and lay out a domain for it. Every message shown on the way (each
//! error's and each log record's `Display`) must come out escaped.

use std::rc::Rc;

use pvgrub::boot::{Disks, FoundMenu};
use pvgrub::disk::MemDisk;
use pvgrub::layout::{builder_module_len, DomainConfig, KernelPlacement, Layout};
use pvgrub::menu::{FilePath, Menu, MenuLocation};
use pvgrub::text::escape;

use super::{check_kernel, shown};

/// Kernel bounds small enough that one input stays well inside the fuzzer's 256 MiB RSS
/// limit and 2 s timeout.
const LIMITS: pvgrub::image::Limits = pvgrub::image::Limits {
    decompress: pvgrub::decompress::Limits {
        max_output: 32 << 20,
        max_window: 8 << 20,
    },
    max_span: 256 << 20,
};
/// The largest initrd read.
const MAX_INITRD: usize = 1 << 20;
/// Entries of the boot order tried at most (the default and two fallbacks).
const MAX_TRIES: usize = 3;
/// Memory of the domain laid out for a loaded kernel: 256 MiB.
const DOMAIN_PAGES: u64 = 256 * 256;

type Disk = MemDisk<Rc<[u8]>>;

/// Boots from `data`, a disk image. An image whose first byte is `(` or `-` names the menu's
/// place on its first line, as pv-grub's command line does (the first sector's first bytes
/// are boot code a partition table and most filesystems leave alone).
pub fn run(data: &[u8]) {
    let mut disks = Disks::new(vec![MemDisk::new(Rc::<[u8]>::from(data))]);
    let Some(found) = find_menu(&mut disks, data) else {
        return;
    };
    for attempt in &found.passed_over {
        shown(attempt);
    }
    shown(&format_args!("{}{}", found.device, escape(&found.path)));
    let menu = match Menu::parse(&found.text, found.format) {
        Ok(menu) => menu,
        Err(e) => return shown(&e),
    };
    let saved = disks.saved_entry(&found, &menu);
    let order = menu.boot_order(saved);
    assert_eq!(menu.default_index(saved), order.first().copied());
    for &index in order.iter().take(MAX_TRIES) {
        let entry = menu
            .entries
            .get(index)
            .expect("boot order within the entries");
        shown(&entry.title);
        shown(&entry.args);
        let Some(kernel) = &entry.kernel else {
            continue;
        };
        shown(kernel);
        if boot_entry(&mut disks, &found, kernel, entry.initrd()) {
            break;
        }
    }
}

/// The menu, at the place the input's first line names or else by pygrub's search; `None`
/// (after showing why) if there is none.
fn find_menu(disks: &mut Disks<Disk>, data: &[u8]) -> Option<FoundMenu> {
    let found = match data.first() {
        Some(b'(' | b'-') => {
            let line = data[..data.len().min(256)].split(|&b| b == b'\n').next()?;
            let location = MenuLocation::from_cmdline(line, false)
                .map_err(|e| shown(&e))
                .ok()?;
            shown(&location);
            let MenuLocation::Disk { device, path } = location else {
                return None;
            };
            disks.read_menu(&device, &path).map_err(|e| shown(&e))
        }
        _ => disks.search_menu().map_err(|e| shown(&e)),
    };
    found.ok()
}

/// Loads `kernel`, reads `initrd` and lays out a domain for them, as pv-grub would before
/// booting; whether the kernel loaded.
fn boot_entry(
    disks: &mut Disks<Disk>,
    found: &FoundMenu,
    kernel: &FilePath,
    initrd: Option<FilePath>,
) -> bool {
    let loaded = match disks.load_kernel(&found.device, kernel, &LIMITS) {
        Ok(loaded) => loaded,
        Err(e) => {
            shown(&e);
            return false;
        }
    };
    shown(&loaded.device);
    check_kernel(&loaded.image, &LIMITS);
    let module_len = initrd.and_then(|file| {
        shown(&file);
        match disks.read_entry_file(&found.device, &file, MAX_INITRD) {
            Ok(bytes) => {
                assert!(bytes.len() <= MAX_INITRD);
                Some(builder_module_len(&bytes))
            }
            Err(e) => {
                shown(&e);
                None
            }
        }
    });
    let domain = DomainConfig {
        nr_pages: DOMAIN_PAGES,
        module_len,
        flags: pvgrub::layout::SIF_VIRT_P2M_4TOOLS,
    };
    if let Err(e) = Layout::new(&KernelPlacement::from_image(&loaded.image), &domain) {
        shown(&e);
    }
    true
}
