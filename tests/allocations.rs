//! A steady-state run allocates nothing beyond its returned values (design.md section 5),
//! counted by a global allocator in this test binary.

use staticflow::ndarray::Array2;
use staticflow::prelude::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// This thread's allocations: the one-thread sessions here do all their work on the
    /// test's thread, while the harness allocates on others as tests finish.
    static MINE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Allocations made so far by the calling thread.
fn mine() -> usize {
    MINE.with(std::cell::Cell::get)
}

// SAFETY: forwards to the system allocator; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        MINE.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        MINE.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// A session without an intra-op pool, so that all its work is on the calling thread.
fn one_thread(g: &impl AsGraph) -> Session {
    let options = SessionOptions::new().intra_op_parallelism_threads(1);
    Session::with_options(g, options).expect("no threads to start")
}

graph! {
    /// A manual gradient-descent step with a fed batch.
    pub struct Step {
        let X = placeholder(float32, shape = [None, 4], name = "X");
        let y = placeholder(float32, shape = [None, 1], name = "y");
        let theta = Variable(random_uniform([4, 1], -1.0, 1.0, seed = 1), name = "theta");
        let error = matmul(X, theta) - y;
        let mse = reduce_mean(square(error));
        let gradients = 0.5 * matmul(X, error, transpose_a = True);
        let step = group(assign(theta, theta - 0.01 * gradients));
        let init = global_variables_initializer();
    }
}

#[test]
fn steady_state_runs_do_not_allocate() -> Result<(), Error> {
    let g = Step::new();
    let mut sess = one_thread(&g);
    sess.run(&g.init, feed![])?;
    let x = Array2::<f32>::from_shape_fn((32, 4), |(i, j)| (i * 4 + j) as f32 / 128.0);
    let y = Array2::<f32>::from_shape_fn((32, 1), |(i, _)| i as f32 / 32.0);
    for _ in 0..3 {
        sess.run(&g.step, feed![g.X => &x, g.y => &y])?;
    }
    let before = mine();
    for _ in 0..100 {
        sess.run(&g.step, feed![g.X => &x, g.y => &y])?;
    }
    let after = mine();
    assert_eq!(after - before, 0, "allocations in 100 steady-state steps");
    // A rank-0 fetch returns a plain f32: no allocation either.
    sess.run(&g.mse, feed![g.X => &x, g.y => &y])?;
    let before = mine();
    let mse: f32 = sess.run(&g.mse, feed![g.X => &x, g.y => &y])?;
    assert_eq!(mine() - before, 0);
    assert!(mse.is_finite());
    Ok(())
}

#[test]
fn run_into_writes_fetches_into_caller_buffers_without_allocating() -> Result<(), Error> {
    let g = Step::new();
    let mut sess = one_thread(&g);
    let mut twin = one_thread(&g);
    sess.run(&g.init, feed![])?;
    twin.run(&g.init, feed![])?;
    let x = Array2::<f32>::from_shape_fn((32, 4), |(i, j)| (i * 4 + j) as f32 / 128.0);
    let y = Array2::<f32>::from_shape_fn((32, 1), |(i, _)| i as f32 / 32.0);
    let mut mse = f32::NAN;
    let mut error = Array2::<f32>::zeros((32, 1));
    let mut theta = Array2::<f32>::zeros((4, 1));
    for _ in 0..3 {
        sess.run_into(
            (&g.step, Out(&g.mse, &mut mse), Out(&g.error, &mut error)),
            feed![g.X => &x, g.y => &y],
        )?;
        sess.run_into((Out(&g.theta, &mut theta),), feed![])?;
    }
    let before = mine();
    for _ in 0..100 {
        sess.run_into(
            (&g.step, Out(&g.mse, &mut mse), Out(&g.error, &mut error)),
            feed![g.X => &x, g.y => &y],
        )?;
        sess.run_into((Out(&g.theta, &mut theta),), feed![])?;
    }
    assert_eq!(mine() - before, 0);
    // The same values as `run` returns, step for step.
    for _ in 0..103 {
        twin.run(&g.step, feed![g.X => &x, g.y => &y])?;
    }
    let (twin_mse, twin_error, twin_theta): (f32, Array2<f32>, Array2<f32>) =
        twin.run((&g.mse, &g.error, &g.theta), feed![g.X => &x, g.y => &y])?;
    sess.run_into(
        (Out(&g.mse, &mut mse), Out(&g.error, &mut error)),
        feed![g.X => &x, g.y => &y],
    )?;
    assert_eq!(mse, twin_mse);
    assert_eq!(error, twin_error);
    assert_eq!(theta, twin_theta);
    // A buffer of another shape is replaced by one of the value's shape.
    let mut wrong = Array2::<f32>::zeros((1, 1));
    sess.run_into((Out(&g.error, &mut wrong),), feed![g.X => &x, g.y => &y])?;
    assert_eq!(wrong.dim(), (32, 1));
    Ok(())
}
