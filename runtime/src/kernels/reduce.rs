//! `Sum`, `Mean` and `Max` over any set of axes.
//!
//! The input's dims are coalesced into alternating kept/reduced groups (size-1 dims
//! dropped). Fast paths: everything reduced (one slice reduction), `[kept, reduced]`
//! (a reduction per contiguous row) and `[reduced, kept]` (rows accumulated into the
//! output, cache friendly); any other pattern walks the input once in memory order,
//! accumulating each contiguous inner run into its output slot or segment.

use super::layout::{advance, check_rank, Dims};
use super::num::{self, MaxElem, Num};
use super::{KernelError, Result, MAX_RANK};
use crate::tensor::{Buffer, Data, DataView, TensorView};
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

/// The coalesced reduction.
struct Plan {
    /// Group sizes, outermost first; no size-1 groups; kept and reduced alternate.
    dims: Dims,
    /// Whether each group is reduced.
    reduced: [bool; MAX_RANK],
    /// Stride of each group in the output (0 for reduced groups).
    out_strides: Dims,
    /// Number of groups.
    rank: usize,
    /// Elements reduced into each output element.
    count: usize,
    /// Output elements.
    out_len: usize,
}

impl Plan {
    fn new(shape: &[usize], reduced: &[bool]) -> Plan {
        let mut p = Plan {
            dims: [1; MAX_RANK],
            reduced: [false; MAX_RANK],
            out_strides: [0; MAX_RANK],
            rank: 0,
            count: 1,
            out_len: 1,
        };
        for (&d, &r) in shape.iter().zip(reduced) {
            // Products saturate only for empty inputs: `out_len` is then rejected or
            // `count` is never used.
            if r {
                p.count = p.count.saturating_mul(d);
            } else {
                p.out_len = p.out_len.saturating_mul(d);
            }
            if d == 1 {
                continue;
            }
            if p.rank > 0 && p.reduced[p.rank - 1] == r {
                p.dims[p.rank - 1] = p.dims[p.rank - 1].saturating_mul(d);
            } else {
                p.dims[p.rank] = d;
                p.reduced[p.rank] = r;
                p.rank += 1;
            }
        }
        let mut acc = 1;
        for g in (0..p.rank).rev() {
            if !p.reduced[g] {
                p.out_strides[g] = acc;
                acc = acc.saturating_mul(p.dims[g]);
            }
        }
        p
    }

    /// The group pattern, for picking a fast path: (rank, first group reduced?).
    fn pattern(&self) -> (usize, bool) {
        (self.rank, self.reduced[0])
    }

    /// Feeds each contiguous inner run of `s` to `run(out_offset, run_slice)`, in
    /// memory order; the inner group is kept (segment) or reduced (one slot).
    fn walk<T>(&self, s: &[T], mut run: impl FnMut(usize, &[T])) {
        let r = self.rank;
        let inner = self.dims[r - 1];
        let outer = &self.dims[..r - 1];
        let strides = [self.out_strides];
        let mut idx = [0usize; MAX_RANK];
        let mut off = [0usize];
        for chunk in s.chunks_exact(inner) {
            run(off[0], chunk);
            advance(&mut idx[..r - 1], outer, &strides, &mut off);
        }
    }
}

/// Sum (and Mean, dividing at the end).
fn run_sum<T: Num>(p: &Plan, s: &[T], d: &mut Data, mean: bool) {
    let o = T::vec_mut(d);
    o.clear();
    if p.out_len == 0 {
        return;
    }
    if p.count == 0 || p.rank == 0 {
        // No elements to sum (zeros), or nothing to reduce (a copy).
        o.extend_from_slice(s);
        o.resize(p.out_len, T::ZERO);
    } else {
        match p.pattern() {
            (1, true) => o.push(num::sum(s)),
            (2, false) => o.extend(s.chunks_exact(p.dims[1]).map(num::sum)),
            (2, true) | (1, false) => {
                let k = p.dims[p.rank - 1];
                let mut rows = s.chunks_exact(k);
                o.extend_from_slice(rows.next().unwrap_or_default());
                for row in rows {
                    o.iter_mut().zip(row).for_each(|(a, &v)| *a = a.plus(v));
                }
            }
            _ => {
                o.resize(p.out_len, T::ZERO);
                if p.reduced[p.rank - 1] {
                    p.walk(s, |at, run| o[at] = o[at].plus(num::sum(run)));
                } else {
                    p.walk(s, |at, run| {
                        o[at..at + run.len()]
                            .iter_mut()
                            .zip(run)
                            .for_each(|(a, &v)| *a = a.plus(v))
                    });
                }
            }
        }
    }
    if mean {
        let n = p.count;
        o.iter_mut().for_each(|v| *v = v.div_count(n));
    }
}

/// Max; the caller rejected empty reductions.
fn run_max<T: MaxElem>(p: &Plan, s: &[T], d: &mut Data) {
    let o = T::vec_mut(d);
    o.clear();
    if p.out_len == 0 {
        return;
    }
    if p.rank == 0 {
        o.extend_from_slice(s);
        return;
    }
    match p.pattern() {
        (1, true) => o.push(num::max(s)),
        (2, false) => o.extend(s.chunks_exact(p.dims[1]).map(num::max)),
        (2, true) | (1, false) => {
            let k = p.dims[p.rank - 1];
            let mut rows = s.chunks_exact(k);
            o.extend_from_slice(rows.next().unwrap_or_default());
            for row in rows {
                o.iter_mut().zip(row).for_each(|(a, &v)| *a = a.max_nan(v));
            }
        }
        _ => {
            o.resize(p.out_len, T::LOWEST);
            if p.reduced[p.rank - 1] {
                p.walk(s, |at, run| o[at] = o[at].max_nan(num::max(run)));
            } else {
                p.walk(s, |at, run| {
                    o[at..at + run.len()]
                        .iter_mut()
                        .zip(run)
                        .for_each(|(a, &v)| *a = a.max_nan(v))
                });
            }
        }
    }
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
