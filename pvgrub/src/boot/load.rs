//! What pv-grub reads for the menu it found: the menu at a given place, the saved default
//! entry, and an entry's kernel (unpacked as it is read) and initrd.

use alloc::vec::Vec;
use core::fmt;

use super::disks::Disks;
use super::error::{FileError, FileErrorKind};
use super::search::FoundMenu;
use crate::disk::BlockDevice;
use crate::fs::FsError;
use crate::image::{self, ImageError, KernelImage, LoadError};
use crate::menu::{
    grubenv_saved_entry, saved_default_path, saved_default_value, DefaultEntry, Device, FilePath,
    Menu, MenuFormat, Text, MAX_MENU_BYTES,
};
use crate::text::escape;

/// The biggest kernel file read (compressed or not).
pub const MAX_KERNEL_FILE: usize = 256 << 20;
/// The biggest saved-default file read (`default` or `grubenv`).
pub const MAX_SAVED_FILE: usize = 64 << 10;

/// Why an entry's kernel cannot be loaded.
#[derive(Debug)]
pub enum KernelError {
    /// The file could not be read (or its device opened, or it is too large).
    Read(FileError),
    /// The file is not a kernel pv-grub can boot.
    Image {
        /// The file, `(hd0,0)/boot/vmlinuz`, as the entry names it.
        device: Device,
        /// Its path.
        path: Text,
        /// Why.
        error: ImageError,
    },
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read(e) => write!(f, "cannot read {e}"),
            Self::Image {
                device,
                path,
                error,
            } => write!(f, "{device}{}: {error}", escape(path.as_bytes())),
        }
    }
}

impl core::error::Error for KernelError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Read(e) => Some(e),
            Self::Image { error, .. } => Some(error),
        }
    }
}

/// A kernel loaded from a disk.
#[derive(Debug)]
pub struct LoadedKernel {
    /// The device it was read from.
    pub device: Device,
    /// The size of the file in bytes.
    pub file_len: u64,
    /// The unpacked image.
    pub image: KernelImage<'static>,
}

impl<D: BlockDevice + Clone + 'static> Disks<D> {
    /// The menu at `path` on `device` (a GRUB file name's parts), in the syntax its name
    /// implies (`*.cfg` is grub.cfg).
    pub fn read_menu(&mut self, device: &Device, path: &Text) -> Result<FoundMenu, FileError> {
        let text = self.read_file(device, path, MAX_MENU_BYTES)?;
        Ok(FoundMenu {
            device: device.clone(),
            path: path.clone(),
            format: MenuFormat::from_path(path),
            text,
            passed_over: Vec::new(),
        })
    }

    /// The entry `default saved` means: GRUB legacy's `default` file or GRUB 2's `grubenv`,
    /// next to the menu. `None` (entry 0 then, as in GRUB) if the menu does not ask for it,
    /// or the file is missing or names no entry (logged as info).
    pub fn saved_entry(&mut self, found: &FoundMenu, menu: &Menu) -> Option<usize> {
        if menu.default != DefaultEntry::Saved {
            return None;
        }
        let path = match menu.format {
            MenuFormat::MenuLst => saved_default_path(&found.path),
            MenuFormat::GrubCfg => {
                let bytes = found.path.as_bytes();
                let dir_end = bytes.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
                Text::from([&bytes[..dir_end], b"grubenv"].concat())
            }
        };
        let file = match self.read_file(&found.device, &path, MAX_SAVED_FILE) {
            Ok(file) => file,
            Err(e) => {
                log::info!("default saved: cannot read {e}; entry 0 is the default");
                return None;
            }
        };
        let saved = match menu.format {
            MenuFormat::MenuLst => saved_default_value(&file),
            MenuFormat::GrubCfg => grubenv_saved_entry(&file).and_then(|n| menu.find_entry(&n)),
        };
        if saved.is_none() {
            log::info!(
                "default saved: {}{} names no entry; entry 0 is the default",
                found.device,
                escape(path.as_bytes())
            );
        }
        saved
    }

    /// Reads and unpacks the kernel `file` of an entry (a path without a device is on
    /// `menu_device`), streaming: the file is unpacked as it is read, never held whole.
    pub fn load_kernel(
        &mut self,
        menu_device: &Device,
        file: &FilePath,
        limits: &image::Limits,
    ) -> Result<LoadedKernel, KernelError> {
        let device = file.device.clone().unwrap_or_else(|| menu_device.clone());
        let reader = self
            .open_file(&device, &file.path)
            .map_err(KernelError::Read)?;
        let file_len = reader.len();
        if file_len > MAX_KERNEL_FILE as u64 {
            return Err(KernelError::Read(FileError {
                device,
                path: file.path.as_bytes().to_vec(),
                kind: FileErrorKind::Read(FsError::TooLarge {
                    len: file_len,
                    max: MAX_KERNEL_FILE,
                }),
            }));
        }
        match image::load_from(reader, file_len, limits) {
            Ok(image) => Ok(LoadedKernel {
                device,
                file_len,
                image,
            }),
            Err(LoadError::Source(e)) => Err(KernelError::Read(e)),
            Err(LoadError::Image(error)) => Err(KernelError::Image {
                device,
                path: file.path.clone(),
                error,
            }),
        }
    }

    /// The whole of `file` of an entry (an initrd or module; a path without a device is on
    /// `menu_device`), at most `max_len` bytes.
    pub fn read_entry_file(
        &mut self,
        menu_device: &Device,
        file: &FilePath,
        max_len: usize,
    ) -> Result<Vec<u8>, FileError> {
        let device = file.device.as_ref().unwrap_or(menu_device);
        self.read_file(device, &file.path, max_len)
    }
}
