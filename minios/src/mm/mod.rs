//! Memory management: the page-frame pool and the heap, over the domain's pages.
//!
//! At boot every frame above the image and Xen's boot structures is free. The top of that
//! range (a quarter, at most [`frames::MAX_FRAMES`]) becomes the page-frame pool, used for
//! page-granular memory such as rings shared with backends; the rest is the heap.

pub mod frames;

pub use frames::FramePool;

static POOL: spin::Mutex<Option<FramePool>> = spin::Mutex::new(None);

/// Splits the free frames `[first_free, nr_pages)` between the frame pool and the heap.
#[cfg(target_os = "none")]
pub(crate) fn init(first_free: usize, nr_pages: usize) {
    let free = nr_pages.saturating_sub(first_free);
    let pool = (free / 4).min(frames::MAX_FRAMES);
    let pool_start = nr_pages - pool;
    crate::sys::heap::claim(first_free, pool_start);
    *POOL.lock() = Some(FramePool::new(pool_start, pool));
    log::debug!(
        "memory: {nr_pages} pages, heap pfns {first_free:#x}..{pool_start:#x}, pool {pool} frames"
    );
}

/// Allocates `count` contiguous frames from the pool; returns the first pfn.
pub fn alloc_frames(count: usize) -> Option<usize> {
    POOL.lock().as_mut()?.alloc(count)
}

/// Returns `count` frames starting at `pfn` to the pool.
pub fn free_frames(pfn: usize, count: usize) {
    if let Some(pool) = POOL.lock().as_mut() {
        pool.free(pfn, count);
    }
}

/// Frames currently free in the pool.
pub fn free_frame_count() -> usize {
    POOL.lock().as_ref().map_or(0, FramePool::free_count)
}
