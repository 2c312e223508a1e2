//! The global heap: talc over a run of the domain's free frames.

use talc::source::Manual;
use talc::TalcLock;

#[global_allocator]
static HEAP: TalcLock<spin::Mutex<()>, Manual> = TalcLock::new(Manual);

/// Gives the heap `region` for good.
pub(in crate::sys) fn claim(region: &'static mut [u8]) {
    // SAFETY: the exclusive 'static borrow means nothing else can ever access the region; it
    // is mapped read-write for the life of the domain.
    let claimed = unsafe { HEAP.lock().claim(region.as_mut_ptr(), region.len()) };
    assert!(claimed.is_some(), "heap region too small");
}
