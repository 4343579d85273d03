//! Gradients of the binary ops with respect to one input, at the broadcast shape of
//! the forward output (a `SumToShape` reduces them to the input's shape afterwards):
//! `RealDivGrad`, `PowGrad`, `MaximumGrad`, `MinimumGrad`, and the trivial ones of
//! `Add`, `Sub` and `Mul`. Formulas and tie rules are TF's (`math_grad.py`).

use super::layout::{broadcast_strides, check_rank, Walk};
use super::num::Float;
use super::{typed, KernelError, Result};
use crate::tensor::{Buffer, DataView, TensorView};
use staticflow_ir::BinaryOp;

/// The gradient of `z = x (op) y` with respect to input `wrt`, given `dz`; the output
/// has `dz`'s shape, and `x` and `y` must broadcast to it.
///
/// # Errors
/// [`KernelError::NoGradient`] (Equal, or `wrt` past 1),
/// [`KernelError::IncompatibleShapes`], [`KernelError::DtypeMismatch`],
/// [`KernelError::UnsupportedDtype`] for non-floats, [`KernelError::RankTooLarge`].
pub(super) fn binary_grad(
    op: BinaryOp,
    wrt: u8,
    name: &'static str,
    x: TensorView<'_>,
    y: TensorView<'_>,
    dz: TensorView<'_>,
    out: &mut Buffer,
) -> Result {
    if wrt > 1 || op == BinaryOp::Equal {
        return Err(KernelError::NoGradient { op: name, wrt });
    }
    check_rank(name, dz.shape.len())?;
    let strides = |v: TensorView<'_>| {
        broadcast_strides(v.shape, dz.shape).ok_or_else(|| KernelError::IncompatibleShapes {
            a: v.shape.to_vec(),
            b: dz.shape.to_vec(),
        })
    };
    let walk = Walk::new(dz.shape, [strides(x)?, strides(y)?]);
    match dz.data {
        DataView::F32(_) => float::<f32>(op, wrt, name, [x, y, dz], &walk, out)?,
        DataView::F64(_) => float::<f64>(op, wrt, name, [x, y, dz], &walk, out)?,
        other => {
            return Err(KernelError::UnsupportedDtype {
                op: name,
                dtype: other.dtype(),
            })
        }
    }
    out.set_shape(dz.shape);
    Ok(())
}

