//! Why an iso9660 filesystem could not be read.

use super::susp::{MAX_RR_LINK, MAX_RR_NAME};
use super::MAX_CONTINUATIONS;
use core::fmt;

/// Why an iso9660 filesystem could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsoError {
    /// The volume descriptor at this sector lacks the "CD001" identifier, and no set
    /// terminator came before it.
    BadVolumeDescriptor(u64),
    /// The descriptor set has no primary volume descriptor.
    NoPrimaryVolume,
    /// The logical block size (the value) is not 512, 1024 or 2048.
    BadBlockSize(u32),
    /// A directory record is too short for its contents or crosses a block boundary.
    BadRecord,
    /// A Rock Ridge entry is malformed, or a symlink has no target.
    BadSystemUse,
    /// A continuation area (CE) lies outside its block, or there are too many.
    BadContinuation,
    /// A Rock Ridge name is longer than 255 bytes, or a symlink target than 4096.
    NameTooLong,
    /// The file is recorded in several extents (over 4 GiB); not supported.
    MultiExtent,
    /// The file is recorded in interleaved mode; not supported.
    Interleaved,
}

impl fmt::Display for IsoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadVolumeDescriptor(sector) => write!(
                f,
                "volume descriptor at sector {sector} lacks the CD001 identifier"
            ),
            Self::NoPrimaryVolume => f.write_str("no primary volume descriptor"),
            Self::BadBlockSize(size) => {
                write!(f, "logical block size {size} is not 512, 1024 or 2048")
            }
            Self::BadRecord => f.write_str(
                "a directory record is too short for its contents or crosses a block boundary",
            ),
            Self::BadSystemUse => {
                f.write_str("a Rock Ridge entry is malformed, or a symlink has no target")
            }
            Self::BadContinuation => write!(
                f,
                "a Rock Ridge continuation area lies outside its block, or more than \
                 {MAX_CONTINUATIONS} are chained"
            ),
            Self::NameTooLong => write!(
                f,
                "a Rock Ridge name is longer than {MAX_RR_NAME} bytes, or a symlink target \
                 longer than {MAX_RR_LINK}"
            ),
            Self::MultiExtent => {
                f.write_str("the file is recorded in several extents (over 4 GiB), not supported")
            }
            Self::Interleaved => f.write_str("the file is recorded interleaved, not supported"),
        }
    }
}

impl core::error::Error for IsoError {}
