//! Why a disk could not be probed, as text a person reads.

use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use pvgrub::boot::{FileError, KernelError, SearchFailed};
use pvgrub::layout::LayoutError;
use pvgrub::menu::{MenuError, MenuLocation, MenuLocationError, Text};
use pvgrub::text::{escape, escape_controls};

/// Why the disk could not be probed. The file names it holds are as shown
/// ([`crate::output::file_name`]: escaped); its `Display` escapes the rest of what it quotes.
#[derive(Debug)]
pub enum ProbeError {
    /// The disk image could not be opened.
    Open(PathBuf, std::io::Error),
    /// A file could not be read (or its device opened).
    Read(FileError),
    /// The menu path is not one pv-grub can read from a disk.
    MenuPath(MenuLocationError),
    /// The menu path names the network or DHCP.
    NotOnDisk(MenuLocation),
    /// The default search found no menu; what each device had.
    NoMenu(SearchFailed),
    /// The menu (this file) does not parse.
    Menu(String, MenuError),
    /// The chosen entry has no kernel.
    NoKernel {
        /// The menu file.
        menu: String,
        /// The entry's index in the menu.
        index: usize,
        /// Its title, as the menu wrote it.
        title: Text,
    },
    /// The kernel cannot be read, or is not one pv-grub can boot.
    Kernel(KernelError),
    /// The kernel and initrd cannot be laid out in the domain's memory.
    Layout(LayoutError),
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeError::Open(p, e) => {
                write!(f, "cannot open {}: {e}", escape(p.as_os_str().as_bytes()))
            }
            ProbeError::Read(e) => write!(f, "cannot read {e}"),
            ProbeError::MenuPath(e) => write!(f, "bad menu path: {e}"),
            ProbeError::NotOnDisk(l) => {
                write!(
                    f,
                    "menu {} is not on a disk",
                    escape_controls(&l.to_string())
                )
            }
            ProbeError::NoMenu(e) => write!(f, "{e}"),
            ProbeError::Menu(p, e) => write!(f, "{p}: {e}"),
            ProbeError::NoKernel { menu, index, title } => {
                write!(f, "{menu}: entry {index} (\"{title}\") has no kernel")
            }
            ProbeError::Kernel(e) => write!(f, "{e}"),
            ProbeError::Layout(e) => write!(f, "layout: {e}"),
        }
    }
}

impl From<KernelError> for ProbeError {
    fn from(e: KernelError) -> Self {
        ProbeError::Kernel(e)
    }
}

impl From<FileError> for ProbeError {
    fn from(e: FileError) -> Self {
        ProbeError::Read(e)
    }
}

impl std::error::Error for ProbeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProbeError::Open(_, e) => Some(e),
            ProbeError::Read(e) => Some(e),
            ProbeError::NoMenu(e) => Some(e),
            ProbeError::MenuPath(e) => Some(e),
            ProbeError::Menu(_, e) => Some(e),
            ProbeError::Kernel(e) => Some(e),
            ProbeError::Layout(e) => Some(e),
            ProbeError::NotOnDisk(_) | ProbeError::NoKernel { .. } => None,
        }
    }
}
