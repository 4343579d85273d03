//! `Sum`, `Mean` and `Max` over any set of axes.
//!
//! The input's dims are coalesced into alternating kept/reduced groups (size-1 dims
//! dropped). Fast paths: everything reduced (one slice reduction), `[kept, reduced]`
//! (a reduction per contiguous row) and `[reduced, kept]` (rows accumulated into the
//! output, cache friendly); any other pattern walks the input once in memory order,
//! accumulating each contiguous inner run into its output slot or segment.

mod plan;

use super::layout::check_rank;
use super::num::{self, MaxElem, Num};
use super::{KernelError, Result, MAX_RANK};
use crate::tensor::{Buffer, Data, DataView, TensorView};
use plan::Plan;
use staticflow_ir::{DType, ReduceKind};

/// Reduces `x` over `axes` (any order, repeats allowed).
///
/// # Errors
/// [`KernelError::ReductionAxis`], [`KernelError::EmptyMax`],
/// [`KernelError::UnsupportedDtype`] (Sum/Mean of bool), [`KernelError::RankTooLarge`].
pub(super) fn reduce(
    kind: ReduceKind,
    x: TensorView<'_>,
    axes: &[usize],
    keep_dims: bool,
    out: &mut Buffer,
) -> Result {
    let op = match kind {
        ReduceKind::Sum => "Sum",
        ReduceKind::Mean => "Mean",
        ReduceKind::Max => "Max",
    };
    let rank = x.shape.len();
    check_rank(op, rank)?;
    let mut reduced = [false; MAX_RANK];
    for &axis in axes {
        if axis >= rank {
            return Err(KernelError::ReductionAxis { axis, rank });
        }
        reduced[axis] = true;
    }
    let plan = Plan::new(x.shape, &reduced[..rank]);
    // Only an empty input can ask for more outputs than it has elements.
    if plan.out_len > isize::MAX as usize / 8 {
        return Err(KernelError::TooLarge {
            op,
            shape: x.shape.to_vec(),
        });
    }
    if kind == ReduceKind::Max && plan.count == 0 && plan.out_len > 0 {
        return Err(KernelError::EmptyMax {
            axes: axes.to_vec(),
            shape: x.shape.to_vec(),
        });
    }
    let d = &mut out.data;
    match (kind, x.data) {
        (ReduceKind::Max, DataView::F32(s)) => run_max(&plan, s, d),
        (ReduceKind::Max, DataView::F64(s)) => run_max(&plan, s, d),
        (ReduceKind::Max, DataView::I32(s)) => run_max(&plan, s, d),
        (ReduceKind::Max, DataView::I64(s)) => run_max(&plan, s, d),
        (ReduceKind::Max, DataView::Bool(s)) => run_max(&plan, s, d),
        (_, DataView::F32(s)) => run_sum(&plan, s, d, kind == ReduceKind::Mean),
        (_, DataView::F64(s)) => run_sum(&plan, s, d, kind == ReduceKind::Mean),
        (_, DataView::I32(s)) => run_sum(&plan, s, d, kind == ReduceKind::Mean),
        (_, DataView::I64(s)) => run_sum(&plan, s, d, kind == ReduceKind::Mean),
        (_, DataView::Bool(_)) => {
            return Err(KernelError::UnsupportedDtype {
                op,
                dtype: DType::Bool,
            })
        }
    }
    out.shape.clear();
    for (i, &dim) in x.shape.iter().enumerate() {
        match (reduced[i], keep_dims) {
            (false, _) => out.shape.push(dim),
            (true, true) => out.shape.push(1),
            (true, false) => {}
        }
    }
    Ok(())
}

/// A reduction: its identity and how it combines elements and slices.
trait Reducer<T: Copy> {
    /// The value of an empty reduction.
    const INIT: T;
    /// Combines two values.
    fn combine(a: T, b: T) -> T;
    /// Reduces a whole slice (vectorised).
    fn slice(s: &[T]) -> T;
}

/// Sum (Mean divides afterwards).
struct Add;

impl<T: Num> Reducer<T> for Add {
    const INIT: T = T::ZERO;
    #[inline(always)]
    fn combine(a: T, b: T) -> T {
        a.plus(b)
    }
    #[inline(always)]
    fn slice(s: &[T]) -> T {
        num::sum(s)
    }
}

/// Max, NaN-propagating.
struct Greatest;

