//! Steady-state calls of the f32 gemm allocate nothing: the packing buffers live in the
//! caller's workspace and only grow, and the threads are handed work with
//! `rayon::join`. Counted by a global allocator in this test binary (one test, so no
//! other test allocates meanwhile).

use staticflow_runtime::gemm::Sgemm;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only counts calls.
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

#[global_allocator]
static GLOBAL: Counting = Counting;

/// `(m, k, n, a transposed, b transposed)`: the MLP's products and some odd sizes.
const SHAPES: [(usize, usize, usize, bool, bool); 6] = [
    (64, 784, 256, false, false),
    (784, 64, 256, true, false),
    (64, 256, 784, false, true),
    (64, 256, 10, false, false),
    (300, 200, 100, true, true),
    (512, 512, 512, false, false),
];

/// Allocations during `rounds` rounds of every shape (overwriting and accumulating),
/// after two warm-up rounds.
fn allocations(g: &mut Sgemm, rounds: usize) -> usize {
    let mut data: Vec<_> = SHAPES
        .iter()
        .map(|&(m, k, n, _, _)| (vec![0.5f32; m * k], vec![0.25f32; k * n], vec![0.0; m * n]))
        .collect();
    let mut round = |g: &mut Sgemm| {
        for (&(m, k, n, ta, tb), (a, b, c)) in SHAPES.iter().zip(&mut data) {
            g.run((m, k, n), a, ta, b, tb, false, c)
                .expect("shapes match");
            g.run((m, k, n), a, ta, b, tb, true, c)
                .expect("shapes match");
        }
    };
    round(g);
    round(g);
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..rounds {
        round(g);
    }
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

#[test]
fn steady_state_calls_do_not_allocate() {
    // One thread: nothing at all.
    let mut one = Sgemm::new(1).expect("no pool");
    assert_eq!(allocations(&mut one, 20), 0, "single-threaded calls");

    // Two threads, called from a thread of the pool (as a session running its plan
    // there would): nothing either.
    let mut two = Sgemm::new(2).expect("a pool of two threads");
    let on_pool = two.on_pool(|g| allocations(g, 20));
    assert_eq!(on_pool, 0, "two-thread calls from a pool thread");

    // From outside the pool every call is injected into rayon's global queue, whose
    // lock-free list allocates one block per 63 jobs: one allocation per 63 calls
    // that reach the pool, none of them the gemm's.
    let rounds = 63;
    let calls = rounds * SHAPES.len() * 2;
    let outside = allocations(&mut two, rounds);
    assert!(
        outside <= calls.div_ceil(63) + 1,
        "{outside} allocations in {calls} two-thread calls"
    );
}
