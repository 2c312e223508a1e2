//! Why a FAT filesystem could not be read.

use core::fmt;

/// Why a FAT filesystem could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FatError {
    /// The boot sector is not a FAT boot sector.
    NotFat,
    /// The boot sector's numbers do not describe a usable filesystem.
    BadGeometry,
    /// A chain names this cluster, beyond the end of the filesystem.
    ClusterOutOfRange(u32),
    /// A chain runs into this cluster, which the FAT marks free (or reserved).
    FreeClusterInChain(u32),
    /// A chain runs into this cluster, which the FAT marks bad.
    BadClusterInChain(u32),
    /// A chain comes back to a cluster it has visited.
    ChainLoop,
    /// A chain ends before the file's recorded length.
    ChainTooShort,
}

impl fmt::Display for FatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFat => f.write_str("not a FAT boot sector"),
            Self::BadGeometry => {
                f.write_str("the boot sector's sizes and counts describe no usable filesystem")
            }
            Self::ClusterOutOfRange(c) => {
                write!(
                    f,
                    "a cluster chain names cluster {c}, past the end of the filesystem"
                )
            }
            Self::FreeClusterInChain(c) => {
                write!(
                    f,
                    "a cluster chain runs into cluster {c}, which the FAT marks free"
                )
            }
            Self::BadClusterInChain(c) => {
                write!(
                    f,
                    "a cluster chain runs into cluster {c}, which the FAT marks bad"
                )
            }
            Self::ChainLoop => f.write_str("a cluster chain loops"),
            Self::ChainTooShort => {
                f.write_str("a cluster chain ends before the file's recorded length")
            }
        }
    }
}

impl core::error::Error for FatError {}