impl<T: MaxElem> Reducer<T> for Greatest {
    const INIT: T = T::LOWEST;
    #[inline(always)]
    fn combine(a: T, b: T) -> T {
        a.max_nan(b)
    }
    #[inline(always)]
    fn slice(s: &[T]) -> T {
        num::max(s)
    }
}

/// Reduces `s` by `R` into `d` as the plan says; a reduction over no elements gives
/// `R::INIT` (the caller rejects that for Max).
fn run<T: Copy, R: Reducer<T>>(p: &Plan, s: &[T], d: &mut Vec<T>) {
    let o = d;
    o.clear();
    if p.out_len == 0 {
        return;
    }
    if p.count == 0 || p.rank == 0 {
        // No elements to reduce (identities), or nothing to reduce (a copy).
        o.extend_from_slice(s);
        o.resize(p.out_len, R::INIT);
        return;
    }
    match p.pattern() {
        (1, true) => o.push(R::slice(s)),
        (2, false) => o.extend(s.chunks_exact(p.dims[1]).map(R::slice)),
        (2, true) | (1, false) => {
            let mut rows = s.chunks_exact(p.dims[p.rank - 1]);
            o.extend_from_slice(rows.next().unwrap_or_default());
            for row in rows {
                o.iter_mut()
                    .zip(row)
                    .for_each(|(a, &v)| *a = R::combine(*a, v));
            }
        }
        _ => {
            o.resize(p.out_len, R::INIT);
            if p.reduced[p.rank - 1] {
                p.walk(s, |at, run| o[at] = R::combine(o[at], R::slice(run)));
            } else {
                p.walk(s, |at, run| {
                    let seg = &mut o[at..at + run.len()];
                    seg.iter_mut()
                        .zip(run)
                        .for_each(|(a, &v)| *a = R::combine(*a, v));
                });
            }
        }
    }
}

/// Sum, then the division of a Mean.
fn run_sum<T: Num>(p: &Plan, s: &[T], d: &mut Data, mean: bool) {
    let o = T::vec_mut(d);
    run::<T, Add>(p, s, o);
    if mean {
        o.iter_mut().for_each(|v| *v = v.div_count(p.count));
    }
}

