//! Errors of opening devices, reading files and searching for the menu.

use alloc::rc::Rc;
use alloc::vec::Vec;
use core::fmt;

use crate::disk::DiskError;
use crate::fs::FsError;
use crate::menu::{Device, SEARCH_PATHS};
use crate::text::escape;

/// Why a device could not be opened as a filesystem.
#[derive(Debug)]
pub enum OpenError {
    /// The guest has no disk of that number.
    NoSuchDrive {
        /// The drive asked for (`hdN`).
        drive: u32,
        /// How many disks the guest has.
        count: usize,
    },
    /// Not a disk or partition pv-grub reads from (the network, a BSD slice, a device GRUB
    /// names that Xen guests do not have).
    Unsupported(Device),
    /// The disk's partition table could not be read.
    Table(DiskError),
    /// The partition is not in the table, or does not lie on the disk.
    Partition(DiskError),
    /// The device holds no filesystem pv-grub can mount.
    Mount(FsError),
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSuchDrive { drive, count } => {
                write!(f, "no disk hd{drive} (the guest has {count})")
            }
            Self::Unsupported(d) => write!(f, "{d} is not a disk or partition"),
            Self::Table(e) | Self::Partition(e) => write!(f, "{e}"),
            Self::Mount(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for OpenError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Table(e) | Self::Partition(e) => Some(e),
            Self::Mount(e) => Some(e),
            _ => None,
        }
    }
}

/// A file that could not be read: where, and why.
#[derive(Debug)]
pub struct FileError {
    /// The device the path is on.
    pub device: Device,
    /// The path, as the menu or command line wrote it (bytes, shown escaped).
    pub path: Vec<u8>,
    /// Why.
    pub kind: FileErrorKind,
}

/// Why a file could not be read.
#[derive(Debug)]
pub enum FileErrorKind {
    /// Its device could not be opened (shared by every file of that device).
    Open(Rc<OpenError>),
    /// The filesystem could not read it.
    Read(FsError),
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}: ", self.device, escape(&self.path))?;
        match &self.kind {
            FileErrorKind::Open(e) => write!(f, "{e}"),
            FileErrorKind::Read(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for FileError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match &self.kind {
            FileErrorKind::Open(e) => Some(&**e),
            FileErrorKind::Read(e) => Some(e),
        }
    }
}

/// Why a device yielded no menu during the search.
#[derive(Debug)]
pub enum Miss {
    /// The disk's partition table could not be read (its partitions were not tried).
    Table(DiskError),
    /// The device could not be opened or mounted.
    Open(Rc<OpenError>),
    /// A filesystem without any of the menu files.
    NoMenuFile,
    /// The partition covers the same bytes as this one, tried before.
    SameAs(Device),
    /// A menu file exists but could not be read (too large, corrupt, a symlink loop).
    Unreadable {
        /// Its path.
        path: &'static str,
        /// Why.
        error: FsError,
    },
}

/// One device the search tried, and what it found there.
#[derive(Debug)]
pub struct Attempt {
    /// The disk or partition.
    pub device: Device,
    /// Why it gave no menu.
    pub miss: Miss,
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dev = &self.device;
        match &self.miss {
            Miss::Table(e) => write!(f, "{dev}: partition table: {e}"),
            Miss::Open(e) => match &**e {
                OpenError::Mount(FsError::Unrecognised) => write!(
                    f,
                    "{dev}: no filesystem (pv-grub reads ext2/3/4, FAT and iso9660)"
                ),
                e => write!(f, "{dev}: {e}"),
            },
            Miss::NoMenuFile => write!(f, "{dev}: no menu file"),
            Miss::SameAs(first) => write!(f, "{dev}: same partition as {first}"),
            Miss::Unreadable { path, error } => write!(f, "{dev}: cannot read {path}: {error}"),
        }
    }
}

/// The search found no menu: every device it tried, in order, with the reason.
#[derive(Debug)]
pub struct SearchFailed {
    /// What each device gave (empty: the guest has no disk).
    pub tried: Vec<Attempt>,
}

impl fmt::Display for SearchFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no menu found (looked for ")?;
        for (i, (path, _)) in SEARCH_PATHS.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{path}")?;
        }
        f.write_str(")")?;
        if self.tried.is_empty() {
            return f.write_str("; the guest has no disk");
        }
        for attempt in &self.tried {
            write!(f, "; {attempt}")?;
        }
        Ok(())
    }
}

impl core::error::Error for SearchFailed {}
