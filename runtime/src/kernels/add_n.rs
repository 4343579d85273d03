//! `AddN`: the sum of one or more tensors of one shape and dtype, accumulated left to
//! right in one pass per input over the output.

use super::num::Num;
use super::{KernelError, Result};
use crate::tensor::{Buffer, Data, DataView, TensorView};
use staticflow_ir::DType;

/// Sum of one or more tensors of one shape and dtype.
///
/// # Errors
/// [`KernelError::InputCount`] for no inputs, [`KernelError::AddNShape`],
/// [`KernelError::DtypeMismatch`], [`KernelError::UnsupportedDtype`] for bool.
pub(super) fn add_n(inputs: &[TensorView<'_>], out: &mut Buffer) -> Result {
    let Some(first) = inputs.first() else {
        return Err(KernelError::InputCount {
            op: "AddN",
            expected: "at least 1",
            got: 0,
        });
    };
    for (index, x) in inputs.iter().enumerate().skip(1) {
        if x.dtype() != first.dtype() {
            return Err(KernelError::DtypeMismatch {
                op: "AddN",
                index,
                expected: first.dtype(),
                got: x.dtype(),
            });
        }
        if x.shape != first.shape {
            return Err(KernelError::AddNShape {
                index,
                first: first.shape.to_vec(),
                other: x.shape.to_vec(),
            });
        }
    }
    match first.data {
        DataView::F32(_) => sum_all::<f32>(inputs, &mut out.data),
        DataView::F64(_) => sum_all::<f64>(inputs, &mut out.data),
        DataView::I32(_) => sum_all::<i32>(inputs, &mut out.data),
        DataView::I64(_) => sum_all::<i64>(inputs, &mut out.data),
        DataView::Bool(_) => {
            return Err(KernelError::UnsupportedDtype {
                op: "AddN",
                dtype: DType::Bool,
            })
        }
    }
    out.set_shape(first.shape);
    Ok(())
}

/// `out = x0 + x1 + ...`, left to right; dtypes were checked by the caller.
fn sum_all<T: Num>(inputs: &[TensorView<'_>], d: &mut Data) {
    let o = T::vec_mut(d);
    o.clear();
    let mut slices = inputs.iter().filter_map(|x| T::slice(x.data));
    let (Some(a), b) = (slices.next(), slices.next()) else {
        return;
    };
    match b {
        Some(b) => o.extend(a.iter().zip(b).map(|(&p, &q)| p.plus(q))),
        None => o.extend_from_slice(a),
    }
    for s in slices {
        o.iter_mut().zip(s).for_each(|(acc, &v)| *acc = acc.plus(v));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{assert_close, data, run, values, view};
    use super::*;
    use staticflow_ir::Op;

    #[test]
    fn add_n_sums_and_checks() {
        for n in [1usize, 3, 7, 17] {
            let xs: Vec<Vec<f64>> = (0..4).map(|k| data(n, k)).collect();
            let shape = [n];
            for m in 1..=4 {
                let views: Vec<_> = xs[..m].iter().map(|x| view(x, &shape)).collect();
                let out = run(&Op::AddN, DType::Float64, &[], &views).unwrap();
                let want: Vec<f64> = (0..n).map(|i| xs[..m].iter().map(|x| x[i]).sum()).collect();
                assert_close(&values::<f64>(&out), &want, 1e-12);
            }
        }
        let a = [i64::MAX, 1];
        let out = run(
            &Op::AddN,
            DType::Int64,
            &[],
            &[view(&a, &[2]), view(&a, &[2]), view(&a, &[2])],
        )
        .unwrap();
        assert_eq!(values::<i64>(&out), vec![i64::MAX.wrapping_mul(3), 3]);
        let b = [1i64, 2, 3];
        let err = run(
            &Op::AddN,
            DType::Int64,
            &[],
            &[view(&a, &[2]), view(&b, &[3])],
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Inputs to operation AddN of type AddN must have the same size and shape.  Input 0: [2] != input 1: [3]"
        );
        let c = [1i32, 2];
        let err = run(
            &Op::AddN,
            DType::Int64,
            &[],
            &[view(&a, &[2]), view(&c, &[2])],
        )
        .unwrap_err();
        assert!(matches!(err, KernelError::DtypeMismatch { .. }));
        assert!(matches!(
            run(&Op::AddN, DType::Int64, &[], &[]),
            Err(KernelError::InputCount { .. })
        ));
        let t = [true];
        assert!(matches!(
            run(&Op::AddN, DType::Bool, &[], &[view(&t, &[])]),
            Err(KernelError::UnsupportedDtype { .. })
        ));
    }
}
