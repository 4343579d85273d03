//! Helpers for the kernel unit tests: views over literals, one-call kernel runs,
//! deterministic test data, a naive broadcast index map and central finite
//! differences for checking gradient kernels.

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

/// Runs `op` on f64 inputs (values, shape) and returns the output's values and shape.
pub(crate) fn run_f64(op: &Op, inputs: &[(&[f64], &[usize])]) -> (Vec<f64>, Vec<usize>) {
    let views: Vec<TensorView<'_>> = inputs.iter().map(|(d, s)| view(d, s)).collect();
    match run(op, DType::Float64, &[], &views) {
        Ok(out) => (values::<f64>(&out), out.shape),
        Err(e) => panic!("{op:?}: {e}"),
    }
}

/// The gradient of `sum(w · f(x))` with respect to each element of `x`, by central
/// differences with step `1e-6` (error about `1e-10` for smooth `f` of moderate size).
pub(crate) fn numeric_grad(x: &[f64], w: &[f64], f: impl Fn(&[f64]) -> Vec<f64>) -> Vec<f64> {
    let h = 1e-6;
    let loss = |x: &[f64]| -> f64 {
        let y = f(x);
        assert_eq!(y.len(), w.len(), "weights must match the output");
        y.iter().zip(w).map(|(a, b)| a * b).sum()
    };
    (0..x.len())
        .map(|i| {
            let mut p = x.to_vec();
            p[i] += h;
            let mut m = x.to_vec();
            m[i] -= h;
            (loss(&p) - loss(&m)) / (2.0 * h)
        })
        .collect()
}

/// The f32 values of a buffer, widened.
pub(crate) fn values_f32(b: &Buffer) -> Vec<f64> {
    values::<f32>(b).iter().map(|&v| f64::from(v)).collect()
}
