//! What pv-grub would boot from a disk image: its menu, the default entry and that entry's
//! kernel, read with pv-grub's own code (pvgrub::boot, disk, fs, menu, image).

use std::path::Path;

use pvgrub::boot::{Disks, FileError, FileErrorKind};
use pvgrub::decompress::Compression;
use pvgrub::fs::FsError;
use pvgrub::image::{self, Format, LoadError, PvParams, XenNotes};
use pvgrub::layout::{
    builder_module_len, DomainConfig, KernelPlacement, Layout, SIF_VIRT_P2M_4TOOLS,
};
use pvgrub::menu::{
    grubenv_saved_entry, saved_default_path, saved_default_value, DefaultEntry, Device, Entry,
    Menu, MenuFormat, MenuLocation, Text, MAX_MENU_BYTES,
};

use crate::error::ProbeError;
use crate::file_disk::FileDisk;
use crate::output::file_name;

/// The biggest kernel file read.
const MAX_KERNEL_BYTES: usize = 256 << 20;
/// The biggest saved-default file read (`default` or `grubenv`).
const MAX_SAVED_BYTES: usize = 64 << 10;

/// The kernel of the chosen entry.
#[derive(Debug)]
pub struct KernelReport {
    /// Where it was read from, `(hd0,0)/boot/vmlinuz`, as shown (escaped).
    pub file: String,
    /// Its size in bytes.
    pub size: usize,
    /// Its container.
    pub format: Format,
    /// The compression of its payload or file.
    pub compression: Option<Compression>,
    /// Its Xen notes.
    pub notes: XenNotes,
    /// Where Xen places it.
    pub params: PvParams,
    /// What the domain layout needs of it.
    pub placement: KernelPlacement,
}

/// What the probe found.
#[derive(Debug)]
pub struct Report {
    /// Where the menu is, `(hd0,0)/boot/grub/menu.lst`, as shown (escaped).
    pub menu_at: String,
    /// The menu.
    pub menu: Menu,
    /// The entry pv-grub boots (`None`: the menu has no entries).
    pub default: Option<usize>,
    /// That entry's kernel, or why it cannot be booted.
    pub kernel: Option<Result<KernelReport, ProbeError>>,
    /// The domain layout for that kernel and its initrd, when a memory size was given.
    pub layout: Option<Result<Layout, ProbeError>>,
}

/// A menu found on the disk: where, its text and its format.
struct Found {
    device: Device,
    path: Text,
    format: MenuFormat,
    text: Vec<u8>,
}

/// Finds the menu: at `location` if given, else pygrub's search over the partitions.
fn find_menu(
    disks: &mut Disks<FileDisk>,
    location: Option<MenuLocation>,
) -> Result<Found, ProbeError> {
    let Some(location) = location else {
        let found = disks.search_menu().map_err(ProbeError::NoMenu)?;
        return Ok(Found {
            device: found.device,
            path: found.path.into(),
            format: found.format,
            text: found.text,
        });
    };
    let format = location.format();
    let MenuLocation::Disk { device, path } = location else {
        return Err(ProbeError::NotOnDisk(location));
    };
    let text = disks.read_file(&device, path.as_ref(), MAX_MENU_BYTES)?;
    Ok(Found {
        device,
        path,
        format,
        text,
    })
}

/// The saved entry for `default saved`: GRUB legacy's `default` file, GRUB 2's `grubenv`,
/// next to the menu. Without one (or with one naming no entry), entry 0 is the default, as in
/// GRUB; why is logged as info.
fn saved_entry(disks: &mut Disks<FileDisk>, found: &Found, menu: &Menu) -> Option<usize> {
    if menu.default != DefaultEntry::Saved {
        return None;
    }
    let path = match menu.format {
        MenuFormat::MenuLst => saved_default_path(&found.path),
        MenuFormat::GrubCfg => {
            let dir_end = found
                .path
                .as_bytes()
                .iter()
                .rposition(|&b| b == b'/')
                .map_or(0, |i| i + 1);
            Text::from([&found.path.as_bytes()[..dir_end], b"grubenv"].concat())
        }
    };
    let file = match disks.read_file(&found.device, &path, MAX_SAVED_BYTES) {
        Ok(file) => file,
        Err(e) => {
            log::info!("default saved: cannot read {e}; entry 0 is the default");
            return None;
        }
    };
    let saved = match menu.format {
        MenuFormat::MenuLst => saved_default_value(&file),
        MenuFormat::GrubCfg => grubenv_saved_entry(&file).and_then(|name| menu.find_entry(&name)),
    };
    if saved.is_none() {
        log::info!(
            "default saved: {} names no entry; entry 0 is the default",
            file_name(Some(&found.device), path.as_bytes())
        );
    }
    saved
}

