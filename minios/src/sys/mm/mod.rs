//! Memory: the 1:1 mapping of all RAM, the p2m and M2P tables, and the frame pool.
//!
//! minios runs with VIRT_BASE 0, so pseudo-physical frame `pfn` is mapped at virtual address
//! `pfn << 12`. At boot [`map::init`] extends Xen's initial mapping to every page of the
//! domain; the free frames above the image and Xen's boot structures are then split between
//! the heap (talc) and the frame pool. Pool frames are handed out only as owned values
//! ([`pool::Frames`], [`pool::PoolPage`]) and are never part of the heap, so they may be shared
//! with peers: Rust only touches them through volatile or atomic accesses.

#[cfg(any(test, target_os = "none"))]
pub(crate) mod frames;

#[cfg(target_os = "none")]
pub(crate) mod map;
#[cfg(target_os = "none")]
pub(crate) mod pool;

#[cfg(target_os = "none")]
pub(crate) use map::{pfn_to_mfn, pfn_to_va};
#[cfg(target_os = "none")]
pub(crate) use pool::Frames;
#[cfg(target_os = "none")]
pub use pool::{free_frame_count, give_to_heap, OutOfFrames, PoolPage};
