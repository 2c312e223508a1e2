//! What pv-grub does with the guest's disks at boot: open them once, find the menu, and read
//! the files it names.
//!
//! [`Disks`] holds the guest's block devices, `(hd0)` first. Each disk's partition table is
//! read once and each filesystem mounted once, however many files are read from it, so the
//! work of a search is linear in what the disks hold. [`Disks::search_menu`] is pygrub's
//! search: every partition of every disk, each of [`SEARCH_PATHS`](crate::menu::SEARCH_PATHS)
//! in turn. A partition or filesystem that cannot be read does not end the search; when
//! nothing is found, [`SearchFailed`] says what was tried and why each failed.

mod disks;
mod error;
mod load;
mod search;

pub use disks::{DiskFile, Disks, Volume};
pub use error::{Attempt, FileError, FileErrorKind, Miss, OpenError, SearchFailed};
pub use load::{KernelError, LoadedKernel, MAX_KERNEL_FILE, MAX_SAVED_FILE};
pub use search::FoundMenu;
