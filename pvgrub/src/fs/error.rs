//! The error of every filesystem operation.

use super::fat::FatError;
use super::iso9660::IsoError;
use super::work::{MAX_LOOKUP_WORK, MOUNT_WORK_BASE};
use super::{MAX_BLOCK_SIZE, MAX_DIR_ENTRIES, MAX_PATH, MAX_SYMLINKS};
use crate::disk::IoError;
use core::fmt;
use ext4_view::Ext4Error;

/// Why a filesystem could not be mounted, or a path not read.
#[derive(Debug)]
pub enum FsError {
    /// Reading the device failed.
    Io(IoError),
    /// The device holds no filesystem that pv-grub reads.
    Unrecognised,
    /// The ext2/3/4 superblock gives a block size over
    /// [`MAX_BLOCK_SIZE`](super::MAX_BLOCK_SIZE) bytes.
    BadBlockSize {
        /// The superblock's `s_log_block_size` (the block size is `1024 << log_block_size`).
        log_block_size: u32,
    },
    /// The ext2/3/4 superblock says the filesystem is larger than the device holding it.
    LargerThanDevice {
        /// Blocks the superblock gives.
        blocks: u64,
        /// Bytes per block.
        block_size: u64,
        /// Size of the device in bytes.
        device: u64,
    },
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
    /// The lookup read more than [`MAX_LOOKUP_WORK`](super::MAX_LOOKUP_WORK) bytes of
    /// directories: directories (or continuation areas) that loop back on themselves.
    LookupWork,
    /// The filesystem has read more than `limit` bytes of directories since it was mounted
    /// ([`mount_work_limit`](super::mount_work_limit)); it answers no more lookups.
    MountWork {
        /// The mount's budget, in bytes.
        limit: u64,
    },
    /// ext2/3/4, reported by ext4-view (corrupt, incompatible, ...).
    Ext4(Ext4Error),
    /// A corrupt FAT filesystem.
    Fat(FatError),
    /// A corrupt or unsupported iso9660 filesystem.
    Iso(IsoError),
}

impl fmt::Display for FsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "{e}"),
            Self::Unrecognised => f.write_str("no ext2/3/4, FAT or iso9660 filesystem"),
            Self::BadBlockSize { log_block_size } => write!(
                f,
                "ext4: superblock gives a block size of 1024 << {log_block_size} bytes, more \
                 than {MAX_BLOCK_SIZE}"
            ),
            Self::LargerThanDevice {
                blocks,
                block_size,
                device,
            } => write!(
                f,
                "ext4: superblock gives {blocks} blocks of {block_size} bytes, more than the \
                 {device}-byte device"
            ),
            Self::NotFound => f.write_str("no such file or directory"),
            Self::NotADirectory => f.write_str("a path component is not a directory"),
            Self::IsADirectory => f.write_str("is a directory, not a file"),
            Self::NotAFile => f.write_str("is a device node, fifo or socket, not a file"),
            Self::TooLarge { len, max } => {
                write!(f, "file of {len} bytes is larger than the {max}-byte limit")
            }
            Self::SymlinkLoop => write!(f, "more than {MAX_SYMLINKS} symlinks (a loop?)"),
            Self::PathTooLong => write!(
                f,
                "path longer than {MAX_PATH} bytes (with symlink targets spliced in)"
            ),
            Self::DirTooLarge => write!(
                f,
                "directory has more than {MAX_DIR_ENTRIES} entries, or more bytes than the \
                 filesystem allows"
            ),
            Self::ShortRead => f.write_str("file ended before its recorded length"),
            Self::LookupWork => write!(
                f,
                "the lookup read over {} MiB of directories (a directory or continuation \
                 area that loops back on itself?)",
                MAX_LOOKUP_WORK >> 20
            ),
            Self::MountWork { limit } => write!(
                f,
                "the filesystem has read over {limit} bytes of directories since it was \
                 mounted (twice its size plus {} MiB); no more lookups on it",
                MOUNT_WORK_BASE >> 20
            ),
            Self::Ext4(e) => write!(f, "ext4: {e}"),
            Self::Fat(e) => write!(f, "FAT: {e}"),
            Self::Iso(e) => write!(f, "iso9660: {e}"),
        }
    }
}

impl core::error::Error for FsError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            Self::Ext4(e) => Some(e),
            Self::Fat(e) => Some(e),
            Self::Iso(e) => Some(e),
            _ => None,
        }
    }
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