/// The formulas, per dtype.
fn float<T: Float>(
    op: BinaryOp,
    wrt: u8,
    name: &'static str,
    [x, y, dz]: [TensorView<'_>; 3],
    walk: &Walk<2>,
    out: &mut Buffer,
) -> Result {
    let x = typed::<T>(name, 0, x)?;
    let y = typed::<T>(name, 1, y)?;
    let g = typed::<T>(name, 2, dz)?;
    let o = T::vec_mut(&mut out.data);
    o.clear();
    o.resize(g.len(), T::ZERO);
    let (zero, one) = (T::ZERO, T::from_f64(1.0));
    let args = (walk, x, y, g, o.as_mut_slice());
    match (op, wrt) {
        (BinaryOp::AddV2 | BinaryOp::Add, _) | (BinaryOp::Sub, 0) => each(args, |_, _, g| g),
        (BinaryOp::Sub, _) => each(args, |_, _, g| g.negate()),
        (BinaryOp::Mul, 0) => each(args, |_, y, g| g.times(y)),
        (BinaryOp::Mul, _) => each(args, |x, _, g| g.times(x)),
        (BinaryOp::RealDiv, 0) => each(args, |_, y, g| g.div(y)),
        // TF: grad * ((-x / y) / y).
        (BinaryOp::RealDiv, _) => each(args, |x, y, g| g.times(x.negate().div(y).div(y))),
        // TF: grad * y * x^(y - 1).
        (BinaryOp::Pow, 0) => each(args, |x, y, g| g.times(y).times(x.power(y.minus(one)))),
        // TF: grad * z * log(x), with log(x) taken as 0 where x <= 0.
        (BinaryOp::Pow, _) => each(args, |x, y, g| {
            let log_x = if x > zero { x.ln() } else { zero };
            g.times(x.power(y)).times(log_x)
        }),
        // TF's selectors: x >= y for Maximum, x <= y for Minimum; the other input gets
        // the rest (NaN included).
        (BinaryOp::Maximum, 0) => each(args, |x, y, g| if x >= y { g } else { zero }),
        (BinaryOp::Maximum, _) => each(args, |x, y, g| if x >= y { zero } else { g }),
        (BinaryOp::Minimum, 0) => each(args, |x, y, g| if x <= y { g } else { zero }),
        (BinaryOp::Minimum, _) => each(args, |x, y, g| if x <= y { zero } else { g }),
        (BinaryOp::Equal, _) => return Err(KernelError::NoGradient { op: name, wrt }),
    }
    Ok(())
}

/// `o[i] = f(x, y, dz)` at each output index `i`, with `x` and `y` broadcast.
#[inline(always)]
fn each<T: Copy>(
    (walk, x, y, g, o): (&Walk<2>, &[T], &[T], &[T], &mut [T]),
    f: impl Fn(T, T, T) -> T,
) {
    let [ix, iy] = walk.inner();
    walk.for_each_run(|start, [ox, oy], n| {
        let run = o[start..start + n].iter_mut().zip(&g[start..start + n]);
        for (k, (d, &gv)) in run.enumerate() {
            *d = f(x[ox + k * ix], y[oy + k * iy], gv);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{
        assert_close, count, data, numeric_grad, run, run_f64, values_f32, view,
    };
    use super::*;
    use staticflow_ir::{DType, Op};

    const OPS: [BinaryOp; 8] = [
        BinaryOp::AddV2,
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::RealDiv,
        BinaryOp::Pow,
        BinaryOp::Maximum,
        BinaryOp::Minimum,
    ];

    /// The gradient kernel followed by SumToShape, against finite differences of the
    /// forward op, for both inputs.
    fn check(op: BinaryOp, sx: &[usize], sy: &[usize]) {
        let mut x = data(count(sx), 21);
        let mut y = data(count(sy), 22);
        if op == BinaryOp::Pow {
            x.iter_mut().for_each(|v| *v = v.abs() + 0.3);
        }
        if op == BinaryOp::RealDiv {
            y.iter_mut().for_each(|v| *v = v.signum() * (v.abs() + 0.5));
        }
        let (z, sz) = run_f64(&Op::Binary(op), &[(&x, sx), (&y, sy)]);
        let dz = data(z.len(), 23);
        for wrt in 0..2u8 {
            let grad = Op::BinaryGrad { op, wrt };
            let (full, shape) = run_f64(&grad, &[(&x, sx), (&y, sy), (&dz, &sz)]);
            assert_eq!(shape, sz);
            let target: (&[f64], &[usize]) = if wrt == 0 { (&x, sx) } else { (&y, sy) };
            let (got, got_shape) = run_f64(&Op::SumToShape, &[(&full, &sz), target]);
            assert_eq!(got_shape, target.1.to_vec());
            let want = if wrt == 0 {
                numeric_grad(&x, &dz, |x| {
                    run_f64(&Op::Binary(op), &[(x, sx), (&y, sy)]).0
                })
            } else {
                numeric_grad(&y, &dz, |y| {
                    run_f64(&Op::Binary(op), &[(&x, sx), (y, sy)]).0
                })
            };
            assert_close(&got, &want, 1e-6);
        }
    }

    #[test]
    fn match_finite_differences_with_broadcasting() {
        let cases: &[(&[usize], &[usize])] = &[
            (&[7], &[7]),
            (&[3, 5], &[5]),
            (&[5], &[3, 5]),
            (&[3, 1], &[1, 5]),
            (&[], &[2, 3]),
            (&[2, 3, 5], &[3, 1]),
            (&[1, 3, 1], &[2, 1, 5]),
        ];
        for op in OPS {
            for (sx, sy) in cases {
                check(op, sx, sy);
            }
        }
    }

    #[test]
    fn ties_and_pow_at_zero_follow_tf() {
        let x = [1.0f64, 2.0, 0.0];
        let y = [1.0f64, 3.0, 2.0];
        let dz = [5.0f64; 3];
        let go = |op, wrt| {
            run_f64(
                &Op::BinaryGrad { op, wrt },
                &[(&x, &[3]), (&y, &[3]), (&dz, &[3])],
            )
            .0
        };
        assert_eq!(go(BinaryOp::Maximum, 0), vec![5.0, 0.0, 0.0]);
        assert_eq!(go(BinaryOp::Maximum, 1), vec![0.0, 5.0, 5.0]);
        assert_eq!(go(BinaryOp::Minimum, 0), vec![5.0, 5.0, 5.0]);
        assert_eq!(go(BinaryOp::Minimum, 1), vec![0.0, 0.0, 0.0]);
        // d/dy x^y at x = 0 is 0 (log x replaced by 0), not NaN.
        assert_eq!(go(BinaryOp::Pow, 1)[2], 0.0);
    }

    #[test]
    fn f32_matches_f64() {
        let x = data(6, 1);
        let y: Vec<f64> = data(3, 2).iter().map(|v| v + 3.0).collect();
        let dz = data(6, 3);
        let want = run_f64(
            &Op::BinaryGrad {
                op: BinaryOp::RealDiv,
                wrt: 1,
            },
            &[(&x, &[2, 3]), (&y, &[3]), (&dz, &[2, 3])],
        )
        .0;
        let n = |v: &[f64]| v.iter().map(|&a| a as f32).collect::<Vec<_>>();
        let (x, y, dz) = (n(&x), n(&y), n(&dz));
        let out = run(
            &Op::BinaryGrad {
                op: BinaryOp::RealDiv,
                wrt: 1,
            },
            DType::Float32,
            &[],
            &[view(&x, &[2, 3]), view(&y, &[3]), view(&dz, &[2, 3])],
        )
        .unwrap();
        assert_close(&values_f32(&out), &want, 1e-5);
    }

    #[test]
    fn errors() {
        let a = [1.0f32; 6];
        let go = |op, wrt, sx: &[usize], sz: &[usize]| {
            let x = view(&a[..count(sx)], sx);
            let z = view(&a[..count(sz)], sz);
            run(&Op::BinaryGrad { op, wrt }, DType::Float32, &[], &[x, x, z]).unwrap_err()
        };
        assert_eq!(
            go(BinaryOp::Pow, 0, &[2, 3], &[3]).to_string(),
            "Incompatible shapes: [2,3] vs. [3]"
        );
        assert_eq!(
            go(BinaryOp::Pow, 2, &[3], &[3]).to_string(),
            "PowGrad has no gradient with respect to input 2"
        );
        assert!(matches!(
            go(BinaryOp::Equal, 0, &[3], &[3]),
            KernelError::NoGradient { wrt: 0, .. }
        ));
        let i = [1i64; 3];
        let err = run(
            &Op::BinaryGrad {
                op: BinaryOp::Maximum,
                wrt: 0,
            },
            DType::Int64,
            &[],
            &[view(&i, &[3]), view(&i, &[3]), view(&i, &[3])],
        )
        .unwrap_err();
        assert!(matches!(err, KernelError::UnsupportedDtype { .. }));
    }
}
