//! The error of every filesystem operation.

use super::fat::FatError;
use super::iso9660::IsoError;
use crate::disk::IoError;
use ext4_view::Ext4Error;

/// Why a filesystem could not be mounted, or a path not read.
#[derive(Debug)]
pub enum FsError {
    /// Reading the device failed.
    Io(IoError),
    /// The device holds no filesystem that pv-grub reads.
    Unrecognised,
    /// The filesystem says it is larger than the device holding it.
    LargerThanDevice,
    /// No such file or directory.
    NotFound,
    /// A path component that must be a directory is not one.
    NotADirectory,
    /// A file was asked for, and the path names a directory.
    IsADirectory,
    /// A file was asked for, and the path names a device node, fifo or socket.
    NotAFile,
    /// The file is longer than the caller's limit.
    TooLarge {
        /// Length of the file.
        len: u64,
        /// The caller's limit.
        max: usize,
    },
    /// More than [`MAX_SYMLINKS`](super::MAX_SYMLINKS) symlinks (a loop, most likely).
    SymlinkLoop,
    /// The path, with symlink targets spliced in, exceeds [`MAX_PATH`](super::MAX_PATH).
    PathTooLong,
    /// The directory has more than [`MAX_DIR_ENTRIES`](super::MAX_DIR_ENTRIES) entries or
    /// bytes beyond what the filesystem allows.
    DirTooLarge,
    /// The file ended before its recorded length was read.
    ShortRead,
    /// ext2/3/4, reported by ext4-view (corrupt, incompatible, ...).
    Ext4(Ext4Error),
    /// A corrupt FAT filesystem.
    Fat(FatError),
    /// A corrupt or unsupported iso9660 filesystem.
    Iso(IsoError),
}

impl From<IoError> for FsError {
    fn from(e: IoError) -> Self {
        Self::Io(e)
    }
}

impl From<FatError> for FsError {
    fn from(e: FatError) -> Self {
        Self::Fat(e)
    }
}

impl From<IsoError> for FsError {
    fn from(e: IsoError) -> Self {
        Self::Iso(e)
    }
}

impl From<Ext4Error> for FsError {
    fn from(e: Ext4Error) -> Self {
        match e {
            Ext4Error::NotFound => Self::NotFound,
            Ext4Error::NotADirectory => Self::NotADirectory,
            Ext4Error::IsADirectory => Self::IsADirectory,
            Ext4Error::IsASpecialFile => Self::NotAFile,
            Ext4Error::TooManySymlinks => Self::SymlinkLoop,
            Ext4Error::PathTooLong => Self::PathTooLong,
            Ext4Error::Io(inner) => match inner.downcast_ref::<IoError>() {
                Some(io) => Self::Io(*io),
                None => Self::Ext4(Ext4Error::Io(inner)),
            },
            other => Self::Ext4(other),
        }
    }
}
