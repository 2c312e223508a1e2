//! Read-only filesystems (ext2/3/4, FAT, iso9660) over a block device.
//!
//! [`probe`] tells which filesystem a partition window holds, [`Filesystem::open`] mounts it,
//! and the [`FileSystem`] trait reads files (streamed front to back, or whole with a
//! caller-given size cap) and lists directories. Paths are `/`-separated bytes, absolute or
//! relative to the root; symlinks are followed up to [`MAX_SYMLINKS`] times per lookup, and
//! the directory bytes a lookup reads are bounded ([`MAX_LOOKUP_WORK`], and per mount
//! [`mount_work_limit`]), whatever loops the image holds.
//!
//! Names are bytes, as the filesystem stores them: ext2/3/4 and Rock Ridge names may hold any
//! byte but `/` (and NUL), so a name that is not UTF-8 is found by its bytes (and shown with
//! [`text::escape`](crate::text::escape)). FAT long names and Joliet names are UTF-16: they
//! are given, and looked up, as UTF-8, with an unpaired surrogate (which the filesystem
//! allows) as the three bytes it would take in UTF-8 (WTF-8), so every name stays distinct
//! and can be found. FAT short names are the raw OEM code page bytes.

mod error;
mod ext4;
mod fat;
mod iso9660;
mod path;
mod reader;
mod utf16;
mod work;

pub use error::FsError;
pub use ext4::Ext4Fs;
/// ext4-view's error, carried by [`FsError::Ext4`].
pub use ext4_view::Ext4Error;
pub use fat::{FatError, FatFs, FatKind};
pub use iso9660::{IsoError, IsoFs, IsoNames};
pub use reader::FileReader;
pub use work::{mount_work_limit, MAX_LOOKUP_WORK, MOUNT_WORK_BASE};

use crate::disk::{BlockDevice, IoError};
use alloc::boxed::Box;
use alloc::vec::Vec;

/// Most symlinks followed while resolving one path.
pub const MAX_SYMLINKS: usize = 40;

/// Longest path handled, in bytes, also after splicing in symlink targets.
pub const MAX_PATH: usize = 4096;

/// Largest ext2/3/4 block size read, in bytes (Linux's limit).
pub const MAX_BLOCK_SIZE: u64 = 65536;

/// Most entries [`FileSystem::read_dir`] returns before failing with [`FsError::DirTooLarge`].
pub const MAX_DIR_ENTRIES: usize = 65536;

/// The filesystems pv-grub reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsKind {
    /// ext2, ext3 or ext4.
    Ext,
    /// FAT12, FAT16 or FAT32.
    Fat,
    /// ISO 9660 (with Rock Ridge or Joliet names when present).
    Iso9660,
}

/// What a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link (only seen in [`FileSystem::read_dir`]; lookups follow links).
    Symlink,
    /// Anything else (device node, fifo, socket).
    Other,
}

/// Kind and size of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metadata {
    /// What the path names.
    pub kind: NodeKind,
    /// Length in bytes (for a directory, whatever the filesystem records).
    pub len: u64,
}

/// One entry of a directory listing (`.` and `..` are left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// The name's bytes (long name on FAT, Rock Ridge or Joliet name on iso9660 when present;
    /// see the module docs for the encodings).
    pub name: Vec<u8>,
    /// What the entry is, without following symlinks.
    pub kind: NodeKind,
    /// Length in bytes.
    pub len: u64,
}

/// A mounted, read-only filesystem.
pub trait FileSystem {
    /// Which filesystem this is.
    fn kind(&self) -> FsKind;

    /// Kind and size of what `path` names, following symlinks.
    fn metadata(&mut self, path: &[u8]) -> Result<Metadata, FsError>;

    /// The regular file at `path`, following symlinks, opened to be read front to back in
    /// chunks of the caller's choosing (nothing of it is held beyond the chunk being read).
    fn open_file(&mut self, path: &[u8]) -> Result<Box<dyn FileReader + '_>, FsError>;

    /// The whole contents of the regular file at `path`, following symlinks. Fails with
    /// [`FsError::TooLarge`] (before reading or allocating) if it is longer than `max_len`.
    fn read_file(&mut self, path: &[u8], max_len: usize) -> Result<Vec<u8>, FsError> {
        reader::read_whole(&mut *self.open_file(path)?, max_len)
    }

    /// The entries of the directory at `path`, following symlinks, in on-disk order.
    fn read_dir(&mut self, path: &[u8]) -> Result<Vec<DirEntry>, FsError>;
}

/// Which filesystem `dev` holds, if any pv-grub reads: ext2/3/4 (superblock magic), iso9660
/// (a "CD001" volume descriptor at 32 KiB), FAT (a sane BIOS parameter block), in that order.
/// A device too small to hold a structure simply does not match it.
pub fn probe<D: BlockDevice + ?Sized>(dev: &mut D) -> Result<Option<FsKind>, IoError> {
    if ext4::probe(dev)? {
        return Ok(Some(FsKind::Ext));
    }
    if iso9660::probe(dev)? {
        return Ok(Some(FsKind::Iso9660));
    }
    if fat::probe(dev)? {
        return Ok(Some(FsKind::Fat));
    }
    Ok(None)
}

/// Reads `buf.len()` bytes at `offset`, or `Ok(false)` if the device is too small.
pub(crate) fn read_if_present<D: BlockDevice + ?Sized>(
    dev: &mut D,
    offset: u64,
    buf: &mut [u8],
) -> Result<bool, IoError> {
    match offset.checked_add(buf.len() as u64) {
        Some(end) if end <= dev.size() => dev.read_at(offset, buf).map(|()| true),
        _ => Ok(false),
    }
}

/// Any filesystem pv-grub reads, chosen by [`probe`].
pub enum Filesystem<D> {
    /// ext2/3/4 (the device is owned by the ext4-view reader inside).
    Ext(Ext4Fs),
    /// FAT12/16/32.
    Fat(FatFs<D>),
    /// iso9660.
    Iso9660(IsoFs<D>),
}

impl<D: BlockDevice + 'static> Filesystem<D> {
    /// Probes `dev` and mounts what it holds; [`FsError::Unrecognised`] if nothing matches.
    pub fn open(mut dev: D) -> Result<Self, FsError> {
        match probe(&mut dev)?.ok_or(FsError::Unrecognised)? {
            FsKind::Ext => Ext4Fs::open(dev).map(Self::Ext),
            FsKind::Fat => FatFs::open(dev).map(Self::Fat),
            FsKind::Iso9660 => IsoFs::open(dev).map(Self::Iso9660),
        }
    }
}

impl<D: BlockDevice> Filesystem<D> {
    fn inner(&mut self) -> &mut dyn FileSystem {
        match self {
            Self::Ext(fs) => fs,
            Self::Fat(fs) => fs,
            Self::Iso9660(fs) => fs,
        }
    }
}

impl<D: BlockDevice> FileSystem for Filesystem<D> {
    fn kind(&self) -> FsKind {
        match self {
            Self::Ext(_) => FsKind::Ext,
            Self::Fat(_) => FsKind::Fat,
            Self::Iso9660(_) => FsKind::Iso9660,
        }
    }

    fn metadata(&mut self, path: &[u8]) -> Result<Metadata, FsError> {
        self.inner().metadata(path)
    }

    fn open_file(&mut self, path: &[u8]) -> Result<Box<dyn FileReader + '_>, FsError> {
        self.inner().open_file(path)
    }

    fn read_dir(&mut self, path: &[u8]) -> Result<Vec<DirEntry>, FsError> {
        self.inner().read_dir(path)
    }
}
