//! The gradient of a concat for one of its inputs: the slice of `dz` along the concat
//! axis at that input's offset, the offsets taken from the inputs' run-time sizes (TF
//! builds it from `ConcatOffset` and `Slice`).

use super::layout::num_elements;
use super::{KernelError, Result};
use crate::tensor::{Buffer, Data, DataView, Element, TensorView};

/// `inputs` are `(dz, x_0, .., x_n)`; writes the part of `dz` that came from
/// `x_index`, with `x_index`'s shape.
///
/// # Errors
/// [`KernelError::InputCount`], [`KernelError::ConcatGradIndex`],
/// [`KernelError::ConcatAxis`], [`KernelError::ConcatGradShape`],
/// [`KernelError::ConcatGradSize`], [`KernelError::DtypeMismatch`].
pub(super) fn concat_grad(
    inputs: &[TensorView<'_>],
    axis: usize,
    index: usize,
    out: &mut Buffer,
) -> Result {
    let op = "Slice";
    let Some((dz, xs)) = inputs.split_first() else {
        return Err(KernelError::InputCount {
            op,
            expected: "at least 2",
            got: 0,
        });
    };
    let Some(target) = xs.get(index) else {
        return Err(KernelError::ConcatGradIndex {
            index,
            inputs: xs.len(),
        });
    };
    let rank = dz.shape.len();
    if axis >= rank {
        return Err(KernelError::ConcatAxis { axis, rank });
    }
    let (mut offset, mut total) = (0usize, 0usize);
    for (k, x) in xs.iter().enumerate() {
        if x.dtype() != dz.dtype() {
            return Err(KernelError::DtypeMismatch {
                op,
                index: k + 1,
                expected: dz.dtype(),
                got: x.dtype(),
            });
        }
        let fits =
            x.shape.len() == rank && (0..rank).all(|d| d == axis || x.shape[d] == dz.shape[d]);
        if !fits {
            return Err(KernelError::ConcatGradShape {
                grad: dz.shape.to_vec(),
                index: k,
                input: x.shape.to_vec(),
                axis,
            });
        }
        if k == index {
            offset = total;
        }
        total = total.saturating_add(x.shape[axis]);
    }
    if total != dz.shape[axis] {
        return Err(KernelError::ConcatGradSize {
            grad: dz.shape.to_vec(),
            axis,
            total,
        });
    }
    let outer = num_elements(&dz.shape[..axis]).unwrap_or(0);
    let inner = num_elements(&dz.shape[axis + 1..]).unwrap_or(0);
    let size = target.shape[axis];
    let slice = Slice {
        outer,
        row: total * inner,
        start: offset * inner,
        len: size * inner,
    };
    let d = &mut out.data;
    match dz.data {
        DataView::F32(s) => slice.copy(s, d),
        DataView::F64(s) => slice.copy(s, d),
        DataView::I32(s) => slice.copy(s, d),
        DataView::I64(s) => slice.copy(s, d),
        DataView::Bool(s) => slice.copy(s, d),
    }
    out.set_shape(target.shape);
    Ok(())
}

/// Where the piece lies in `dz`, flattened to `[outer, row]`.
struct Slice {
    /// Product of the dims before the axis.
    outer: usize,
    /// Elements of `dz` per outer index.
    row: usize,
    /// Offset of the piece within a row.
    start: usize,
    /// Length of the piece within a row.
    len: usize,
}

impl Slice {
    /// Copies the piece of each row of `s` into `d`; the shapes were checked, so every
    /// range is in bounds.
    fn copy<T: Element>(&self, s: &[T], d: &mut Data) {
        let o = T::vec_mut(d);
        o.clear();
        o.reserve(self.outer * self.len);
        for i in 0..self.outer {
            let from = i * self.row + self.start;
            o.extend_from_slice(&s[from..from + self.len]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{count, data, run, run_f64, values, view};
    use super::*;
    use staticflow_ir::{DType, Op};

    #[test]
    fn slices_invert_concat() {
        let cases: &[(usize, &[&[usize]])] = &[
            (0, &[&[2, 3], &[1, 3], &[4, 3]]),
            (1, &[&[2, 3], &[2, 1], &[2, 5]]),
            (1, &[&[3, 2, 5], &[3, 0, 5], &[3, 7, 5]]),
            (2, &[&[2, 3, 1], &[2, 3, 4]]),
            (0, &[&[5]]),
        ];
        for (axis, shapes) in cases {
            let xs: Vec<Vec<f64>> = shapes
                .iter()
                .enumerate()
                .map(|(k, s)| data(count(s), k as u64))
                .collect();
            let parts: Vec<(&[f64], &[usize])> = xs
                .iter()
                .zip(shapes.iter())
                .map(|(x, s)| (x.as_slice(), *s))
                .collect();
            let (dz, sz) = run_f64(&Op::Concat { axis: *axis }, &parts);
            for index in 0..shapes.len() {
                let mut inputs = vec![(dz.as_slice(), sz.as_slice())];
                inputs.extend(parts.iter().copied());
                let op = Op::ConcatGrad { axis: *axis, index };
                let (got, shape) = run_f64(&op, &inputs);
                assert_eq!((got, shape.as_slice()), (xs[index].clone(), shapes[index]));
            }
        }
    }

    #[test]
    fn any_dtype() {
        let dz = [true, false, false, true];
        let x = [false; 2];
        let op = Op::ConcatGrad { axis: 1, index: 1 };
        let out = run(
            &op,
            DType::Bool,
            &[],
            &[view(&dz, &[2, 2]), view(&x, &[2, 1]), view(&x, &[2, 1])],
        )
        .unwrap();
        assert_eq!(
            (values::<bool>(&out), out.shape),
            (vec![false, true], vec![2, 1])
        );
    }

    #[test]
    fn errors() {
        let a = [1.0f32; 12];
        let go = |axis, index, shapes: &[&[usize]]| {
            let views: Vec<TensorView<'_>> =
                shapes.iter().map(|s| view(&a[..count(s)], s)).collect();
            run(&Op::ConcatGrad { axis, index }, DType::Float32, &[], &views)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            go(0, 2, &[&[3], &[1], &[2]]),
            "concat gradient for input 2, but the concat has 2 input(s)"
        );
        assert_eq!(
            go(2, 0, &[&[3, 2], &[3, 2]]),
            "ConcatOp : Expected concatenating dimensions in the range [-2, 2), but got 2"
        );
        assert_eq!(
            go(1, 0, &[&[3, 4], &[3, 1], &[2, 3]]),
            "concat gradient of shape [3,4] does not fit concat input 1 of shape [2,3] along axis 1"
        );
        assert_eq!(
            go(1, 0, &[&[3, 4], &[3, 1], &[3]]),
            "concat gradient of shape [3,4] does not fit concat input 1 of shape [3] along axis 1"
        );
        assert_eq!(
            go(1, 0, &[&[3, 4], &[3, 1], &[3, 2]]),
            "concat gradient of shape [3,4] does not split into its inputs along axis 1: they add up to 3"
        );
        let err = run(
            &Op::ConcatGrad { axis: 0, index: 0 },
            DType::Float32,
            &[],
            &[],
        )
        .unwrap_err();
        assert!(matches!(err, KernelError::InputCount { got: 0, .. }));
        let i = [1i32; 2];
        let err = run(
            &Op::ConcatGrad { axis: 0, index: 0 },
            DType::Float32,
            &[],
            &[view(&a[..2], &[2]), view(&i, &[2])],
        )
        .unwrap_err();
        assert!(matches!(err, KernelError::DtypeMismatch { index: 1, .. }));
    }
}
