//! What pv-grub would boot from a disk image: its menu, the default entry and that entry's
//! kernel, read with pv-grub's own code (pvgrub::disk, fs, menu, image).

use std::fmt;
use std::path::{Path, PathBuf};

use pvgrub::decompress::Compression;
use pvgrub::disk::{locate, DiskError, Partition, PartitionKind, PartitionTable, TableKind};
use pvgrub::fs::{FileSystem, Filesystem, FsError};
use pvgrub::image::{self, Format, ImageError, PvParams, XenNotes};
use pvgrub::layout::{
    builder_module_len, DomainConfig, KernelPlacement, Layout, LayoutError, SIF_VIRT_P2M_4TOOLS,
};
use pvgrub::menu::{
    grubenv_saved_entry, saved_default_path, saved_default_value, DefaultEntry, Device, Entry,
    Menu, MenuError, MenuFormat, MenuLocation, MenuLocationError, MAX_MENU_BYTES, SEARCH_PATHS,
};

use crate::file_disk::FileDisk;

/// The biggest kernel file read.
const MAX_KERNEL_BYTES: usize = 256 << 20;
/// The biggest saved-default file read (`default` or `grubenv`).
const MAX_SAVED_BYTES: usize = 64 << 10;

/// A filesystem on the probed disk.
type Fs = Filesystem<Partition<FileDisk>>;

/// Why a device was passed over in the menu search.
#[derive(Debug)]
pub enum Miss {
    /// No filesystem pv-grub reads (or not one it could mount).
    NoFilesystem(FsError),
    /// A filesystem without any of the menu files.
    NoMenuFile,
}

/// Why the disk could not be probed.
#[derive(Debug)]
pub enum ProbeError {
    /// The disk image could not be opened.
    Open(PathBuf, std::io::Error),
    /// The partition table is broken, or the partition does not exist.
    Disk(Device, DiskError),
    /// The device holds no filesystem pv-grub can mount.
    Mount(Device, FsError),
    /// A file could not be read.
    Read(String, FsError),
    /// The menu path is not one pv-grub can read from a disk.
    MenuPath(MenuLocationError),
    /// The menu path names the network or DHCP.
    NotOnDisk(MenuLocation),
    /// A device other than the one disk given, or a BSD slice.
    Unsupported(Device),
    /// The default search found no menu; what each device had.
    NoMenu(Vec<(Device, Miss)>),
    /// The menu does not parse.
    Menu(String, MenuError),
    /// The chosen entry has no kernel.
    NoKernel(String),
    /// The kernel is not one pv-grub can boot.
    Image(String, ImageError),
    /// The kernel and initrd cannot be laid out in the domain's memory.
    Layout(LayoutError),
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeError::Open(p, e) => write!(f, "cannot open {}: {e}", p.display()),
            ProbeError::Disk(d, e) => write!(f, "{d}: {e:?}"),
            ProbeError::Mount(d, e) => write!(f, "{d}: cannot mount: {e:?}"),
            ProbeError::Read(p, e) => write!(f, "cannot read {p}: {e:?}"),
            ProbeError::MenuPath(e) => write!(f, "bad menu path: {e}"),
            ProbeError::NotOnDisk(l) => write!(f, "menu {l} is not on a disk"),
            ProbeError::Unsupported(d) => write!(f, "device {d} is not the disk given"),
            ProbeError::NoMenu(tried) => {
                f.write_str("no menu found")?;
                let names: Vec<&str> = SEARCH_PATHS.iter().map(|(p, _)| *p).collect();
                write!(f, " (looked for {})", names.join(", "))?;
                for (dev, miss) in tried {
                    match miss {
                        Miss::NoFilesystem(e) => write!(f, "; {dev}: no filesystem ({e:?})")?,
                        Miss::NoMenuFile => write!(f, "; {dev}: no menu file")?,
                    }
                }
                if tried.is_empty() {
                    f.write_str("; the disk has no partitions")?;
                }
                Ok(())
            }
            ProbeError::Menu(p, e) => write!(f, "{p}: {e}"),
            ProbeError::NoKernel(t) => write!(f, "entry \"{t}\" has no kernel"),
            ProbeError::Image(p, e) => write!(f, "{p}: {e}"),
            ProbeError::Layout(e) => write!(f, "layout: {e}"),
        }
    }
}

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
        for &(path, format) in SEARCH_PATHS {
            if let Ok(text) = fs.read_file(path, MAX_MENU_BYTES) {
                return Ok(Found {
                    device,
                    path: path.into(),
                    format,
                    text,
                    fs,
                });
            }
        }
        tried.push((device, Miss::NoMenuFile));
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
