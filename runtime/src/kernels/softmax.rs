//! `Softmax` and `LogSoftmax` over the last axis, and their gradients.
//!
//! Both forwards are numerically stable as TF's Eigen kernels are: each row is shifted
//! by its max before `exp`; softmax then scales by the reciprocal of the sum, and
//! log-softmax subtracts the sum's log from the shifted row. The gradients follow TF's
//! `nn_grad.py`: `(dy - sum(dy·y)) · y` and `dy - exp(y) · sum(dy)`, per row.

use super::num::{self, Float};
use super::vmath;
use super::{same_shape, typed, KernelError, Result};
use crate::tensor::{Buffer, Data, DataView, TensorView};

/// Softmax of `x` along its last axis.
///
/// # Errors
/// [`KernelError::SoftmaxRank`] for a scalar, [`KernelError::UnsupportedDtype`] for
/// non-float input.
pub(super) fn softmax(x: TensorView<'_>, out: &mut Buffer) -> Result {
    let Some(&n) = x.shape.last() else {
        return Err(KernelError::SoftmaxRank { shape: vec![] });
    };
    match x.data {
        DataView::F32(s) => vmath::dispatch(Rows {
            s,
            n,
            d: &mut out.data,
        }),
        DataView::F64(s) => vmath::dispatch(Rows {
            s,
            n,
            d: &mut out.data,
        }),
        other => {
            return Err(KernelError::UnsupportedDtype {
                op: "Softmax",
                dtype: other.dtype(),
            })
        }
    }
    out.set_shape(x.shape);
    Ok(())
}

/// The kernel body: rows of `n` of `s` into `d`.
struct Rows<'a, T> {
    s: &'a [T],
    n: usize,
    d: &'a mut Data,
}

impl<T: Float> vmath::Body for Rows<'_, T> {
    type Out = ();
    #[inline(always)]
    fn run(self) {
        rows(self.s, self.n, self.d);
    }
}

/// Softmax of each row of `n` of `s` into `d`.
#[inline(always)]
fn rows<T: Float>(s: &[T], n: usize, d: &mut Data) {
    let o = T::vec_mut(d);
    o.clear();
    if n == 0 {
        return;
    }
    o.resize(s.len(), T::ZERO);
    for (row, dst) in s.chunks_exact(n).zip(o.chunks_exact_mut(n)) {
        let m = num::max(row);
        for (y, &v) in dst.iter_mut().zip(row) {
            *y = v.minus(m).exp();
        }
        let scale = T::from_f64(1.0).div(num::sum(dst));
        dst.iter_mut().for_each(|y| *y = y.times(scale));
    }
}

/// Log-softmax of `x` along its last axis.
///
/// # Errors
/// [`KernelError::SoftmaxRank`] for a scalar, [`KernelError::UnsupportedDtype`] for
/// non-float input.
pub(super) fn log_softmax(x: TensorView<'_>, out: &mut Buffer) -> Result {
    let n = last_dim(x)?;
    match x.data {
        DataView::F32(s) => log_rows(s, n, &mut out.data),
        DataView::F64(s) => log_rows(s, n, &mut out.data),
        other => {
            return Err(KernelError::UnsupportedDtype {
                op: "LogSoftmax",
                dtype: other.dtype(),
            })
        }
    }
    out.set_shape(x.shape);
    Ok(())
}

/// The last dim of a softmax input, or [`KernelError::SoftmaxRank`] for a scalar.
fn last_dim(x: TensorView<'_>) -> Result<usize> {
    x.shape
        .last()
        .copied()
        .ok_or(KernelError::SoftmaxRank { shape: vec![] })
}

/// Log-softmax of each row of `n` of `s` into `d`.
fn log_rows<T: Float>(s: &[T], n: usize, d: &mut Data) {
    let o = T::vec_mut(d);
    o.clear();
    if n == 0 {
        return;
    }
    o.resize(s.len(), T::ZERO);
    for (row, dst) in s.chunks_exact(n).zip(o.chunks_exact_mut(n)) {
        let m = num::max(row);
        let log_sum = num::sum_map(row, |v| v.minus(m).exp()).ln();
        for (y, &v) in dst.iter_mut().zip(row) {
            *y = v.minus(m).minus(log_sum);
        }
    }
}

