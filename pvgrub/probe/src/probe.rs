//! What pv-grub would boot from a disk image: its menu, the default entry and that entry's
//! kernel, read with pv-grub's own code (pvgrub::disk, fs, menu, image).

use std::path::Path;

use pvgrub::decompress::Compression;
use pvgrub::disk::{locate, DiskError, Partition, PartitionKind, PartitionTable, TableKind};
use pvgrub::fs::{FileSystem, Filesystem, FsError};
use pvgrub::image::{self, Format, PvParams, XenNotes};
use pvgrub::layout::{
    builder_module_len, DomainConfig, KernelPlacement, Layout, SIF_VIRT_P2M_4TOOLS,
};
use pvgrub::menu::{
    grubenv_saved_entry, saved_default_path, saved_default_value, DefaultEntry, Device, Entry,
    Menu, MenuFormat, MenuLocation, MAX_MENU_BYTES, SEARCH_PATHS,
};

use crate::error::{Miss, ProbeError};
use crate::file_disk::FileDisk;

/// The biggest kernel file read.
const MAX_KERNEL_BYTES: usize = 256 << 20;
/// The biggest saved-default file read (`default` or `grubenv`).
const MAX_SAVED_BYTES: usize = 64 << 10;

/// A filesystem on the probed disk.
type Fs = Filesystem<Partition<FileDisk>>;

/// The kernel of the chosen entry.
#[derive(Debug)]
pub struct KernelReport {
    /// Where it was read from, `(hd0,0)/boot/vmlinuz`.
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
    /// Where the menu is, `(hd0,0)/boot/grub/menu.lst`.
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

/// The disk under probe: `(hd0)`.
struct Disk<'a> {
    path: &'a Path,
}

impl Disk<'_> {
    fn open(&self) -> Result<FileDisk, ProbeError> {
        FileDisk::open(self.path).map_err(|e| ProbeError::Open(self.path.into(), e))
    }

    /// Mounts the filesystem on `dev`.
    fn mount(&self, dev: &Device) -> Result<Fs, ProbeError> {
        let partition = match dev {
            Device::Disk {
                drive: 0,
                partition,
                bsd_slice: None,
            } => *partition,
            other => return Err(ProbeError::Unsupported(other.clone())),
        };
        let mut disk = self.open()?;
        let window = locate(&mut disk, partition).map_err(|e| ProbeError::Disk(dev.clone(), e))?;
        let part = Partition::new(disk, window)
            .map_err(|e| ProbeError::Disk(dev.clone(), DiskError::Io(e)))?;
        Fs::open(part).map_err(|e| ProbeError::Mount(dev.clone(), e))
    }

    /// The devices the default search tries: each partition, or the whole disk.
    fn devices(&self) -> Result<Vec<Device>, ProbeError> {
        let whole = hd0(None);
        let table = PartitionTable::read(&mut self.open()?)
            .map_err(|e| ProbeError::Disk(whole.clone(), e))?;
        if table.kind() == TableKind::None {
            return Ok(vec![whole]);
        }
        Ok(table
            .entries()
            .iter()
            .filter(|e| e.kind != PartitionKind::MbrExtended)
            .map(|e| hd0(Some(e.number)))
            .collect())
    }
}

fn hd0(partition: Option<u32>) -> Device {
    Device::Disk {
        drive: 0,
        partition,
        bsd_slice: None,
    }
}

/// A menu found on the disk: where, its text, its format and the filesystem it is on.
struct Found {
    device: Device,
    path: String,
    format: MenuFormat,
    text: Vec<u8>,
    fs: Fs,
}

