//! Memory: the heap and the page-frame pool, over the domain's pages.
//!
//! At boot every frame above the image and Xen's boot structures is free. The top of that
//! range (a quarter, at most 8192 frames) becomes the page-frame pool, for page-granular
//! memory such as rings shared with backends; the rest is the heap (`alloc`). Pool frames are
//! handed out only as owned [`PoolPage`]s.

#[cfg(target_os = "none")]
pub use crate::sys::mm::{free_frame_count, give_to_heap, OutOfFrames, PoolPage};
