//! Gradients of the unary ops (`NegGrad` .. `TanhGrad`): `dx` from the forward input
//! `x`, its output `y` and the incoming `dy`, elementwise, with TF's formulas (each
//! uses whichever of `x` and `y` TF's gradient uses, in TF's order of operations).

use super::num::Float;
use super::{same_shape, typed, KernelError, Result};
use crate::tensor::{Buffer, DataView, TensorView};
use staticflow_ir::UnaryOp;

/// `dx` of `y = op(x)` given `dy`; all three of one shape and float dtype.
///
/// # Errors
/// [`KernelError::ShapeMismatch`], [`KernelError::DtypeMismatch`],
/// [`KernelError::UnsupportedDtype`] for non-floats.
pub(super) fn unary_grad(
    op: UnaryOp,
    name: &'static str,
    x: TensorView<'_>,
    y: TensorView<'_>,
    dy: TensorView<'_>,
    out: &mut Buffer,
) -> Result {
    same_shape(name, 1, x.shape, y.shape)?;
    same_shape(name, 2, x.shape, dy.shape)?;
    match x.data {
        DataView::F32(_) => float::<f32>(op, name, x, y, dy, out)?,
        DataView::F64(_) => float::<f64>(op, name, x, y, dy, out)?,
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

/// The formulas, per dtype.
fn float<T: Float>(
    op: UnaryOp,
    name: &'static str,
    x: TensorView<'_>,
    y: TensorView<'_>,
    dy: TensorView<'_>,
    out: &mut Buffer,
) -> Result {
    let x = typed::<T>(name, 0, x)?;
    let y = typed::<T>(name, 1, y)?;
    let g = typed::<T>(name, 2, dy)?;
    let o = T::vec_mut(&mut out.data);
    let (zero, half, one, two) = (
        T::ZERO,
        T::from_f64(0.5),
        T::from_f64(1.0),
        T::from_f64(2.0),
    );
    match op {
        UnaryOp::Neg => zip(g, g, o, |_, g| g.negate()),
        // TF: grad * (2 * x).
        UnaryOp::Square => zip(x, g, o, |x, g| g.times(two.times(x))),
        // TF's SqrtGrad: 0.5 * dy / y.
        UnaryOp::Sqrt => zip(y, g, o, |y, g| half.times(g).div(y)),
        UnaryOp::Exp => zip(y, g, o, |y, g| g.times(y)),
        // TF: grad * reciprocal(x).
        UnaryOp::Log => zip(x, g, o, |x, g| g.times(one.div(x))),
        // TF: grad * sign(x); sign(0) = 0, and NaN stays NaN.
        UnaryOp::Abs => zip(x, g, o, |x, g| {
            if x > zero {
                g
            } else if x < zero {
                g.negate()
            } else if x == zero {
                zero
            } else {
                x
            }
        }),
        // TF's ReluGrad: dy where the output (as TF's _ReluGrad passes it) is positive,
        // which is where the features are.
        UnaryOp::Relu => zip(y, g, o, |y, g| if y > zero { g } else { zero }),
        // TF's SigmoidGrad: dy * y * (1 - y).
        UnaryOp::Sigmoid => zip(y, g, o, |y, g| g.times(y.times(one.minus(y)))),
        // TF's TanhGrad: dy * (1 - y²).
        UnaryOp::Tanh => zip(y, g, o, |y, g| g.times(one.minus(y.times(y)))),
    }
    Ok(())
}

/// `o = f(a, g)` elementwise, reusing `o`'s capacity.
#[inline(always)]
fn zip<T: Copy>(a: &[T], g: &[T], o: &mut Vec<T>, f: impl Fn(T, T) -> T) {
    o.clear();
    o.extend(a.iter().zip(g).map(|(&a, &g)| f(a, g)));
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{assert_close, data, numeric_grad, run, run_f64, values, view};
    use super::*;
    use staticflow_ir::{DType, Op};

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

    /// Inputs in the op's domain, away from the kinks of Abs and Relu.
    fn inputs(op: UnaryOp, n: usize) -> Vec<f64> {
        data(n, 3 + n as u64)
            .into_iter()
            .map(|v| match op {
                UnaryOp::Sqrt | UnaryOp::Log => v.abs() + 0.2,
                _ if v.abs() < 0.05 => v + 0.2,
                _ => v,
            })
            .collect()
    }

    #[test]
    fn match_finite_differences() {
        for op in ALL {
            for shape in [&[1][..], &[7], &[3, 5], &[2, 3, 3]] {
                let n: usize = shape.iter().product();
                let x = inputs(op, n);
                let dy = data(n, 99);
                let forward = |x: &[f64]| run_f64(&Op::Unary(op), &[(x, shape)]).0;
                let y = forward(&x);
                let (got, got_shape) = run_f64(
                    &Op::UnaryGrad(op),
                    &[(&x, shape), (&y, shape), (&dy, shape)],
                );
                assert_eq!(got_shape, shape.to_vec());
                assert_close(&got, &numeric_grad(&x, &dy, forward), 1e-6);
            }
        }
    }

    #[test]
    fn f32_matches_f64() {
        for op in ALL {
            let x = inputs(op, 9);
            let dy = data(9, 5);
            let y = run_f64(&Op::Unary(op), &[(&x, &[9])]).0;
            let want = run_f64(&Op::UnaryGrad(op), &[(&x, &[9]), (&y, &[9]), (&dy, &[9])]).0;
            let narrow = |v: &[f64]| v.iter().map(|&a| a as f32).collect::<Vec<_>>();
            let (x, y, dy) = (narrow(&x), narrow(&y), narrow(&dy));
            let shape = [9];
            let out = run(
                &Op::UnaryGrad(op),
                DType::Float32,
                &[],
                &[view(&x, &shape), view(&y, &shape), view(&dy, &shape)],
            )
            .unwrap();
            let got: Vec<f64> = values::<f32>(&out).iter().map(|&v| f64::from(v)).collect();
            assert_close(&got, &want, 1e-5);
        }
    }

    #[test]
    fn kinks_follow_tf() {
        let x = [-1.0f64, 0.0, 2.0, f64::NAN];
        let dy = [3.0f64; 4];
        let go = |op| run_f64(&Op::UnaryGrad(op), &[(&x, &[4]), (&x, &[4]), (&dy, &[4])]).0;
        assert_eq!(go(UnaryOp::Relu)[..3], [0.0, 0.0, 3.0]);
        let abs = go(UnaryOp::Abs);
        assert_eq!(abs[..3], [-3.0, 0.0, 3.0]);
        assert!(abs[3].is_nan());
    }

    #[test]
    fn errors() {
        let x = [1.0f32; 4];
        let err = run(
            &Op::UnaryGrad(UnaryOp::Exp),
            DType::Float32,
            &[],
            &[view(&x, &[4]), view(&x, &[4]), view(&x, &[2, 2])],
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "ExpGrad expects input 2 of shape [4], got [2,2]"
        );
        let d = [1.0f64; 4];
        let err = run(
            &Op::UnaryGrad(UnaryOp::Exp),
            DType::Float32,
            &[],
            &[view(&x, &[4]), view(&d, &[4]), view(&x, &[4])],
        )
        .unwrap_err();
        assert!(matches!(err, KernelError::DtypeMismatch { index: 1, .. }));
        let i = [1i32; 4];
        let err = run(
            &Op::UnaryGrad(UnaryOp::Relu),
            DType::Int32,
            &[],
            &[view(&i, &[4]), view(&i, &[4]), view(&i, &[4])],
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "no ReluGrad kernel for dtype int32");
    }
}
