//! Helpers for the kernel unit tests: views over literals, one-call kernel runs,
//! deterministic test data and a naive broadcast index map.

use super::{compute, KernelError, RngState};
use crate::tensor::{Buffer, Element, TensorView};
use staticflow_ir::{DType, Dim, Op};

/// A view of `data` with `shape`.
pub(crate) fn view<'a, T: Element>(data: &'a [T], shape: &'a [usize]) -> TensorView<'a> {
    TensorView {
        data: T::view(data),
        shape,
    }
}

/// Runs `op` into a fresh buffer.
pub(crate) fn run(
    op: &Op,
    dtype: DType,
    static_shape: &[Dim],
    inputs: &[TensorView<'_>],
) -> Result<Buffer, KernelError> {
    let mut out = Buffer::empty(dtype);
    compute(op, dtype, static_shape, inputs, &mut out, None)?;
    Ok(out)
}

/// Runs a random op into a fresh buffer.
pub(crate) fn run_rng(
    op: &Op,
    dtype: DType,
    static_shape: &[Dim],
    rng: &mut RngState,
) -> Result<Buffer, KernelError> {
    let mut out = Buffer::empty(dtype);
    compute(op, dtype, static_shape, &[], &mut out, Some(rng))?;
    Ok(out)
}

/// The elements of `b` as `T`; panics (test only) on another dtype.
pub(crate) fn values<T: Element>(b: &Buffer) -> Vec<T> {
    match T::slice(b.data.view()) {
        Some(s) => s.to_vec(),
        None => panic!("expected {:?}, got {:?}", T::DTYPE, b.data.dtype()),
    }
}

/// `n` deterministic pseudo-random values in about [-2, 2) (an LCG, so tests need no
/// crate), from `seed`.
pub(crate) fn data(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) * 4.0 - 2.0
        })
        .collect()
}

/// Row-major element count.
pub(crate) fn count(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// The flat index into a tensor of `shape` that output multi-index `idx` (of a
/// broadcast result with rank `idx.len()`) reads: NumPy's rule, done the slow way.
pub(crate) fn broadcast_index(idx: &[usize], shape: &[usize]) -> usize {
    let pad = idx.len() - shape.len();
    let mut flat = 0;
    for (k, &d) in shape.iter().enumerate() {
        let i = if d == 1 { 0 } else { idx[pad + k] };
        flat = flat * d + i;
    }
    flat
}

/// The multi-index of flat position `flat` in `shape`.
pub(crate) fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for (slot, &d) in idx.iter_mut().zip(shape).rev() {
        *slot = flat % d;
        flat /= d;
    }
    idx
}

/// Asserts two float sequences agree within `tol` (relative to magnitude above 1).
pub(crate) fn assert_close(got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "lengths differ");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let scale = w.abs().max(1.0);
        assert!(
            (g - w).abs() <= tol * scale || (g.is_nan() && w.is_nan()),
            "element {i}: got {g}, want {w}"
        );
    }
}
