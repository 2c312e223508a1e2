//! Time and memory budgets for tests on hostile input: the heap peak (a counting global
//! allocator) and the thread CPU time of one piece of work.
//!
//! A test binary that includes this module (`mod budget;`) gets the counting allocator. The
//! heap counter is process-wide, so every test of such a binary starts with
//! `let _only = budget::exclusive();`, which keeps the binary's tests from running at the same
//! time (their fixtures are built inside the guard too), then measures with [`measure`].
#![allow(dead_code)] // each test binary uses a different part

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use peak_alloc::PeakAlloc;

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Holds the other tests of this binary off while alive.
pub fn exclusive() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a piece of work cost.
#[derive(Debug, Clone, Copy)]
pub struct Cost {
    /// Most heap bytes in use at once beyond what was in use before.
    pub peak_heap: usize,
    /// CPU time of the calling thread.
    pub cpu: Duration,
}

/// Runs `work` and returns its result and cost (call with [`exclusive`] held).
pub fn measure<T>(work: impl FnOnce() -> T) -> (T, Cost) {
    let base = HEAP.current_usage();
    HEAP.reset_peak_usage();
    let start = cpu_time::ThreadTime::now();
    let out = work();
    let cpu = start.elapsed();
    let peak_heap = HEAP.peak_usage().saturating_sub(base);
    (out, Cost { peak_heap, cpu })
}

/// Asserts `cost` is within `max_heap` bytes and `max_cpu`, naming `what` and the input size.
pub fn assert_within(what: &str, input_len: usize, cost: Cost, max_heap: usize, max_cpu: Duration) {
    eprintln!(
        "{what}: input {input_len} bytes, heap peak {} bytes ({:.2}x), CPU {:?}",
        cost.peak_heap,
        cost.peak_heap as f64 / input_len.max(1) as f64,
        cost.cpu
    );
    assert!(
        cost.peak_heap <= max_heap,
        "{what}: heap peak {} bytes over the {max_heap}-byte budget (input {input_len} bytes)",
        cost.peak_heap
    );
    assert!(
        cost.cpu <= max_cpu,
        "{what}: {:?} of CPU over the {max_cpu:?} budget (input {input_len} bytes)",
        cost.cpu
    );
}
