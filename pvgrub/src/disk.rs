//! Partition tables (MBR with logical partitions, GPT) over a block device.
//!
//! [`BlockDevice`] is what pv-grub reads disks through: the guest's blkfront implements it, and
//! [`MemDisk`] implements it over bytes in memory for tests and fuzzing. [`PartitionTable::read`]
//! finds the table (or its absence), and [`locate`] turns GRUB's `(hdN)` / `(hdN,M)` partition
//! number into the byte [`Window`] that a [`Partition`] view then restricts reads to.

mod device;
mod gpt;
mod mbr;
mod mem;
mod table;
mod window;

pub use device::{BlockDevice, IoError};
pub use gpt::GptError;
pub use mbr::MbrError;
pub use mem::MemDisk;
pub use table::{locate, DiskError, PartitionEntry, PartitionKind, PartitionTable, TableKind};
pub use window::{Partition, Window};
