//! The global heap: talc over a run of the domain's free frames.

use core::ptr::NonNull;

use talc::source::Manual;
use talc::TalcLock;

#[global_allocator]
static HEAP: TalcLock<spin::Mutex<()>, Manual> = TalcLock::new(Manual);

/// The end of the heap's one span (its address), once claimed.
static END: spin::Mutex<Option<usize>> = spin::Mutex::new(None);

/// Gives the heap `region` for good: its one span.
pub(in crate::sys) fn claim(region: &'static mut [u8]) {
    // SAFETY: the exclusive 'static borrow means nothing else can ever access the region; it
    // is mapped read-write for the life of the domain.
    let claimed = unsafe { HEAP.lock().claim(region.as_mut_ptr(), region.len()) };
    let end = claimed.expect("heap region too small");
    *END.lock() = Some(end.as_ptr() as usize);
}

/// Grows the heap's span up to `new_end`, so that one allocation may use all of it.
///
/// # Safety
/// The memory from the span's end up to `new_end` must be mapped read-write, free, owned by
/// nothing else and given to the heap only once.
pub(in crate::sys) unsafe fn extend_to(new_end: usize) {
    let mut end = END.lock();
    let Some(at) = end.and_then(|e| NonNull::new(e as *mut u8)) else {
        return;
    };
    // SAFETY: `at` is the end talc returned for the span; the memory up to `new_end` is
    // ours to give (caller's contract).
    let grown = unsafe { HEAP.lock().extend(at, new_end as *mut u8) };
    *end = Some(grown.as_ptr() as usize);
}
