//! `BiasAdd` (a rank-1 bias added along the last axis) and `BiasAddGrad` (the sum over
//! every axis but the last, through the reduce kernel's `[rows, C] → [C]` fast path).

use super::num::Num;
use super::reduce::reduce;
use super::vmath;
use super::{typed, KernelError, Result, MAX_RANK};
use crate::tensor::{Buffer, DataView, TensorView};
use staticflow_ir::{DType, ReduceKind};

/// `x + b` with `b` broadcast along `x`'s last axis.
///
/// # Errors
/// [`KernelError::BiasInputRank`], [`KernelError::BiasRank`], [`KernelError::BiasSize`]
/// (TF's messages), [`KernelError::DtypeMismatch`], [`KernelError::UnsupportedDtype`]
/// for bool.
pub(super) fn bias_add(x: TensorView<'_>, b: TensorView<'_>, out: &mut Buffer) -> Result {
    bias_add_then(x, b, out, false)
}

/// `relu(x + b)` in one pass: `BiasAdd` and the `Relu` that is its only reader, run as
/// one fused loop (the session's plan decides when that holds).
///
/// # Errors
/// As [`bias_add`].
pub(crate) fn bias_add_relu(x: TensorView<'_>, b: TensorView<'_>, out: &mut Buffer) -> Result {
    bias_add_then(x, b, out, true)
}

/// `x + b`, then ReLU when `relu`.
fn bias_add_then(x: TensorView<'_>, b: TensorView<'_>, out: &mut Buffer, relu: bool) -> Result {
    let Some(&c) = x.shape.last() else {
        return Err(KernelError::BiasInputRank { shape: vec![] });
    };
    if b.shape.len() != 1 {
        return Err(KernelError::BiasRank {
            shape: b.shape.to_vec(),
        });
    }
    if b.shape[0] != c {
        return Err(KernelError::BiasSize {
            bias: b.shape.to_vec(),
            input: x.shape.to_vec(),
        });
    }
    match x.data {
        DataView::F32(s) => add_rows(s, typed("BiasAdd", 1, b)?, c, out, relu),
        DataView::F64(s) => add_rows(s, typed("BiasAdd", 1, b)?, c, out, relu),
        DataView::I32(s) => add_rows(s, typed("BiasAdd", 1, b)?, c, out, relu),
        DataView::I64(s) => add_rows(s, typed("BiasAdd", 1, b)?, c, out, relu),
        DataView::Bool(_) => {
            return Err(KernelError::UnsupportedDtype {
                op: "BiasAdd",
                dtype: DType::Bool,
            })
        }
    }
    out.set_shape(x.shape);
    Ok(())
}

/// Each row of `c` of `s` plus `b` (then ReLU), from the AVX2 copy where there is one.
fn add_rows<T: Num>(s: &[T], b: &[T], c: usize, out: &mut Buffer, relu: bool) {
    let o = T::vec_mut(&mut out.data);
    if relu {
        vmath::dispatch(AddRows {
            s,
            b,
            c,
            o,
            act: T::relu,
        });
    } else {
        vmath::dispatch(AddRows {
            s,
            b,
            c,
            o,
            act: |v| v,
        });
    }
}

/// The body of [`add_rows`].
struct AddRows<'a, T, F> {
    s: &'a [T],
    b: &'a [T],
    c: usize,
    o: &'a mut Vec<T>,
    act: F,
}

impl<T: Num, F: Fn(T) -> T> vmath::Body for AddRows<'_, T, F> {
    type Out = ();
    #[inline(always)]
    fn run(self) {
        self.o.clear();
        if self.c == 0 {
            return;
        }
        // Whole rows only, as the shape checks guarantee.
        let n = self.s.len() / self.c * self.c;
        self.o.reserve(n);
        let spare = &mut self.o.spare_capacity_mut()[..n];
        for (orow, row) in spare
            .chunks_exact_mut(self.c)
            .zip(self.s.chunks_exact(self.c))
        {
            for ((o, &v), &w) in orow.iter_mut().zip(row).zip(self.b) {
                o.write((self.act)(v.plus(w)));
            }
        }
        // SAFETY: `reserve(n)` made room for `n` elements and the loop initialised the
        // first `n` of the spare capacity (`n / c` rows of `c`).
        unsafe { self.o.set_len(n) }
    }
}

