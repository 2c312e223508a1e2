//! Grant tables (v1): let other domains map or copy our frames, copy to and from their
//! grants, and map their grants.
//!
//! The pure parts (the ref allocator and the flag transitions that decide when a grant may be
//! ended) build and test on the host; the table itself lives in `sys::grant`.
//!
//! Ending access is the delicate part: a ref (and its frame) must not be reused while the
//! peer still has the frame mapped. [`Grant::end`] refuses with [`GrantError::InUse`] in that
//! case and hands the grant back; dropping a grant that is still in use leaks its ref and
//! frame rather than reuse them.

pub mod flags;
pub mod refs;

pub use crate::sys::grant::status::{GntStatus, GrantError};
pub use flags::EntryFlags;
pub use refs::RefAllocator;

#[cfg(target_os = "none")]
mod api;
#[cfg(target_os = "none")]
mod foreign;

#[cfg(target_os = "none")]
pub use crate::sys::grant::{copy_from_grant, copy_to_grant, map_foreign, ForeignPage};
#[cfg(target_os = "none")]
pub use crate::sys::mm::PoolPage;
#[cfg(target_os = "none")]
pub use api::{nr_entries, refs_in_use, Grant, GrantedPage, GrantedPages};
#[cfg(target_os = "none")]
pub use foreign::ForeignPages;