/// Finds the menu: at `location` if given, else pygrub's search over the partitions.
fn find_menu(disk: &Disk, location: Option<MenuLocation>) -> Result<Found, ProbeError> {
    if let Some(location) = location {
        let format = location.format();
        let MenuLocation::Disk { device, path } = location else {
            return Err(ProbeError::NotOnDisk(location));
        };
        let mut fs = disk.mount(&device)?;
        let text = fs
            .read_file(&path, MAX_MENU_BYTES)
            .map_err(|e| ProbeError::Read(format!("{device}{path}"), e))?;
        return Ok(Found {
            device,
            path,
            format,
            text,
            fs,
        });
    }
    let mut tried = Vec::new();
    for device in disk.devices()? {
        let mut fs = match disk.mount(&device) {
            Ok(fs) => fs,
            Err(ProbeError::Mount(_, e)) => {
                tried.push((device, Miss::NoFilesystem(e)));
                continue;
            }
            Err(e) => return Err(e),
        };
        let mut miss = Miss::NoMenuFile;
        for &(path, format) in SEARCH_PATHS {
            match fs.read_file(path, MAX_MENU_BYTES) {
                Ok(text) => {
                    return Ok(Found {
                        device,
                        path: path.into(),
                        format,
                        text,
                        fs,
                    })
                }
                Err(FsError::NotFound | FsError::NotADirectory) => {}
                Err(e) => {
                    if matches!(miss, Miss::NoMenuFile) {
                        miss = Miss::Unreadable(path, e);
                    }
                }
            }
        }
        tried.push((device, miss));
    }
    Err(ProbeError::NoMenu(tried))
}

/// The saved entry for `default saved`: GRUB legacy's `default` file, GRUB 2's `grubenv`,
/// next to the menu.
fn saved_entry(found: &mut Found, menu: &Menu) -> Option<usize> {
    if menu.default != DefaultEntry::Saved {
        return None;
    }
    match menu.format {
        MenuFormat::MenuLst => {
            let file = found
                .fs
                .read_file(&saved_default_path(&found.path), MAX_SAVED_BYTES)
                .ok()?;
            saved_default_value(&file)
        }
        MenuFormat::GrubCfg => {
            let dir = found.path.rfind('/').map_or("", |i| &found.path[..=i]);
            let env = found
                .fs
                .read_file(&format!("{dir}grubenv"), MAX_SAVED_BYTES)
                .ok()?;
            menu.find_entry(&grubenv_saved_entry(&env)?)
        }
    }
}

/// Reads and loads the kernel of `entry`; a path without a device is on `menu_device`.
fn load_kernel(
    disk: &Disk,
    menu_device: &Device,
    entry: &Entry,
) -> Result<KernelReport, ProbeError> {
    let file = entry
        .kernel
        .as_ref()
        .ok_or_else(|| ProbeError::NoKernel(entry.title.clone()))?;
    let device = file.device.clone().unwrap_or_else(|| menu_device.clone());
    let name = format!("{device}{}", file.path);
    let bytes = disk
        .mount(&device)?
        .read_file(&file.path, MAX_KERNEL_BYTES)
        .map_err(|e| ProbeError::Read(name.clone(), e))?;
    let image = image::load(&bytes, &image::Limits::DEFAULT)
        .map_err(|e| ProbeError::Image(name.clone(), e))?;
    let placement = KernelPlacement::from_image(&image);
    Ok(KernelReport {
        file: name,
        size: bytes.len(),
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
    disk: &Disk,
    menu_device: &Device,
    entry: &Entry,
    kernel: &KernelReport,
    memory_mib: u64,
) -> Result<Layout, ProbeError> {
    let module_len = match entry.initrd() {
        Some(file) => {
            let device = file.device.clone().unwrap_or_else(|| menu_device.clone());
            let bytes = disk
                .mount(&device)?
                .read_file(&file.path, MAX_KERNEL_BYTES)
                .map_err(|e| ProbeError::Read(format!("{device}{}", file.path), e))?;
            Some(builder_module_len(&bytes))
        }
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
    let disk = Disk { path: disk_path };
    let location = menu_path
        .map(|p| MenuLocation::from_cmdline(p, false))
        .transpose()
        .map_err(ProbeError::MenuPath)?;
    let mut found = find_menu(&disk, location)?;
    let menu_at = format!("{}{}", found.device, found.path);
    let menu =
        Menu::parse(&found.text, found.format).map_err(|e| ProbeError::Menu(menu_at.clone(), e))?;
    let saved = saved_entry(&mut found, &menu);
    let default = menu.default_index(saved);
    let entry = default.and_then(|i| menu.entries.get(i));
    let kernel = entry.map(|e| load_kernel(&disk, &found.device, e));
    let layout = match (entry, &kernel, memory_mib) {
        (Some(e), Some(Ok(k)), Some(mib)) => Some(layout(&disk, &found.device, e, k, mib)),
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
