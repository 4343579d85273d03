//! Ops that move elements without computing on them: `Const`, `Reshape` (a copy with a
//! new shape, one `-1` inferred, or the shape of another tensor for a reshape's
//! gradient) and `Concat` (any number of inputs, any axis).

use super::layout::{known_dims, num_elements};
use super::{KernelError, Result};
use crate::tensor::{Buffer, Data, DataView, Element, TensorView};
use staticflow_ir::{ConstValue, Dim};

/// Copies a constant into `out` with its static shape.
///
/// # Errors
/// [`KernelError::UnknownShape`], or [`KernelError::ConstSize`] when the value count
/// does not fill the shape.
pub(super) fn constant(value: &ConstValue, static_shape: &[Dim], out: &mut Buffer) -> Result {
    let n = known_dims("Const", static_shape, &mut out.shape)?;
    if n != value.len() {
        return Err(KernelError::ConstSize {
            len: value.len(),
            shape: out.shape.clone(),
        });
    }
    let view = match value {
        ConstValue::Float32(v) => DataView::F32(v),
        ConstValue::Float64(v) => DataView::F64(v),
        ConstValue::Int32(v) => DataView::I32(v),
        ConstValue::Int64(v) => DataView::I64(v),
        ConstValue::Bool(v) => DataView::Bool(v),
    };
    view.copy_into(&mut out.data);
    Ok(())
}

/// Copies `x` into `out` with the target shape, inferring one `-1`.
///
/// # Errors
/// TF's reshape errors: [`KernelError::ReshapeCount`], [`KernelError::ReshapeMultiple`],
/// [`KernelError::ReshapeInferEmpty`], [`KernelError::ReshapeTwoUnknown`],
/// [`KernelError::ReshapeNegative`].
pub(super) fn reshape(x: TensorView<'_>, target: &[i64], out: &mut Buffer) -> Result {
    let values = x.data.len();
    let mut unknown = None;
    let mut known = 1usize;
    for (index, &size) in target.iter().enumerate() {
        match size {
            -1 => match unknown {
                Some(first) => {
                    return Err(KernelError::ReshapeTwoUnknown {
                        first,
                        second: index,
                    })
                }
                None => unknown = Some(index),
            },
            s if s < 0 => return Err(KernelError::ReshapeNegative { index, size: s }),
            s => {
                // A dim too large for usize cannot match any real element count.
                let s = usize::try_from(s).unwrap_or(usize::MAX);
                known = known.saturating_mul(s);
            }
        }
    }
    let missing = match unknown {
        Some(_) if known == 0 => return Err(KernelError::ReshapeInferEmpty),
        Some(_) if !values.is_multiple_of(known) => {
            return Err(KernelError::ReshapeMultiple {
                values,
                multiple: known,
            })
        }
        Some(_) => values / known,
        None if known != values => {
            return Err(KernelError::ReshapeCount {
                values,
                requested: known,
            })
        }
        None => 0,
    };
    x.data.copy_into(&mut out.data);
    out.shape.clear();
    out.shape.extend(
        target
            .iter()
            .map(|&s| usize::try_from(s).unwrap_or(missing)),
    );
    Ok(())
}

/// Copies `g` into `out` with `like`'s shape (the gradient of a reshape, back to the
/// input's run-time shape).
///
/// # Errors
/// [`KernelError::ReshapeCount`] when the element counts differ,
/// [`KernelError::DtypeMismatch`] when the dtypes do.
pub(super) fn reshape_like(g: TensorView<'_>, like: TensorView<'_>, out: &mut Buffer) -> Result {
    if g.dtype() != like.dtype() {
        return Err(KernelError::DtypeMismatch {
            op: "Reshape",
            index: 1,
            expected: g.dtype(),
            got: like.dtype(),
        });
    }
    if g.data.len() != like.data.len() {
        return Err(KernelError::ReshapeCount {
            values: g.data.len(),
            requested: like.data.len(),
        });
    }
    g.data.copy_into(&mut out.data);
    out.set_shape(like.shape);
    Ok(())
}