/// Reads `file` of an entry (a path without a device is on `menu_device`): its name as shown,
/// and its bytes.
fn read_entry_file(
    disks: &mut Disks<FileDisk>,
    menu_device: &Device,
    file: &pvgrub::menu::FilePath,
) -> Result<(String, Vec<u8>), FileError> {
    let device = file.device.clone().unwrap_or_else(|| menu_device.clone());
    let bytes = disks.read_file(&device, file.path.as_ref(), MAX_KERNEL_BYTES)?;
    Ok((file_name(Some(&device), file.path.as_bytes()), bytes))
}

/// Reads and loads the kernel of entry `index` of the menu shown as `menu_at`; a path without
/// a device is on `menu_device`.
fn load_kernel(
    disks: &mut Disks<FileDisk>,
    (menu_device, menu_at): (&Device, &str),
    index: usize,
    entry: &Entry,
) -> Result<KernelReport, ProbeError> {
    let file = entry.kernel.as_ref().ok_or_else(|| ProbeError::NoKernel {
        menu: menu_at.to_string(),
        index,
        title: entry.title.clone(),
    })?;
    let device = file.device.clone().unwrap_or_else(|| menu_device.clone());
    let name = file_name(Some(&device), file.path.as_bytes());
    // Read front to back and unpacked as it is read: the file is never held whole.
    let kernel = disks.open_file(&device, file.path.as_ref())?;
    let size = kernel.len();
    if size > MAX_KERNEL_BYTES as u64 {
        return Err(ProbeError::Read(FileError {
            device,
            path: file.path.as_bytes().to_vec(),
            kind: FileErrorKind::Read(FsError::TooLarge {
                len: size,
                max: MAX_KERNEL_BYTES,
            }),
        }));
    }
    let image = image::load_from(kernel, size, &image::Limits::DEFAULT).map_err(|e| match e {
        LoadError::Source(e) => ProbeError::Read(e),
        LoadError::Image(e) => ProbeError::Image(name.clone(), e),
    })?;
    let placement = KernelPlacement::from_image(&image);
    Ok(KernelReport {
        file: name,
        size: size as usize,
        format: image.format,
        compression: image.compression,
        notes: image.notes,
        params: image.params,
        placement,
    })
}

/// The layout of a domain of `memory_mib` MiB for `kernel` and `entry`'s initrd, with the
/// flags `xl create` gives a domU.
fn layout(
    disks: &mut Disks<FileDisk>,
    menu_device: &Device,
    entry: &Entry,
    kernel: &KernelReport,
    memory_mib: u64,
) -> Result<Layout, ProbeError> {
    let module_len = match entry.initrd() {
        Some(file) => Some(builder_module_len(
            &read_entry_file(disks, menu_device, &file)?.1,
        )),
        None => None,
    };
    let domain = DomainConfig {
        nr_pages: memory_mib.saturating_mul(256),
        module_len,
        flags: SIF_VIRT_P2M_4TOOLS,
    };
    Layout::new(&kernel.placement, &domain).map_err(ProbeError::Layout)
}

/// Probes `disk_path`; `menu_path` is a GRUB file name as in xl's `extra`; with
/// `memory_mib`, also lays out a domain of that size for the default entry.
pub fn probe(
    disk_path: &Path,
    menu_path: Option<&str>,
    memory_mib: Option<u64>,
) -> Result<Report, ProbeError> {
    let disk = FileDisk::open(disk_path).map_err(|e| ProbeError::Open(disk_path.into(), e))?;
    let mut disks = Disks::new(vec![disk]);
    let location = menu_path
        .map(|p| MenuLocation::from_cmdline(p, false))
        .transpose()
        .map_err(ProbeError::MenuPath)?;
    let found = find_menu(&mut disks, location)?;
    let menu_at = file_name(Some(&found.device), &found.path);
    let menu =
        Menu::parse(&found.text, found.format).map_err(|e| ProbeError::Menu(menu_at.clone(), e))?;
    let saved = saved_entry(&mut disks, &found, &menu);
    let default = menu.default_index(saved);
    let entry = default.and_then(|i| Some((i, menu.entries.get(i)?)));
    let kernel = entry
        .as_ref()
        .map(|(i, e)| load_kernel(&mut disks, (&found.device, &menu_at), *i, e));
    let layout = match (entry.as_ref(), &kernel, memory_mib) {
        (Some((_, e)), Some(Ok(k)), Some(mib)) => {
            Some(layout(&mut disks, &found.device, e, k, mib))
        }
        _ => None,
    };
    Ok(Report {
        menu_at,
        menu,
        default,
        kernel,
        layout,
    })
}