/// The gradient of softmax from its output `y` and `dy`: `(dy - sum(dy·y)) · y` per row.
///
/// # Errors
/// [`KernelError::SoftmaxRank`], [`KernelError::ShapeMismatch`],
/// [`KernelError::DtypeMismatch`], [`KernelError::UnsupportedDtype`].
pub(super) fn softmax_grad(y: TensorView<'_>, dy: TensorView<'_>, out: &mut Buffer) -> Result {
    row_grad(Grad::Softmax, y, dy, out)
}

/// The gradient of log-softmax from its output `y` and `dy`: `dy - exp(y) · sum(dy)`
/// per row.
///
/// # Errors
/// As [`softmax_grad`].
pub(super) fn log_softmax_grad(y: TensorView<'_>, dy: TensorView<'_>, out: &mut Buffer) -> Result {
    row_grad(Grad::LogSoftmax, y, dy, out)
}

/// Which forward a [`row_grad`] differentiates.
#[derive(Clone, Copy)]
enum Grad {
    /// Softmax.
    Softmax,
    /// Log-softmax.
    LogSoftmax,
}

impl Grad {
    /// TF's op type.
    fn name(self) -> &'static str {
        match self {
            Grad::Softmax => "SoftmaxGrad",
            Grad::LogSoftmax => "LogSoftmaxGrad",
        }
    }
}

/// Checks `(y, dy)` and computes the gradient row by row.
fn row_grad(kind: Grad, y: TensorView<'_>, dy: TensorView<'_>, out: &mut Buffer) -> Result {
    let op = kind.name();
    let n = last_dim(y)?;
    same_shape(op, 1, y.shape, dy.shape)?;
    match y.data {
        DataView::F32(s) => grad_rows(kind, s, typed(op, 1, dy)?, n, &mut out.data),
        DataView::F64(s) => grad_rows(kind, s, typed(op, 1, dy)?, n, &mut out.data),
        other => {
            return Err(KernelError::UnsupportedDtype {
                op,
                dtype: other.dtype(),
            })
        }
    }
    out.set_shape(y.shape);
    Ok(())
}

/// The gradient of each row of `n` of `y` and `g` into `d`.
fn grad_rows<T: Float>(kind: Grad, y: &[T], g: &[T], n: usize, d: &mut Data) {
    let o = T::vec_mut(d);
    o.clear();
    if n == 0 {
        return;
    }
    o.resize(y.len(), T::ZERO);
    let rows = y.chunks_exact(n).zip(g.chunks_exact(n));
    for ((y, g), dst) in rows.zip(o.chunks_exact_mut(n)) {
        match kind {
            Grad::Softmax => {
                let dot = dot(y, g);
                for ((d, &p), &q) in dst.iter_mut().zip(y).zip(g) {
                    *d = q.minus(dot).times(p);
                }
            }
            Grad::LogSoftmax => {
                let sum = num::sum(g);
                for ((d, &p), &q) in dst.iter_mut().zip(y).zip(g) {
                    *d = q.minus(sum.times(p.exp()));
                }
            }
        }
    }
}