/// Max; the caller rejected empty reductions.
fn run_max<T: MaxElem>(p: &Plan, s: &[T], d: &mut Data) {
    run::<T, Greatest>(p, s, T::vec_mut(d));
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{assert_close, count, data, run, unravel, values, view};
    use super::*;
    use staticflow_ir::Op;
    use std::borrow::Cow;

    fn op(kind: ReduceKind, axes: &[usize], keep_dims: bool) -> Op {
        Op::Reduce {
            kind,
            axes: Cow::Owned(axes.to_vec()),
            keep_dims,
        }
    }

    /// Naive: every input element added into the output slot its kept indices name.
    fn reference(kind: ReduceKind, x: &[f64], shape: &[usize], axes: &[usize]) -> Vec<f64> {
        let kept: Vec<usize> = (0..shape.len()).filter(|i| !axes.contains(i)).collect();
        let out_shape: Vec<usize> = kept.iter().map(|&i| shape[i]).collect();
        let init = if kind == ReduceKind::Max {
            f64::NEG_INFINITY
        } else {
            0.0
        };
        let mut out = vec![init; count(&out_shape)];
        for (flat, &v) in x.iter().enumerate() {
            let idx = unravel(flat, shape);
            let at = kept.iter().fold(0, |acc, &i| acc * shape[i] + idx[i]);
            out[at] = if kind == ReduceKind::Max {
                out[at].max(v)
            } else {
                out[at] + v
            };
        }
        if kind == ReduceKind::Mean {
            let n: usize = (0..shape.len())
                .filter(|i| axes.contains(i))
                .map(|i| shape[i])
                .product();
            out.iter_mut().for_each(|v| *v /= n as f64);
        }
        out
    }

    #[test]
    fn every_path_matches_naive() {
        let cases: &[(&[usize], &[usize])] = &[
            (&[17], &[0]),
            (&[3, 7], &[1]),
            (&[33, 17], &[0]),
            (&[7, 3], &[0, 1]),
            (&[3, 7], &[]),
            (&[2, 3, 5], &[1]),
            (&[2, 3, 5], &[0, 2]),
            (&[3, 1, 7], &[1]),
            (&[3, 1, 7], &[0]),
            (&[2, 3, 4, 5], &[1, 3]),
            (&[2, 3, 4, 5], &[0, 1]),
            (&[1, 17], &[0]),
            (&[], &[]),
            (&[5, 2, 3], &[2, 2]),
        ];
        for kind in [ReduceKind::Sum, ReduceKind::Mean, ReduceKind::Max] {
            for (shape, axes) in cases {
                let x = data(count(shape), 7);
                let want = reference(kind, &x, shape, axes);
                for keep in [false, true] {
                    let out = run(
                        &op(kind, axes, keep),
                        DType::Float64,
                        &[],
                        &[view(&x, shape)],
                    )
                    .unwrap();
                    assert_close(&values::<f64>(&out), &want, 1e-12);
                    let dims: Vec<usize> = shape
                        .iter()
                        .enumerate()
                        .filter_map(|(i, &d)| match (axes.contains(&i), keep) {
                            (false, _) => Some(d),
                            (true, true) => Some(1),
                            (true, false) => None,
                        })
                        .collect();
                    assert_eq!(out.shape, dims, "{kind:?} {shape:?} {axes:?}");
                }
                let xi: Vec<i32> = x.iter().map(|&v| (v * 10.0) as i32).collect();
                let wide: Vec<f64> = xi.iter().map(|&v| f64::from(v)).collect();
                let want = reference(kind, &wide, shape, axes);
                let out = run(
                    &op(kind, axes, false),
                    DType::Int32,
                    &[],
                    &[view(&xi, shape)],
                )
                .unwrap();
                let got: Vec<f64> = values::<i32>(&out).iter().map(|&v| f64::from(v)).collect();
                let want: Vec<f64> = want.iter().map(|v| v.trunc()).collect();
                assert_eq!(got, want, "{kind:?} {shape:?} {axes:?}");
            }
        }
    }

    #[test]
    fn extra_inputs_are_ignored_and_ints_mean_truncates() {
        let x = [1i64, 2, 4, -1, -2, -4];
        let axes = [5i32];
        let sum = op(ReduceKind::Mean, &[1], false);
        let out = run(
            &sum,
            DType::Int64,
            &[],
            &[view(&x, &[2, 3]), view(&axes, &[1])],
        )
        .unwrap();
        assert_eq!(values::<i64>(&out), vec![2, -2]);
    }

    #[test]
    fn bool_max_is_any() {
        let x = [false, true, false, false];
        let out = run(
            &op(ReduceKind::Max, &[1], false),
            DType::Bool,
            &[],
            &[view(&x, &[2, 2])],
        )
        .unwrap();
        assert_eq!(values::<bool>(&out), vec![true, false]);
        let err = run(
            &op(ReduceKind::Sum, &[1], false),
            DType::Bool,
            &[],
            &[view(&x, &[2, 2])],
        )
        .unwrap_err();
        assert!(matches!(
            err,
            KernelError::UnsupportedDtype { op: "Sum", .. }
        ));
    }

    #[test]
    fn empty_inputs() {
        let x: [f32; 0] = [];
        let sum = run(
            &op(ReduceKind::Sum, &[0], false),
            DType::Float32,
            &[],
            &[view(&x, &[0, 3])],
        )
        .unwrap();
        assert_eq!((values::<f32>(&sum), sum.shape), (vec![0.0; 3], vec![3]));
        let mean = run(
            &op(ReduceKind::Mean, &[0], false),
            DType::Float32,
            &[],
            &[view(&x, &[0, 3])],
        )
        .unwrap();
        assert!(values::<f32>(&mean).iter().all(|v| v.is_nan()));
        let rows = run(
            &op(ReduceKind::Max, &[1], false),
            DType::Float32,
            &[],
            &[view(&x, &[0, 3])],
        )
        .unwrap();
        assert_eq!(rows.shape, vec![0]);
        let err = run(
            &op(ReduceKind::Max, &[0], false),
            DType::Float32,
            &[],
            &[view(&x, &[0, 3])],
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "reduce_max over zero elements: axes 0 of shape [0,3] are empty"
        );
    }

    #[test]
    fn bad_axis_and_rank() {
        let x = [1.0f32; 6];
        let err = run(
            &op(ReduceKind::Sum, &[2], false),
            DType::Float32,
            &[],
            &[view(&x, &[2, 3])],
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid reduction dimension (2 for input with 2 dimension(s)"
        );
        let one = [1.0f32];
        let err = run(
            &op(ReduceKind::Sum, &[0], false),
            DType::Float32,
            &[],
            &[view(&one, &[1; 9])],
        )
        .unwrap_err();
        assert!(matches!(err, KernelError::RankTooLarge { rank: 9, .. }));
    }
}
