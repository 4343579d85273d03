//! Gradients through reductions and broadcasts.
//!
//! `SumGrad`/`MeanGrad`/`MaxGrad` broadcast `dy` back over the reduced axes (Mean
//! divides by the reduced count; Max splits `dy` equally among the positions equal to
//! the maximum, TF's `_MinOrMaxGrad`). `SumToShape` sums a broadcast gradient back to
//! an input's run-time shape with the reduce kernel (so `[N, C] → [C]` takes its
//! row-accumulating fast path).

use super::layout::{broadcast_strides, check_rank, Walk};
use super::num::Float;
use super::reduce::reduce;
use super::{same_shape, typed, KernelError, Result, MAX_RANK};
use crate::tensor::{Buffer, DataView, TensorView};
use staticflow_ir::ReduceKind;

/// The forward reduction a [`reduce_grad`] differentiates.
pub(super) struct Forward<'a> {
    /// Sum, mean or max.
    pub(super) kind: ReduceKind,
    /// The reduced axes.
    pub(super) axes: &'a [usize],
    /// Whether the forward kept the reduced axes as 1.
    pub(super) keep_dims: bool,
}

/// `dx` of `y = reduce(x)` given `dy` (of the forward output's shape); `x`'s shape.
///
/// # Errors
/// [`KernelError::ReductionAxis`], [`KernelError::ShapeMismatch`] for a `dy` (or, for
/// Max, a `y`) not of the forward output's shape, [`KernelError::DtypeMismatch`],
/// [`KernelError::UnsupportedDtype`] for non-floats, [`KernelError::RankTooLarge`].
pub(super) fn reduce_grad(
    f: &Forward<'_>,
    name: &'static str,
    x: TensorView<'_>,
    y: TensorView<'_>,
    dy: TensorView<'_>,
    out: &mut Buffer,
) -> Result {
    let rank = x.shape.len();
    check_rank(name, rank)?;
    let mut reduced = [false; MAX_RANK];
    for &axis in f.axes {
        if axis >= rank {
            return Err(KernelError::ReductionAxis { axis, rank });
        }
        reduced[axis] = true;
    }
    // The forward output's shape as given, and with the reduced axes kept as 1.
    let (mut forward, mut n) = ([0usize; MAX_RANK], 0);
    let mut kept = [1usize; MAX_RANK];
    let mut count = 1usize;
    for (i, &d) in x.shape.iter().enumerate() {
        if reduced[i] {
            count = count.saturating_mul(d);
            if !f.keep_dims {
                continue;
            }
        } else {
            kept[i] = d;
        }
        forward[n] = kept[i];
        n += 1;
    }
    same_shape(name, 2, &forward[..n], dy.shape)?;
    if f.kind == ReduceKind::Max {
        same_shape(name, 1, &forward[..n], y.shape)?;
    }
    let strides = broadcast_strides(&kept[..rank], x.shape).unwrap_or([0; MAX_RANK]);
    let walk = Walk::new(x.shape, [strides]);
    match dy.data {
        DataView::F32(_) => float::<f32>(f.kind, name, [x, y, dy], count, &walk, out)?,
        DataView::F64(_) => float::<f64>(f.kind, name, [x, y, dy], count, &walk, out)?,
        other => {
            return Err(KernelError::UnsupportedDtype {
                op: name,
                dtype: other.dtype(),
            })
        }
    }
    out.set_shape(x.shape);
    Ok(())
}

