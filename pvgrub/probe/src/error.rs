//! Why a disk could not be probed, as text a person reads.

use std::fmt;
use std::path::PathBuf;

use pvgrub::disk::DiskError;
use pvgrub::fs::FsError;
use pvgrub::image::ImageError;
use pvgrub::layout::LayoutError;
use pvgrub::menu::{Device, MenuError, MenuLocation, MenuLocationError, SEARCH_PATHS};

/// Why a device was passed over in the menu search.
#[derive(Debug)]
pub enum Miss {
    /// No filesystem pv-grub reads (or not one it could mount).
    NoFilesystem(FsError),
    /// A filesystem without any of the menu files.
    NoMenuFile,
    /// A menu file that is there but cannot be read (the first such one).
    Unreadable(&'static str, FsError),
}

impl fmt::Display for Miss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Miss::NoFilesystem(FsError::Unrecognised) => f.write_str("no filesystem"),
            Miss::NoFilesystem(e) => write!(f, "cannot mount: {e}"),
            Miss::NoMenuFile => f.write_str("no menu file"),
            Miss::Unreadable(path, e) => write!(f, "cannot read {path}: {e}"),
        }
    }
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
            ProbeError::Disk(d, e) => write!(f, "{d}: {e}"),
            ProbeError::Mount(d, e) => write!(f, "{d}: cannot mount: {e}"),
            ProbeError::Read(p, e) => write!(f, "cannot read {p}: {e}"),
            ProbeError::MenuPath(e) => write!(f, "bad menu path: {e}"),
            ProbeError::NotOnDisk(l) => write!(f, "menu {l} is not on a disk"),
            ProbeError::Unsupported(d) => write!(f, "device {d} is not the disk given"),
            ProbeError::NoMenu(tried) => {
                f.write_str("no menu found")?;
                let names: Vec<&str> = SEARCH_PATHS.iter().map(|(p, _)| *p).collect();
                write!(f, " (looked for {})", names.join(", "))?;
                for (dev, miss) in tried {
                    write!(f, "; {dev}: {miss}")?;
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

impl std::error::Error for ProbeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProbeError::Open(_, e) => Some(e),
            ProbeError::Disk(_, e) => Some(e),
            ProbeError::Mount(_, e) | ProbeError::Read(_, e) => Some(e),
            ProbeError::MenuPath(e) => Some(e),
            ProbeError::Menu(_, e) => Some(e),
            ProbeError::Image(_, e) => Some(e),
            ProbeError::Layout(e) => Some(e),
            ProbeError::NotOnDisk(_)
            | ProbeError::Unsupported(_)
            | ProbeError::NoMenu(_)
            | ProbeError::NoKernel(_) => None,
        }
    }
}
