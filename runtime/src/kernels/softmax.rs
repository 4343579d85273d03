//! `Softmax` over the last axis, numerically stable: each row is shifted by its max
//! before `exp`, then scaled by the reciprocal of its sum (as TF's Eigen kernel does).

use super::num::{self, Float};
use super::vmath;
use super::{KernelError, Result};
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

#[cfg(test)]
mod tests {
    use super::super::testutil::{assert_close, count, data, run, values, view};
    use super::*;
    use staticflow_ir::{DType, Op};

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