/// The three rules, per dtype; `count` is the number of elements reduced into each
/// output.
fn float<T: Float>(
    kind: ReduceKind,
    name: &'static str,
    [x, y, dy]: [TensorView<'_>; 3],
    count: usize,
    walk: &Walk<1>,
    out: &mut Buffer,
) -> Result {
    let len = x.data.len();
    let g = typed::<T>(name, 2, dy)?;
    let o = T::vec_mut(&mut out.data);
    let [inner] = walk.inner();
    match kind {
        ReduceKind::Sum | ReduceKind::Mean => {
            if x.dtype() != T::DTYPE {
                return Err(KernelError::DtypeMismatch {
                    op: name,
                    index: 0,
                    expected: T::DTYPE,
                    got: x.dtype(),
                });
            }
            o.clear();
            o.resize(len, T::ZERO);
            // TF's MeanGrad: the tiled gradient divided by the reduced count.
            let scale = |v: T| match kind {
                ReduceKind::Mean => v.div_count(count),
                _ => v,
            };
            walk.for_each_run(|start, [off], n| {
                let dst = &mut o[start..start + n];
                if inner == 0 {
                    dst.fill(scale(g[off]));
                } else {
                    for (d, &v) in dst.iter_mut().zip(&g[off..off + n]) {
                        *d = scale(v);
                    }
                }
            });
        }
        ReduceKind::Max => {
            let xs = typed::<T>(name, 0, x)?;
            let ys = typed::<T>(name, 1, y)?;
            // The counts of maxima per output live after the result in the same
            // buffer (no scratch allocation), and are cut off at the end.
            o.clear();
            o.resize(len + g.len(), T::ZERO);
            let (ind, counts) = o.split_at_mut(len);
            let one = T::from_f64(1.0);
            walk.for_each_run(|start, [off], n| {
                for k in 0..n {
                    let j = off + k * inner;
                    let hit = if xs[start + k] == ys[j] { one } else { T::ZERO };
                    ind[start + k] = hit;
                    counts[j] = counts[j].plus(hit);
                }
            });
            // TF: (indicators / num_selected) * grad.
            walk.for_each_run(|start, [off], n| {
                for k in 0..n {
                    let j = off + k * inner;
                    ind[start + k] = ind[start + k].div(counts[j]).times(g[j]);
                }
            });
            o.truncate(len);
        }
    }
    Ok(())
}

/// Sums `g` over the axes along which `x` (at its run-time shape) was broadcast to
/// `g`'s shape: `g`'s extra leading axes and the axes where `x` has 1. A copy when the
/// shapes are equal.
///
/// # Errors
/// [`KernelError::IncompatibleShapes`] when `x` does not broadcast to `g`,
/// [`KernelError::DtypeMismatch`], and the reduce kernel's errors.
pub(super) fn sum_to_shape(g: TensorView<'_>, x: TensorView<'_>, out: &mut Buffer) -> Result {
    let op = "SumToShape";
    if g.dtype() != x.dtype() {
        return Err(KernelError::DtypeMismatch {
            op,
            index: 1,
            expected: g.dtype(),
            got: x.dtype(),
        });
    }
    if g.shape == x.shape {
        out.copy_from(g);
        return Ok(());
    }
    let rank = g.shape.len();
    check_rank(op, rank)?;
    let incompatible = || KernelError::IncompatibleShapes {
        a: g.shape.to_vec(),
        b: x.shape.to_vec(),
    };
    let pad = rank.checked_sub(x.shape.len()).ok_or_else(incompatible)?;
    let (mut axes, mut n) = ([0usize; MAX_RANK], 0);
    for (i, &d) in g.shape.iter().enumerate() {
        let own = i.checked_sub(pad).map(|k| x.shape[k]);
        match own {
            Some(s) if s == d => {}
            Some(1) | None => {
                axes[n] = i;
                n += 1;
            }
            Some(_) => return Err(incompatible()),
        }
    }
    reduce(ReduceKind::Sum, g, &axes[..n], false, out)?;
    out.set_shape(x.shape);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{
        assert_close, count, data, numeric_grad, run, run_f64, values, values_f32, view,
    };
    use super::*;
    use crate::tensor::Data;
    use staticflow_ir::{DType, Op};
    use std::borrow::Cow;

    fn fwd(kind: ReduceKind, axes: &[usize], keep_dims: bool) -> Op {
        Op::Reduce {
            kind,
            axes: Cow::Owned(axes.to_vec()),
            keep_dims,
        }
    }

    fn grad(kind: ReduceKind, axes: &[usize], keep_dims: bool) -> Op {
        Op::ReduceGrad {
            kind,
            axes: Cow::Owned(axes.to_vec()),
            keep_dims,
        }
    }

    #[test]
    fn match_finite_differences() {
        let cases: &[(&[usize], &[usize])] = &[
            (&[7], &[0]),
            (&[3, 5], &[1]),
            (&[5, 3], &[0]),
            (&[3, 5], &[0, 1]),
            (&[2, 3, 5], &[1]),
            (&[2, 3, 5], &[0, 2]),
            (&[3, 1, 5], &[1]),
            (&[2, 3, 4], &[]),
            (&[], &[]),
        ];
        for kind in [ReduceKind::Sum, ReduceKind::Mean, ReduceKind::Max] {
            for (shape, axes) in cases {
                for keep in [false, true] {
                    let x = data(count(shape), 31);
                    let forward = |x: &[f64]| run_f64(&fwd(kind, axes, keep), &[(x, shape)]);
                    let (y, sy) = forward(&x);
                    let dy = data(y.len(), 32);
                    let (got, sg) = run_f64(
                        &grad(kind, axes, keep),
                        &[(&x, shape), (&y, &sy), (&dy, &sy)],
                    );
                    assert_eq!(sg, shape.to_vec());
                    let want = numeric_grad(&x, &dy, |x| forward(x).0);
                    assert_close(&got, &want, 1e-6);
                }
            }
        }
    }

    #[test]
    fn max_splits_ties_equally() {
        let x = [1.0f32, 3.0, 3.0, 2.0, 2.0, 2.0, -1.0, 5.0, 0.0];
        let shape = [3, 3];
        let y = [3.0f32, 2.0, 5.0];
        let dy = [6.0f32, 9.0, 4.0];
        let out = run(
            &grad(ReduceKind::Max, &[1], false),
            DType::Float32,
            &[],
            &[view(&x, &shape), view(&y, &[3]), view(&dy, &[3])],
        )
        .unwrap();
        assert_eq!(
            values::<f32>(&out),
            vec![0.0, 3.0, 3.0, 3.0, 3.0, 3.0, 0.0, 4.0, 0.0]
        );
        assert_eq!(out.shape, vec![3, 3]);
        // Down columns, keeping dims: column 1 ties between rows 0 and 2.
        let x = [1.0f64, 4.0, 2.0, 4.0];
        let (got, _) = run_f64(
            &grad(ReduceKind::Max, &[0], true),
            &[
                (&x, &[2, 2]),
                (&[2.0, 4.0], &[1, 2]),
                (&[1.0, 1.0], &[1, 2]),
            ],
        );
        assert_eq!(got, vec![0.0, 0.5, 1.0, 0.5]);
    }

    #[test]
    fn steady_state_reuses_the_buffer() {
        let x = data(15, 1);
        let y = run_f64(&fwd(ReduceKind::Max, &[0], false), &[(&x, &[3, 5])]).0;
        let mut out = Buffer::empty(DType::Float64);
        let op = grad(ReduceKind::Max, &[0], false);
        let inputs = [view(&x, &[3, 5]), view(&y, &[5]), view(&y, &[5])];
        let ptr = |b: &Buffer| match &b.data {
            Data::F64(v) => (v.as_ptr(), v.capacity()),
            _ => (std::ptr::null(), 0),
        };
        super::super::compute(&op, DType::Float64, &[], &inputs, &mut out, None).unwrap();
        let first = ptr(&out);
        super::super::compute(&op, DType::Float64, &[], &inputs, &mut out, None).unwrap();
        assert_eq!(ptr(&out), first);
        assert_eq!(out.data.len(), 15);
    }

    #[test]
    fn sum_to_shape_reduces_broadcast_axes() {
        let g: Vec<f64> = (0..24).map(f64::from).collect();
        let go = |gs: &[usize], xs: &[usize]| {
            let x = vec![0.0; count(xs)];
            run_f64(&Op::SumToShape, &[(&g[..count(gs)], gs), (&x, xs)])
        };
        // Bias-like: [N, C] -> [C].
        assert_eq!(go(&[4, 3], &[3]), (vec![18.0, 22.0, 26.0], vec![3]));
        assert_eq!(
            go(&[4, 3], &[4, 1]),
            (vec![3.0, 12.0, 21.0, 30.0], vec![4, 1])
        );
        assert_eq!(go(&[2, 3, 4], &[3, 1]).0, vec![60.0, 92.0, 124.0]);
        assert_eq!(go(&[2, 3], &[]), (vec![15.0], vec![]));
        assert_eq!(go(&[2, 3], &[1, 1]), (vec![15.0], vec![1, 1]));
        assert_eq!(go(&[2, 3], &[2, 3]), (g[..6].to_vec(), vec![2, 3]));
        let x = [0.0f32; 4];
        let g32 = [1.0f32; 6];
        let err = run(
            &Op::SumToShape,
            DType::Float32,
            &[],
            &[view(&g32, &[2, 3]), view(&x, &[4])],
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "Incompatible shapes: [2,3] vs. [4]");
        let err = run(
            &Op::SumToShape,
            DType::Float32,
            &[],
            &[view(&g32, &[6]), view(&x[..1], &[1, 1])],
        )
        .unwrap_err();
        assert!(matches!(err, KernelError::IncompatibleShapes { .. }));
        let out = run(
            &Op::SumToShape,
            DType::Float32,
            &[],
            &[view(&g32, &[2, 3]), view(&x[..3], &[3])],
        )
        .unwrap();
        assert_eq!(values_f32(&out), vec![2.0; 3]);
    }

    #[test]
    fn errors() {
        let x = [1.0f32; 6];
        let go = |op: Op, sy: &[usize], sdy: &[usize]| {
            run(
                &op,
                DType::Float32,
                &[],
                &[
                    view(&x, &[2, 3]),
                    view(&x[..count(sy)], sy),
                    view(&x[..count(sdy)], sdy),
                ],
            )
            .unwrap_err()
            .to_string()
        };
        assert_eq!(
            go(grad(ReduceKind::Sum, &[1], false), &[2], &[2, 1]),
            "SumGrad expects input 2 of shape [2], got [2,1]"
        );
        assert_eq!(
            go(grad(ReduceKind::Max, &[1], true), &[2], &[2, 1]),
            "MaxGrad expects input 1 of shape [2,1], got [2]"
        );
        assert_eq!(
            go(grad(ReduceKind::Mean, &[2], false), &[2], &[2]),
            "Invalid reduction dimension (2 for input with 2 dimension(s)"
        );
        let i = [1i32; 6];
        let err = run(
            &grad(ReduceKind::Sum, &[0, 1], false),
            DType::Int32,
            &[],
            &[view(&i, &[2, 3]), view(&i[..1], &[]), view(&i[..1], &[])],
        )
        .unwrap_err();
        assert!(matches!(err, KernelError::UnsupportedDtype { .. }));
    }
}
