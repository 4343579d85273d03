//! A counting global allocator: heap allocations per steady-state call.
//!
//! The bench binary installs it with `#[global_allocator]`; every `alloc`,
//! `alloc_zeroed` and `realloc` adds one (a relaxed atomic increment, the same small
//! cost for staticflow and the baseline).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

/// Forwards to the system allocator and counts allocations.
pub struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments; the counter
// has no effect on the memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Heap allocations per call of `f`, averaged over `calls` calls after two warm-up
/// calls (the first runs of a session build its plan and buffers).
pub fn per_call(calls: usize, mut f: impl FnMut()) -> f64 {
    f();
    f();
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..calls {
        f();
    }
    let after = ALLOCATIONS.load(Ordering::Relaxed);
    (after - before) as f64 / calls as f64
}