/// The sum of `dy` over every axis but the last: shape `[dy.shape[-1]]`.
///
/// # Errors
/// [`KernelError::BiasInputRank`] for a scalar, and the reduce kernel's errors.
pub(super) fn bias_add_grad(dy: TensorView<'_>, out: &mut Buffer) -> Result {
    let rank = dy.shape.len();
    if rank == 0 {
        return Err(KernelError::BiasInputRank { shape: vec![] });
    }
    let axes: [usize; MAX_RANK] = std::array::from_fn(|i| i);
    let leading = &axes[..(rank - 1).min(MAX_RANK)];
    reduce(ReduceKind::Sum, dy, leading, false, out).map_err(|e| match e {
        KernelError::RankTooLarge { rank, .. } => KernelError::RankTooLarge {
            op: "BiasAddGrad",
            rank,
        },
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{
        assert_close, count, data, numeric_grad, run, run_f64, values, view,
    };
    use super::*;
    use staticflow_ir::Op;

    #[test]
    fn gradients_match_finite_differences() {
        for shape in [&[5][..], &[3, 7], &[2, 3, 5], &[4, 1], &[1, 1, 9]] {
            let c = shape[shape.len() - 1];
            let x = data(count(shape), 51);
            let b = data(c, 52);
            let dy = data(x.len(), 53);
            let (got, s) = run_f64(&Op::BiasAddGrad, &[(&dy, shape)]);
            assert_eq!(s, vec![c]);
            let want = numeric_grad(&b, &dy, |b| {
                run_f64(&Op::BiasAdd, &[(&x, shape), (b, &[c])]).0
            });
            assert_close(&got, &want, 1e-6);
            let (sum, _) = run_f64(&Op::BiasAdd, &[(&x, shape), (&b, &[c])]);
            let naive: Vec<f64> = x.iter().enumerate().map(|(i, v)| v + b[i % c]).collect();
            assert_eq!(sum, naive);
        }
    }

    #[test]
    fn fused_relu_equals_bias_add_then_relu() {
        let (shape, c) = (&[3, 5][..], 5);
        let x = data(15, 61);
        let b = data(c, 62);
        let mut out = Buffer::empty(DType::Float64);
        bias_add_relu(view(&x[..], shape), view(&b[..], &[c]), &mut out).unwrap();
        let (sum, _) = run_f64(&Op::BiasAdd, &[(&x, shape), (&b, &[c])]);
        let want: Vec<f64> = sum.iter().map(|v| v.max(0.0)).collect();
        assert_eq!(values::<f64>(&out), want);
        assert_eq!(out.shape, vec![3, 5]);
        assert!(want.contains(&0.0) && want.iter().any(|&v| v > 0.0));
        let err = bias_add_relu(view(&x[..], shape), view(&b[..2], &[2]), &mut out);
        assert!(matches!(err, Err(KernelError::BiasSize { .. })));
    }

    #[test]
    fn integers_and_empty_rows() {
        let x = [1i32, 2, 3, 4, 5, 6];
        let b = [10i32, 20, 30];
        let out = run(
            &Op::BiasAdd,
            DType::Int32,
            &[],
            &[view(&x, &[2, 3]), view(&b, &[3])],
        )
        .unwrap();
        assert_eq!(values::<i32>(&out), vec![11, 22, 33, 14, 25, 36]);
        let e: [f32; 0] = [];
        let out = run(
            &Op::BiasAdd,
            DType::Float32,
            &[],
            &[view(&e, &[4, 0]), view(&e, &[0])],
        )
        .unwrap();
        assert_eq!(out.shape, vec![4, 0]);
        let out = run(
            &Op::BiasAddGrad,
            DType::Float32,
            &[],
            &[view(&e, &[0, 3, 0])],
        )
        .unwrap();
        assert_eq!(out.shape, vec![0]);
    }

    #[test]
    fn errors_use_tf_wording() {
        let x = [1.0f32; 6];
        let go = |sx: &[usize], sb: &[usize]| {
            run(
                &Op::BiasAdd,
                DType::Float32,
                &[],
                &[view(&x[..count(sx)], sx), view(&x[..count(sb)], sb)],
            )
            .unwrap_err()
            .to_string()
        };
        assert_eq!(go(&[], &[1]), "Input tensor must be at least 1D: []");
        assert_eq!(go(&[2, 3], &[3, 1]), "Biases must be 1D: [3,1]");
        assert_eq!(
            go(&[2, 3], &[2]),
            "Must provide as many biases as the last dimension of the input tensor: [2] vs. [2,3]"
        );
        let err = run(&Op::BiasAddGrad, DType::Float32, &[], &[view(&x[..1], &[])]).unwrap_err();
        assert_eq!(err.to_string(), "Input tensor must be at least 1D: []");
        let big = [1.0f32];
        let err = run(
            &Op::BiasAddGrad,
            DType::Float32,
            &[],
            &[view(&big, &[1; 9])],
        )
        .unwrap_err();
        assert!(matches!(
            err,
            KernelError::RankTooLarge {
                op: "BiasAddGrad",
                rank: 9
            }
        ));
    }
}