/// `sum(a·b)`, with eight accumulators as [`num::sum`].
fn dot<T: Float>(a: &[T], b: &[T]) -> T {
    let mut acc = [T::ZERO; 8];
    let (mut ca, mut cb) = (a.chunks_exact(8), b.chunks_exact(8));
    for (p, q) in (&mut ca).zip(&mut cb) {
        for ((s, &u), &v) in acc.iter_mut().zip(p).zip(q) {
            *s = s.plus(u.times(v));
        }
    }
    let mut total = num::sum(&acc);
    for (&u, &v) in ca.remainder().iter().zip(cb.remainder()) {
        total = total.plus(u.times(v));
    }
    total
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{
        assert_close, count, data, numeric_grad, run, run_f64, values, values_f32, view,
    };
    use super::*;
    use staticflow_ir::{DType, Op};

    /// TF 2.21's numbers (tests/fixtures/tf_reference.json, "losses"): logits, weights
    /// `w` with `dy = w` (the gradient of `reduce_sum(value * w)`), and the values and
    /// gradients of softmax and log_softmax.
    const LOGITS: [f32; 6] = [1.0, 2.0, 0.5, -1.0, 0.0, 3.0];
    const W: [f32; 6] = [1.0, -2.0, 0.5, 0.3, 1.0, -1.0];
    const TF_SOFTMAX: [f64; 6] = [
        0.23122389614582062,
        0.6285316944122314,
        0.14024437963962555,
        0.01714782603085041,
        0.04661262035369873,
        0.9362395405769348,
    ];
    const TF_SOFTMAX_GRAD: [f64; 6] = [
        0.45220857858657837,
        -0.6563647389411926,
        0.20415617525577545,
        0.020311301574110985,
        0.08784067630767822,
        -0.10815199464559555,
    ];
    const TF_LOG_SOFTMAX: [f64; 6] = [
        -1.4643688201904297,
        -0.4643687903881073,
        -1.9643688201904297,
        -4.065884113311768,
        -3.0658838748931885,
        -0.06588391214609146,
    ];
    const TF_LOG_SOFTMAX_GRAD: [f64; 6] = [
        1.1156119108200073,
        -1.6857341527938843,
        0.5701221823692322,
        0.29485565423965454,
        0.9860162138938904,
        -1.280871868133545,
    ];

    #[test]
    fn values_and_gradients_match_tf() {
        let shape = [2, 3];
        let x = view(&LOGITS, &shape);
        let w = view(&W, &shape);
        let y = run(&Op::Softmax, DType::Float32, &[], &[x]).unwrap();
        assert_close(&values_f32(&y), &TF_SOFTMAX, 1e-6);
        let g = run(&Op::SoftmaxGrad, DType::Float32, &[], &[y.view(), w]).unwrap();
        assert_close(&values_f32(&g), &TF_SOFTMAX_GRAD, 1e-6);
        let y = run(&Op::LogSoftmax, DType::Float32, &[], &[x]).unwrap();
        assert_close(&values_f32(&y), &TF_LOG_SOFTMAX, 1e-6);
        assert_eq!(y.shape, vec![2, 3]);
        let g = run(&Op::LogSoftmaxGrad, DType::Float32, &[], &[y.view(), w]).unwrap();
        assert_close(&values_f32(&g), &TF_LOG_SOFTMAX_GRAD, 1e-6);
    }

    #[test]
    fn gradients_match_finite_differences() {
        for shape in [&[1][..], &[5], &[3, 7], &[2, 3, 9], &[4, 1], &[2, 17]] {
            let x = data(count(shape), 41);
            let dy = data(x.len(), 42);
            for (forward, grad) in [
                (Op::Softmax, Op::SoftmaxGrad),
                (Op::LogSoftmax, Op::LogSoftmaxGrad),
            ] {
                let f = |x: &[f64]| run_f64(&forward, &[(x, shape)]).0;
                let y = f(&x);
                let (got, s) = run_f64(&grad, &[(&y, shape), (&dy, shape)]);
                assert_eq!(s, shape.to_vec());
                assert_close(&got, &numeric_grad(&x, &dy, f), 1e-6);
            }
        }
    }

    #[test]
    fn log_softmax_is_stable() {
        let x = [1000.0f32, 1000.0, -1000.0];
        let out = run(&Op::LogSoftmax, DType::Float32, &[], &[view(&x, &[3])]).unwrap();
        let got = values::<f32>(&out);
        assert_eq!(got[0], -std::f32::consts::LN_2);
        assert_eq!(got[1], -std::f32::consts::LN_2);
        assert!((got[2] + 2000.0 + std::f32::consts::LN_2).abs() < 1e-3);
        let x = data(21, 4);
        let (got, _) = run_f64(&Op::LogSoftmax, &[(&x, &[3, 7])]);
        let want: Vec<f64> = reference(&x, 7).iter().map(|v| v.ln()).collect();
        assert_close(&got, &want, 1e-14);
        let e: [f64; 0] = [];
        let (got, shape) = run_f64(&Op::LogSoftmaxGrad, &[(&e, &[3, 0]), (&e, &[3, 0])]);
        assert_eq!((got.len(), shape), (0, vec![3, 0]));
    }

    #[test]
    fn gradient_errors() {
        let a = [1.0f32; 6];
        let err = run(
            &Op::SoftmaxGrad,
            DType::Float32,
            &[],
            &[view(&a, &[2, 3]), view(&a, &[3, 2])],
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "SoftmaxGrad expects input 1 of shape [2,3], got [3,2]"
        );
        let err = run(
            &Op::LogSoftmaxGrad,
            DType::Float32,
            &[],
            &[view(&a[..1], &[]), view(&a[..1], &[])],
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "logits must have >= 1 dimension, got []");
        let d = [1.0f64; 6];
        let err = run(
            &Op::LogSoftmaxGrad,
            DType::Float32,
            &[],
            &[view(&a, &[6]), view(&d, &[6])],
        )
        .unwrap_err();
        assert!(matches!(err, KernelError::DtypeMismatch { index: 1, .. }));
        let i = [1i64; 2];
        let err = run(&Op::LogSoftmax, DType::Int64, &[], &[view(&i, &[2])]).unwrap_err();
        assert_eq!(err.to_string(), "no LogSoftmax kernel for dtype int64");
    }

    fn reference(x: &[f64], n: usize) -> Vec<f64> {
        x.chunks(n)
            .flat_map(|row| {
                let e: Vec<f64> = row.iter().map(|v| v.exp()).collect();
                let s: f64 = e.iter().sum();
                e.into_iter().map(move |v| v / s)
            })
            .collect()
    }

    #[test]
    fn matches_naive_on_odd_sizes() {
        for shape in [&[1][..], &[3], &[7, 17], &[2, 3, 33], &[5, 1]] {
            let x = data(count(shape), 11);
            let n = *shape.last().unwrap();
            let out = run(&Op::Softmax, DType::Float64, &[], &[view(&x, shape)]).unwrap();
            assert_close(&values::<f64>(&out), &reference(&x, n), 1e-14);
            assert_eq!(out.shape, shape.to_vec());
            let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
            let out = run(&Op::Softmax, DType::Float32, &[], &[view(&x32, shape)]).unwrap();
            let got: Vec<f64> = values::<f32>(&out).iter().map(|&v| f64::from(v)).collect();
            assert_close(&got, &reference(&x, n), 1e-6);
        }
    }

    #[test]
    fn large_logits_do_not_overflow() {
        let x = [1000.0f32, 1000.0, -1000.0];
        let out = run(&Op::Softmax, DType::Float32, &[], &[view(&x, &[3])]).unwrap();
        assert_eq!(values::<f32>(&out), vec![0.5, 0.5, 0.0]);
        let e: [f32; 0] = [];
        let out = run(&Op::Softmax, DType::Float32, &[], &[view(&e, &[2, 0])]).unwrap();
        assert_eq!(out.shape, vec![2, 0]);
    }

    #[test]
    fn errors() {
        let x = [1.0f32];
        let err = run(&Op::Softmax, DType::Float32, &[], &[view(&x, &[])]).unwrap_err();
        assert_eq!(err.to_string(), "logits must have >= 1 dimension, got []");
        let i = [1i32];
        let err = run(&Op::Softmax, DType::Int32, &[], &[view(&i, &[1])]).unwrap_err();
        assert!(matches!(err, KernelError::UnsupportedDtype { .. }));
    }
}
