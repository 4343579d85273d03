//! A multi-threaded training step allocates nothing of ours (a counting global
//! allocator over the whole process; this binary has one test, so the harness is idle
//! while it counts).

use staticflow::ndarray::Array2;
use staticflow::prelude::*;
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

graph! {
    /// A product big enough for the packed gemm to share out over the intra-op pool.
    pub struct Wide {
        let a = placeholder(float32, shape = [256, 384], name = "a");
        let w = Variable(random_uniform([384, 256], -1.0, 1.0, seed = 3), name = "w");
        let h = relu(matmul(a, w));
        let loss = reduce_mean(square(h));
        let step = train.GradientDescentOptimizer(0.001).minimize(loss);
        let init = global_variables_initializer();
    }
}

#[test]
fn multi_threaded_training_steps_allocate_only_the_pools_queue_blocks() -> Result<(), Error> {
    let g = Wide::new();
    let options = SessionOptions::new().intra_op_parallelism_threads(2);
    let mut sess = Session::with_options(&g, options)?;
    assert_eq!(sess.intra_op_threads(), 2);
    sess.run(&g.init, feed![])?;
    let a = Array2::<f32>::from_shape_fn((256, 384), |(i, j)| ((i * 3 + j) % 17) as f32 / 17.0);
    let mut loss = 0.0f32;
    // Warm-up also starts the pool's threads, which allocate once as they start.
    for _ in 0..20 {
        sess.run_into((&g.step, Out(&g.loss, &mut loss)), feed![g.a => &a])?;
    }
    std::thread::sleep(std::time::Duration::from_millis(50));
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..50 {
        sess.run_into((&g.step, Out(&g.loss, &mut loss)), feed![g.a => &a])?;
    }
    // Our code allocates nothing; rayon's job queue takes a new 1.5 KB block once per
    // ~63 jobs handed to the pool (3 gemms a step here: 2 or 3 blocks in 50 steps).
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    assert!(allocations <= 3, "{allocations} allocations in 50 steps");
    assert!(loss.is_finite());
    Ok(())
}
