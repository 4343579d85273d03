//! The im2col scratch of the convolution kernels: one buffer per thread and float type,
//! kept between runs, so a steady-state run allocates nothing.
//!
//! Why a thread-local rather than the output buffer's spare capacity: the scratch is
//! needed next to the output (forward: the output is written by the gemm that reads the
//! scratch), a separate buffer keeps the kernels' slices disjoint without `unsafe`, and
//! its size is bounded by [`super::SCRATCH_ELEMS`] (or one patch row, if larger) rather
//! than by the tensors, so what a thread keeps is small.

use std::cell::RefCell;

/// Floats with a per-thread scratch buffer.
pub(super) trait Scratch: Copy + Default + 'static {
    /// Runs `f` on a scratch slice of `len` elements of unspecified contents (the
    /// callers overwrite every element before reading it).
    fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [Self]) -> R) -> R;
}

thread_local! {
    static F32: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
    static F64: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

/// `f` on the first `len` elements of `cell`'s buffer, grown as needed; a fresh buffer
/// if the cell is already borrowed (kernels do not nest, so that never happens).
fn borrow<T: Copy + Default, R>(
    cell: &RefCell<Vec<T>>,
    len: usize,
    f: impl FnOnce(&mut [T]) -> R,
) -> R {
    match cell.try_borrow_mut() {
        Ok(mut v) => {
            if v.len() < len {
                v.resize(len, T::default());
            }
            f(&mut v[..len])
        }
        Err(_) => f(&mut vec![T::default(); len]),
    }
}

impl Scratch for f32 {
    fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [Self]) -> R) -> R {
        F32.with(|cell| borrow(cell, len, f))
    }
}

impl Scratch for f64 {
    fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [Self]) -> R) -> R {
        F64.with(|cell| borrow(cell, len, f))
    }
}
