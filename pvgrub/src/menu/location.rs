//! Where pv-grub finds its menu, from the guest command line (xl's `extra=`).
//!
//! pv-grub (stubdom/grub/mini-os.c) skips a first word `--vtpm-label=...`, then takes the
//! next word as the menu path: `(nd)/...` means DHCP then TFTP, anything else is opened as a
//! GRUB file name. With no word, a non-empty ramdisk is the menu itself; with neither, DHCP
//! names the menu (option 150). pv-grub copies the path into a 96-byte buffer, cutting longer
//! ones; we keep them whole.

use super::device::{parse_legacy, split_device, Device};
use super::error::DeviceError;
use super::text::Text;
use super::MenuFormat;
use core::fmt;

/// pv-grub's menu path when the command line gives none and DHCP names no file.
pub const DEFAULT_MENU_PATH: &str = "(hd0,0)/boot/grub/menu.lst";

/// Where the menu comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuLocation {
    /// A file on a disk, `(hd0,0)/boot/grub/menu.lst`.
    Disk {
        /// The disk or partition, never [`Device::Network`].
        device: Device,
        /// The absolute path on it, as the command line wrote it.
        path: Text,
    },
    /// `(nd)/path`: configure the network by DHCP, then fetch `path` by TFTP from the
    /// server the DHCP reply names (its next-server).
    Network {
        /// The absolute path on the TFTP server, as the command line wrote it.
        path: Text,
    },
    /// No path, but a ramdisk: the ramdisk is the menu. pv-grub then still opens
    /// [`DEFAULT_MENU_PATH`], whose entries replace the ramdisk's if the file exists.
    Ramdisk,
    /// No path, no ramdisk: DHCP, then the file DHCP option 150 names (a GRUB file name,
    /// `(nd)/...` or a disk path), or [`DEFAULT_MENU_PATH`] if the reply has none.
    Dhcp,
}

/// A menu path pv-grub cannot open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuLocationError {
    /// The word is not a GRUB file name (starts with neither `(` nor `/`); pv-grub fails
    /// to open it and drops to its command line.
    NotAPath,
    /// A path with no device: pv-grub would resolve it against its boot drive, `(nd)`,
    /// without running DHCP, so it never loads.
    NoDevice,
    /// The device name is malformed.
    BadDevice(DeviceError),
    /// Nothing, or something not starting with `/`, after the device.
    MissingPath,
}

impl fmt::Display for MenuLocationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MenuLocationError::NotAPath => {
                f.write_str("not a GRUB file name like (hd0,0)/boot/grub/menu.lst")
            }
            MenuLocationError::NoDevice => f.write_str("path without a (device)"),
            MenuLocationError::BadDevice(e) => write!(f, "{e}"),
            MenuLocationError::MissingPath => f.write_str("no absolute path after the device"),
        }
    }
}

impl core::error::Error for MenuLocationError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            MenuLocationError::BadDevice(e) => Some(e),
            _ => None,
        }
    }
}

impl MenuLocation {
    /// Decides where the menu is from the PV command line (bytes, as Xen passes it) and
    /// whether a ramdisk was given.
    pub fn from_cmdline(
        cmdline: impl AsRef<[u8]>,
        has_ramdisk: bool,
    ) -> Result<Self, MenuLocationError> {
        let mut words = cmdline
            .as_ref()
            .split(|b| b.is_ascii_whitespace())
            .filter(|w| !w.is_empty())
            .peekable();
        if words
            .peek()
            .is_some_and(|w| w.starts_with(b"--vtpm-label="))
        {
            words.next();
        }
        match words.next() {
            Some(word) => MenuLocation::parse_path(word),
            None if has_ramdisk => Ok(MenuLocation::Ramdisk),
            None => Ok(MenuLocation::Dhcp),
        }
    }

    /// Parses one GRUB file name such as `(hd0,0)/boot/grub/menu.lst` or `(nd)/menu.lst`.
    pub fn parse_path(word: impl AsRef<[u8]>) -> Result<Self, MenuLocationError> {
        let word = word.as_ref();
        if word.starts_with(b"/") {
            return Err(MenuLocationError::NoDevice);
        }
        if !word.starts_with(b"(") {
            return Err(MenuLocationError::NotAPath);
        }
        let (inner, path) = split_device(word).map_err(MenuLocationError::BadDevice)?;
        let inner = inner.ok_or(MenuLocationError::NotAPath)?;
        let word = Text::from(word);
        let path = word.slice(path.start, path.end);
        if !path.starts_with(b"/") {
            return Err(MenuLocationError::MissingPath);
        }
        let name = word.slice(inner.start, inner.end);
        let parsed = parse_legacy(&name).map_err(MenuLocationError::BadDevice)?;
        match parsed.device(&name) {
            Device::Network => Ok(MenuLocation::Network { path }),
            device => Ok(MenuLocation::Disk { device, path }),
        }
    }

    /// The device the menu file is on (`None` for a ramdisk or a DHCP-named file).
    pub fn device(&self) -> Option<Device> {
        match self {
            MenuLocation::Disk { device, .. } => Some(device.clone()),
            MenuLocation::Network { .. } => Some(Device::Network),
            MenuLocation::Ramdisk | MenuLocation::Dhcp => None,
        }
    }

    /// The path of the menu file on its device, if known yet.
    pub fn path(&self) -> Option<&Text> {
        match self {
            MenuLocation::Disk { path, .. } | MenuLocation::Network { path } => Some(path),
            MenuLocation::Ramdisk | MenuLocation::Dhcp => None,
        }
    }

    /// Whether the network must be configured by DHCP first.
    pub fn needs_dhcp(&self) -> bool {
        matches!(self, MenuLocation::Network { .. } | MenuLocation::Dhcp)
    }

    /// The syntax of the menu: by file name (`*.cfg` is grub.cfg), else menu.lst.
    pub fn format(&self) -> MenuFormat {
        self.path()
            .map_or(MenuFormat::MenuLst, MenuFormat::from_path)
    }
}

impl fmt::Display for MenuLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Both display escaped.
            MenuLocation::Disk { device, path } => write!(f, "{device}{path}"),
            MenuLocation::Network { path } => write!(f, "(nd){path}"),
            MenuLocation::Ramdisk => f.write_str("(ramdisk)"),
            MenuLocation::Dhcp => f.write_str("(dhcp option 150)"),
        }
    }
}
