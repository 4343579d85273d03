//! Elementwise ops of one input (`Neg`, `Square`, `Sqrt`, `Exp`, `Log`, `Abs`, `Relu`,
//! `Sigmoid`, `Tanh`): one tight map per op and dtype, run through [`vmath::map`] (AVX2
//! when available).

use super::num::{Float, Num};
use super::vmath;
use super::{KernelError, Result};
use crate::tensor::{Buffer, Data, DataView, Element, TensorView};
use staticflow_ir::{DType, UnaryOp};

/// `out = op(x)`, elementwise, same shape and dtype.
///
/// # Errors
/// [`KernelError::UnsupportedDtype`] for bool, and for integers with a float-only op.
pub(super) fn unary(op: UnaryOp, x: TensorView<'_>, out: &mut Buffer) -> Result {
    let d = &mut out.data;
    match x.data {
        DataView::F32(s) => float(op, s, d),
        DataView::F64(s) => float(op, s, d),
        DataView::I32(s) => int(op, s, d)?,
        DataView::I64(s) => int(op, s, d)?,
        DataView::Bool(_) => {
            return Err(KernelError::UnsupportedDtype {
                op: op.tf_type(),
                dtype: DType::Bool,
            })
        }
    }
    out.set_shape(x.shape);
    Ok(())
}

/// Writes `f` of each element into `out`, reusing its capacity.
#[inline(always)]
fn map<T: Copy, U: Element>(s: &[T], out: &mut Data, f: impl Fn(T) -> U) {
    vmath::map(s, U::vec_mut(out), f);
}

/// Float inputs: every op.
fn float<T: Float>(op: UnaryOp, s: &[T], out: &mut Data) {
    match op {
        UnaryOp::Neg => map(s, out, T::negate),
        UnaryOp::Square => map(s, out, |v| v.times(v)),
        UnaryOp::Sqrt => map(s, out, T::sqrt),
        UnaryOp::Exp => map(s, out, T::exp),
        UnaryOp::Log => map(s, out, T::ln),
        UnaryOp::Abs => map(s, out, T::magnitude),
        UnaryOp::Relu => map(s, out, T::relu),
        UnaryOp::Sigmoid => map(s, out, T::sigmoid),
        UnaryOp::Tanh => map(s, out, T::tanh),
    }
}

/// Integer inputs: the ops TF defines on integers.
fn int<T: Num>(op: UnaryOp, s: &[T], out: &mut Data) -> Result {
    match op {
        UnaryOp::Neg => map(s, out, T::negate),
        UnaryOp::Square => map(s, out, |v| v.times(v)),
        UnaryOp::Abs => map(s, out, T::magnitude),
        UnaryOp::Relu => map(s, out, T::relu),
        UnaryOp::Sqrt | UnaryOp::Exp | UnaryOp::Log | UnaryOp::Sigmoid | UnaryOp::Tanh => {
            return Err(KernelError::UnsupportedDtype {
                op: op.tf_type(),
                dtype: T::DTYPE,
            })
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{assert_close, data, run, values, view};
    use super::*;
    use staticflow_ir::Op;

    const ALL: [UnaryOp; 9] = [
        UnaryOp::Neg,
        UnaryOp::Square,
        UnaryOp::Sqrt,
        UnaryOp::Exp,
        UnaryOp::Log,
        UnaryOp::Abs,
        UnaryOp::Relu,
        UnaryOp::Sigmoid,
        UnaryOp::Tanh,
    ];

    fn reference(op: UnaryOp, v: f64) -> f64 {
        match op {
            UnaryOp::Neg => -v,
            UnaryOp::Square => v * v,
            UnaryOp::Sqrt => v.sqrt(),
            UnaryOp::Exp => v.exp(),
            UnaryOp::Log => v.ln(),
            UnaryOp::Abs => v.abs(),
            UnaryOp::Relu => v.max(0.0),
            UnaryOp::Sigmoid => 1.0 / (1.0 + (-v).exp()),
            UnaryOp::Tanh => v.tanh(),
        }
    }

    #[test]
    fn float_ops_match_reference_on_odd_sizes() {
        for n in [1usize, 3, 7, 17, 33] {
            let x = data(n, n as u64);
            let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
            for op in ALL {
                let shape = [n];
                let want: Vec<f64> = x.iter().map(|&v| reference(op, v)).collect();
                let out = run(&Op::Unary(op), DType::Float64, &[], &[view(&x, &shape)]).unwrap();
                assert_close(&values::<f64>(&out), &want, 1e-12);
                let out = run(&Op::Unary(op), DType::Float32, &[], &[view(&x32, &shape)]).unwrap();
                let got: Vec<f64> = values::<f32>(&out).iter().map(|&v| v as f64).collect();
                let want32: Vec<f64> = x32.iter().map(|&v| reference(op, v as f64)).collect();
                assert_close(&got, &want32, 1e-5);
                assert_eq!(out.shape, vec![n]);
            }
        }
    }

    #[test]
    fn sigmoid_saturates_without_nan() {
        let x = [-1000.0f32, 1000.0, 0.0];
        let out = run(
            &Op::Unary(UnaryOp::Sigmoid),
            DType::Float32,
            &[],
            &[view(&x, &[3])],
        )
        .unwrap();
        assert_eq!(values::<f32>(&out), vec![0.0, 1.0, 0.5]);
    }

    #[test]
    fn integer_ops_wrap_and_float_only_ops_fail() {
        let x = [i32::MIN, -3, 0, 5];
        let shape = [2, 2];
        let go = |op| run(&Op::Unary(op), DType::Int32, &[], &[view(&x, &shape)]);
        assert_eq!(
            values::<i32>(&go(UnaryOp::Neg).unwrap()),
            vec![i32::MIN, 3, 0, -5]
        );
        assert_eq!(
            values::<i32>(&go(UnaryOp::Abs).unwrap()),
            vec![i32::MIN, 3, 0, 5]
        );
        assert_eq!(values::<i32>(&go(UnaryOp::Relu).unwrap()), vec![0, 0, 0, 5]);
        assert_eq!(
            values::<i32>(&go(UnaryOp::Square).unwrap()),
            vec![0, 9, 0, 25]
        );
        assert_eq!(go(UnaryOp::Neg).unwrap().shape, vec![2, 2]);
        assert_eq!(
            go(UnaryOp::Exp).unwrap_err().to_string(),
            "no Exp kernel for dtype int32"
        );
        let b = [true];
        let err = run(&Op::Unary(UnaryOp::Neg), DType::Bool, &[], &[view(&b, &[])]).unwrap_err();
        assert!(matches!(
            err,
            KernelError::UnsupportedDtype { op: "Neg", .. }
        ));
        let y = [-4i64, 7];
        let out = run(
            &Op::Unary(UnaryOp::Square),
            DType::Int64,
            &[],
            &[view(&y, &[2])],
        )
        .unwrap();
        assert_eq!(values::<i64>(&out), vec![16, 49]);
    }
}
