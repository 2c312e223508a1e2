//! The global heap: talc over a run of the domain's free frames.

use talc::source::Manual;
use talc::TalcLock;

#[global_allocator]
static HEAP: TalcLock<spin::Mutex<()>, Manual> = TalcLock::new(Manual);

/// Gives the heap the free, mapped frames `[first, end)`. Called once at boot.
pub(crate) fn claim(first: usize, end: usize) {
    let region = super::boot::heap_region(first, end);
    // SAFETY: the region is free memory handed out exactly once (boot::heap_region's
    // contract), mapped read-write for the life of the domain.
    let claimed = unsafe { HEAP.lock().claim(region.as_mut_ptr(), region.len()) };
    assert!(claimed.is_some(), "heap region too small");
}