/// Concatenates `inputs` along `axis`.
///
/// # Errors
/// [`KernelError::InputCount`] for none, and TF's ConcatOp errors:
/// [`KernelError::ConcatScalars`], [`KernelError::ConcatAxis`],
/// [`KernelError::ConcatRank`], [`KernelError::ConcatDim`]; also
/// [`KernelError::DtypeMismatch`].
pub(super) fn concat(inputs: &[TensorView<'_>], axis: usize, out: &mut Buffer) -> Result {
    let Some(first) = inputs.first() else {
        return Err(KernelError::InputCount {
            op: "ConcatV2",
            expected: "at least 1",
            got: 0,
        });
    };
    let rank = first.shape.len();
    if rank == 0 {
        return Err(KernelError::ConcatScalars);
    }
    if axis >= rank {
        return Err(KernelError::ConcatAxis { axis, rank });
    }
    let mut total = 0usize;
    for (index, x) in inputs.iter().enumerate() {
        if x.dtype() != first.dtype() {
            return Err(KernelError::DtypeMismatch {
                op: "ConcatV2",
                index,
                expected: first.dtype(),
                got: x.dtype(),
            });
        }
        if x.shape.len() != rank {
            return Err(KernelError::ConcatRank {
                index,
                first: first.shape.to_vec(),
                other: x.shape.to_vec(),
            });
        }
        if let Some(dim) = (0..rank).find(|&d| d != axis && x.shape[d] != first.shape[d]) {
            return Err(KernelError::ConcatDim {
                dim,
                index,
                first: first.shape.to_vec(),
                other: x.shape.to_vec(),
            });
        }
        total = total.saturating_add(x.shape[axis]);
    }
    let outer = num_elements(&first.shape[..axis]).unwrap_or(0);
    let inner = num_elements(&first.shape[axis + 1..]).unwrap_or(0);
    let d = &mut out.data;
    match first.data {
        DataView::F32(_) => join::<f32>(inputs, outer, inner, axis, d),
        DataView::F64(_) => join::<f64>(inputs, outer, inner, axis, d),
        DataView::I32(_) => join::<i32>(inputs, outer, inner, axis, d),
        DataView::I64(_) => join::<i64>(inputs, outer, inner, axis, d),
        DataView::Bool(_) => join::<bool>(inputs, outer, inner, axis, d),
    }
    out.set_shape(first.shape);
    out.shape[axis] = total;
    Ok(())
}

/// For each outer index, appends every input's `[axis, inner]` block in turn. The
/// dtypes were checked by the caller.
fn join<T: Element>(
    inputs: &[TensorView<'_>],
    outer: usize,
    inner: usize,
    axis: usize,
    d: &mut Data,
) {
    let o = T::vec_mut(d);
    o.clear();
    for i in 0..outer {
        for x in inputs {
            if let Some(s) = T::slice(x.data) {
                let chunk = x.shape[axis] * inner;
                o.extend_from_slice(&s[i * chunk..(i + 1) * chunk]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{run, values, view};
    use super::*;
    use staticflow_ir::{DType, Op};
    use std::borrow::Cow;

    fn reshape_op(shape: &[i64]) -> Op {
        Op::Reshape {
            shape: Cow::Owned(shape.to_vec()),
        }
    }

    #[test]
    fn constants_take_the_static_shape() {
        let c = Op::Const(ConstValue::Int32(Cow::Borrowed(&[1, 2, 3, 4, 5, 6])));
        let out = run(&c, DType::Int32, &[Some(2), Some(3)], &[]).unwrap();
        assert_eq!(
            (values::<i32>(&out), out.shape),
            (vec![1, 2, 3, 4, 5, 6], vec![2, 3])
        );
        let err = run(&c, DType::Int32, &[Some(4)], &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Const holds 6 values but its shape [4] needs 4"
        );
        assert!(matches!(
            run(&c, DType::Int32, &[None], &[]),
            Err(KernelError::UnknownShape { .. })
        ));
        let s = Op::Const(ConstValue::Bool(Cow::Borrowed(&[true])));
        assert_eq!(
            run(&s, DType::Bool, &[], &[]).unwrap().shape,
            Vec::<usize>::new()
        );
    }

    #[test]
    fn reshape_infers_minus_one() {
        let x: Vec<f32> = (0..12).map(|v| v as f32).collect();
        let shape = [3, 4];
        for (target, want) in [
            (&[-1][..], &[12][..]),
            (&[2, -1], &[2, 6]),
            (&[-1, 3, 2], &[2, 3, 2]),
            (&[12, 1], &[12, 1]),
        ] {
            let out = run(
                &reshape_op(target),
                DType::Float32,
                &[],
                &[view(&x, &shape)],
            )
            .unwrap();
            assert_eq!(
                (out.shape.as_slice(), values::<f32>(&out)),
                (want, x.clone())
            );
        }
        let e: [f32; 0] = [];
        let out = run(
            &reshape_op(&[0, 5]),
            DType::Float32,
            &[],
            &[view(&e, &[5, 0])],
        )
        .unwrap();
        assert_eq!(out.shape, vec![0, 5]);
        let one = [7i64];
        let out = run(&reshape_op(&[]), DType::Int64, &[], &[view(&one, &[1, 1])]).unwrap();
        assert_eq!(out.shape, Vec::<usize>::new());
    }

    #[test]
    fn reshape_errors() {
        let x = [1.0f32; 6];
        let go = |t: &[i64]| {
            run(&reshape_op(t), DType::Float32, &[], &[view(&x, &[2, 3])])
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            go(&[4]),
            "Input to reshape is a tensor with 6 values, but the requested shape has 4"
        );
        assert_eq!(go(&[4, -1]), "Input to reshape is a tensor with 6 values, but the requested shape requires a multiple of 4");
        assert_eq!(go(&[0, -1]), "Reshape cannot infer the missing input size for an empty tensor unless all specified input sizes are non-zero");
        assert_eq!(
            go(&[-1, -1]),
            "Only one input size may be -1, not both 0 and 1"
        );
        assert_eq!(go(&[2, -3]), "Size 1 must be non-negative, not -3");
        assert!(go(&[i64::MAX, i64::MAX]).contains("but the requested shape has"));
    }

    #[test]
    fn reshape_like_takes_the_other_shape() {
        let g = [1i32, 2, 3, 4, 5, 6];
        let like = [0i32; 6];
        let out = run(
            &Op::ReshapeLike,
            DType::Int32,
            &[],
            &[view(&g, &[6]), view(&like, &[3, 1, 2])],
        )
        .unwrap();
        assert_eq!(
            (values::<i32>(&out), out.shape),
            (g.to_vec(), vec![3, 1, 2])
        );
        let err = run(
            &Op::ReshapeLike,
            DType::Int32,
            &[],
            &[view(&g, &[6]), view(&like[..4], &[4])],
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Input to reshape is a tensor with 6 values, but the requested shape has 4"
        );
        let f = [0.0f32; 6];
        let err = run(
            &Op::ReshapeLike,
            DType::Int32,
            &[],
            &[view(&g, &[6]), view(&f, &[6])],
        )
        .unwrap_err();
        assert!(matches!(err, KernelError::DtypeMismatch { index: 1, .. }));
    }

    #[test]
    fn concat_any_axis_and_count() {
        let a: Vec<i32> = (0..6).collect();
        let b: Vec<i32> = (10..14).collect();
        let c: Vec<i32> = (20..22).collect();
        let out = run(
            &Op::Concat { axis: 1 },
            DType::Int32,
            &[],
            &[view(&a, &[2, 3]), view(&b, &[2, 2]), view(&c, &[2, 1])],
        )
        .unwrap();
        assert_eq!(out.shape, vec![2, 6]);
        assert_eq!(
            values::<i32>(&out),
            vec![0, 1, 2, 10, 11, 20, 3, 4, 5, 12, 13, 21]
        );
        let out = run(
            &Op::Concat { axis: 0 },
            DType::Int32,
            &[],
            &[view(&a, &[3, 2]), view(&b, &[2, 2])],
        )
        .unwrap();
        assert_eq!(out.shape, vec![5, 2]);
        assert_eq!(values::<i32>(&out), vec![0, 1, 2, 3, 4, 5, 10, 11, 12, 13]);
        let out = run(
            &Op::Concat { axis: 0 },
            DType::Int32,
            &[],
            &[view(&c, &[2])],
        )
        .unwrap();
        assert_eq!(values::<i32>(&out), c);
        let t = [true, false];
        let out = run(
            &Op::Concat { axis: 0 },
            DType::Bool,
            &[],
            &[view(&t, &[2]), view(&t[..1], &[1])],
        )
        .unwrap();
        assert_eq!(values::<bool>(&out), vec![true, false, true]);
    }

    #[test]
    fn concat_errors() {
        let a = [1.0f32; 6];
        let b = [1.0f32; 8];
        let cat = |axis, xs: &[TensorView<'_>]| {
            run(&Op::Concat { axis }, DType::Float32, &[], xs)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            cat(0, &[view(&a, &[2, 3]), view(&b, &[2, 4])]),
            "ConcatOp : Dimension 1 in both shapes must be equal: shape[0] = [2,3] vs. shape[1] = [2,4]"
        );
        assert_eq!(
            cat(0, &[view(&a, &[2, 3]), view(&a, &[6])]),
            "ConcatOp : Ranks of all input tensors should match: shape[0] = [2,3] vs. shape[1] = [6]"
        );
        assert_eq!(
            cat(2, &[view(&a, &[2, 3])]),
            "ConcatOp : Expected concatenating dimensions in the range [-2, 2), but got 2"
        );
        assert_eq!(
            cat(0, &[view(&a[..1], &[])]),
            "ConcatOp : Can't concatenate scalars (use tf.stack instead)"
        );
        assert!(cat(0, &[]).contains("at least 1"));
        let i = [1i32; 6];
        assert!(matches!(
            run(
                &Op::Concat { axis: 0 },
                DType::Float32,
                &[],
                &[view(&a, &[6]), view(&i, &[6])]
            ),
            Err(KernelError::DtypeMismatch { index: 1, .. })
        ));
    }
}
