//! `ArgMax`: the int64 index of the largest value along one axis, the first on ties
//! (a NaN counts as largest, the first one winning, as in NumPy).

use super::layout::num_elements;
use super::num::Num;
use super::{KernelError, Result};
use crate::tensor::{Buffer, Data, DataView, Element, TensorView};
use staticflow_ir::DType;

/// Argmax of `x` along `axis`; the output drops that axis.
///
/// # Errors
/// [`KernelError::ArgMaxAxis`], [`KernelError::ArgMaxEmpty`],
/// [`KernelError::UnsupportedDtype`] (bool).
pub(super) fn argmax(x: TensorView<'_>, axis: usize, out: &mut Buffer) -> Result {
    let rank = x.shape.len();
    let Some(&len) = x.shape.get(axis) else {
        return Err(KernelError::ArgMaxAxis { axis, rank });
    };
    if len == 0 {
        return Err(KernelError::ArgMaxEmpty {
            axis,
            shape: x.shape.to_vec(),
        });
    }
    // Saturates only for an empty input, where nothing is scanned.
    let inner = num_elements(&x.shape[axis + 1..]).unwrap_or(usize::MAX);
    let d = &mut out.data;
    match x.data {
        DataView::F32(s) => scan(s, len, inner, d),
        DataView::F64(s) => scan(s, len, inner, d),
        DataView::I32(s) => scan(s, len, inner, d),
        DataView::I64(s) => scan(s, len, inner, d),
        DataView::Bool(_) => {
            return Err(KernelError::UnsupportedDtype {
                op: "ArgMax",
                dtype: DType::Bool,
            })
        }
    }
    out.shape.clear();
    out.shape.extend_from_slice(&x.shape[..axis]);
    out.shape.extend_from_slice(&x.shape[axis + 1..]);
    Ok(())
}

/// `s` viewed as `[outer, len, inner]`; writes `outer * inner` indices.
fn scan<T: Num>(s: &[T], len: usize, inner: usize, d: &mut Data) {
    let o = <i64 as Element>::vec_mut(d);
    o.clear();
    if inner == 0 {
        return;
    }
    if inner == 1 {
        // One contiguous row per output.
        o.extend(s.chunks_exact(len).map(|row| {
            let mut best = 0;
            for (i, &v) in row.iter().enumerate().skip(1) {
                if v.beats(row[best]) {
                    best = i;
                }
            }
            best as i64
        }));
        return;
    }
    // Row-wise over the axis, keeping the running best index per inner position in
    // the output itself (no scratch): memory is read in order.
    for block in s.chunks_exact(len.saturating_mul(inner)) {
        let start = o.len();
        o.resize(start + inner, 0);
        let best = &mut o[start..];
        for (a, row) in block.chunks_exact(inner).enumerate().skip(1) {
            for (j, (b, &v)) in best.iter_mut().zip(row).enumerate() {
                // `b` is an index below `a` into this block's axis, so in bounds.
                if v.beats(block[*b as usize * inner + j]) {
                    *b = a as i64;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{count, data, run, values, view};
    use super::*;
    use staticflow_ir::Op;

    /// Naive: for each (outer, inner), the first index of the maximum.
    fn reference(x: &[f64], shape: &[usize], axis: usize) -> Vec<i64> {
        let len = shape[axis];
        let inner: usize = shape[axis + 1..].iter().product();
        let outer: usize = shape[..axis].iter().product();
        let mut out = vec![];
        for o in 0..outer {
            for j in 0..inner {
                let at = |a: usize| x[(o * len + a) * inner + j];
                let mut best = 0;
                for a in 1..len {
                    if at(a) > at(best) {
                        best = a;
                    }
                }
                out.push(best as i64);
            }
        }
        out
    }

    #[test]
    fn matches_naive_on_every_axis() {
        for shape in [
            &[17][..],
            &[3, 7],
            &[7, 3],
            &[2, 3, 5],
            &[1, 33, 1],
            &[3, 0, 2],
        ] {
            for axis in 0..shape.len() {
                if shape[axis] == 0 {
                    continue;
                }
                let x: Vec<f64> = data(count(shape), 3)
                    .iter()
                    .map(|v| (v * 2.0).round())
                    .collect();
                let want = reference(&x, shape, axis);
                let op = Op::ArgMax { axis };
                let out = run(&op, DType::Int64, &[], &[view(&x, shape)]).unwrap();
                assert_eq!(values::<i64>(&out), want, "{shape:?} axis {axis}");
                let mut dims = shape.to_vec();
                dims.remove(axis);
                assert_eq!(out.shape, dims);
                let xi: Vec<i32> = x.iter().map(|&v| v as i32).collect();
                let extra = [0i32];
                let out = run(
                    &op,
                    DType::Int64,
                    &[],
                    &[view(&xi, shape), view(&extra, &[])],
                )
                .unwrap();
                assert_eq!(values::<i64>(&out), want);
            }
        }
    }

    #[test]
    fn ties_and_nan() {
        let x = [1.0f32, 3.0, 3.0, f32::NAN, 2.0, f32::NAN];
        let out = run(
            &Op::ArgMax { axis: 0 },
            DType::Int64,
            &[],
            &[view(&x[..3], &[3])],
        )
        .unwrap();
        assert_eq!(values::<i64>(&out), vec![1]);
        let out = run(
            &Op::ArgMax { axis: 0 },
            DType::Int64,
            &[],
            &[view(&x, &[6])],
        )
        .unwrap();
        assert_eq!(values::<i64>(&out), vec![3]);
    }

    #[test]
    fn errors() {
        let x = [1.0f64; 6];
        let err = run(
            &Op::ArgMax { axis: 2 },
            DType::Int64,
            &[],
            &[view(&x, &[2, 3])],
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Expected dimension in the range [-2, 2), but got 2"
        );
        let e: [f64; 0] = [];
        let err = run(
            &Op::ArgMax { axis: 1 },
            DType::Int64,
            &[],
            &[view(&e, &[2, 0])],
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "Reduction axis 1 is empty in shape [2,0]");
        let b = [true];
        let err = run(
            &Op::ArgMax { axis: 0 },
            DType::Int64,
            &[],
            &[view(&b, &[1])],
        )
        .unwrap_err();
        assert!(matches!(err, KernelError::UnsupportedDtype { .. }));
    }
}
