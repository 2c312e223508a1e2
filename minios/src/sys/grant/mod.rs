//! Grant tables in the audited layer: our table's frames and their entries, grant copy, and
//! mappings of other domains' grants.
//!
//! Virtual addresses: our table frames and every foreign mapping sit on frames taken from the
//! frame pool. Their pfns are in the 1:1 mapping, so the page tables for them exist; we point
//! the PTE at the other frame, and give the pfn's own frame its mapping back before returning
//! it to the pool.

pub(crate) mod status;

#[cfg(target_os = "none")]
mod copy;
#[cfg(target_os = "none")]
mod foreign;
#[cfg(target_os = "none")]
mod table;

#[cfg(target_os = "none")]
pub use copy::{copy_from_grant, copy_to_grant};
#[cfg(target_os = "none")]
pub use foreign::{map_foreign, ForeignPage};
#[cfg(target_os = "none")]
pub(crate) use table::{table, EntryFlagsWord, Table};
