//! What pv-grub would boot from a disk image: its menu, the default entry and that entry's
//! kernel, read with pv-grub's own code (pvgrub::boot, disk, fs, menu, image).

use std::path::Path;

use pvgrub::boot::{Disks, FoundMenu, MAX_KERNEL_FILE};
use pvgrub::decompress::Compression;
use pvgrub::image::{self, Format, PvParams, XenNotes};
use pvgrub::layout::{
    builder_module_len, DomainConfig, KernelPlacement, Layout, SIF_VIRT_P2M_4TOOLS,
};
use pvgrub::menu::{Device, Entry, Menu, MenuLocation};

use crate::error::ProbeError;
use crate::file_disk::FileDisk;
use crate::output::file_name;

/// The kernel of the chosen entry.
#[derive(Debug)]
pub struct KernelReport {
    /// Where it was read from, `(hd0,0)/boot/vmlinuz`, as shown (escaped).
    pub file: String,
    /// Its size in bytes.
    pub size: u64,
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

/// Finds the menu: at `location` if given, else pygrub's search over the partitions.
fn find_menu(
    disks: &mut Disks<FileDisk>,
    location: Option<MenuLocation>,
) -> Result<FoundMenu, ProbeError> {
    let Some(location) = location else {
        return disks.search_menu().map_err(ProbeError::NoMenu);
    };
    let MenuLocation::Disk { device, path } = location else {
        return Err(ProbeError::NotOnDisk(location));
    };
    Ok(disks.read_menu(&device, &path)?)
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
    let kernel = disks.load_kernel(menu_device, file, &image::Limits::DEFAULT)?;
    let image = kernel.image;
    Ok(KernelReport {
        file: file_name(Some(&kernel.device), file.path.as_bytes()),
        size: kernel.file_len,
        format: image.format,
        compression: image.compression,
        placement: KernelPlacement::from_image(&image),
        notes: image.notes,
        params: image.params,
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
        Some(file) => Some(builder_module_len(&disks.read_entry_file(
            menu_device,
            &file,
            MAX_KERNEL_FILE,
        )?)),
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
    let saved = disks.saved_entry(&found, &menu);
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
