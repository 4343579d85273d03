//! Elementwise ops of two inputs with NumPy broadcasting.
//!
//! Fast paths: equal shapes (one zip), a one-element operand (one map); everything
//! else runs a coalesced strided walk whose inner run is again a zip or a map.

use super::layout::{advance, Broadcast};
use super::num::{Float, Num};
use super::{KernelError, Result, MAX_RANK};
use crate::tensor::{Buffer, Data, DataView, Element, TensorView};
use staticflow_ir::{BinaryOp, DType};

/// `out = a (op) b` with broadcasting; `Equal` gives bool.
///
/// # Errors
/// [`KernelError::IncompatibleShapes`], [`KernelError::DtypeMismatch`],
/// [`KernelError::UnsupportedDtype`] (bool arithmetic, `RealDiv` on integers),
/// [`KernelError::NegativePower`], [`KernelError::RankTooLarge`].
pub(super) fn binary(
    op: BinaryOp,
    a: TensorView<'_>,
    b: TensorView<'_>,
    out: &mut Buffer,
) -> Result {
    let name = op.tf_type();
    let plan = Broadcast::new(name, a.shape, b.shape)?;
    let same = a.shape == b.shape;
    let d = &mut out.data;
    match (a.data, b.data) {
        (DataView::F32(x), DataView::F32(y)) => float(op, x, y, same, &plan, d)?,
        (DataView::F64(x), DataView::F64(y)) => float(op, x, y, same, &plan, d)?,
        (DataView::I32(x), DataView::I32(y)) => int(op, x, y, same, &plan, d)?,
        (DataView::I64(x), DataView::I64(y)) => int(op, x, y, same, &plan, d)?,
        (DataView::Bool(x), DataView::Bool(y)) if op == BinaryOp::Equal => {
            apply(x, y, same, &plan, d, |p, q| p == q)
        }
        (DataView::Bool(_), DataView::Bool(_)) => {
            return Err(KernelError::UnsupportedDtype {
                op: name,
                dtype: DType::Bool,
            })
        }
        (x, y) => {
            return Err(KernelError::DtypeMismatch {
                op: name,
                index: 1,
                expected: x.dtype(),
                got: y.dtype(),
            })
        }
    }
    out.set_shape(plan.out_shape());
    Ok(())
}

/// Float operands: `RealDiv` here, the rest shared with integers.
fn float<T: Float>(
    op: BinaryOp,
    x: &[T],
    y: &[T],
    same: bool,
    p: &Broadcast,
    d: &mut Data,
) -> Result {
    match op {
        BinaryOp::RealDiv => {
            apply(x, y, same, p, d, T::div);
            Ok(())
        }
        _ => numeric(op, x, y, same, p, d),
    }
}

/// Integer operands: no `RealDiv`, and `Pow` refuses negative exponents as TF does.
fn int<T: Num>(op: BinaryOp, x: &[T], y: &[T], same: bool, p: &Broadcast, d: &mut Data) -> Result {
    if op == BinaryOp::Pow && y.iter().any(|v| v.is_negative()) {
        return Err(KernelError::NegativePower);
    }
    numeric(op, x, y, same, p, d)
}

/// The ops every numeric dtype has.
fn numeric<T: Num>(
    op: BinaryOp,
    x: &[T],
    y: &[T],
    same: bool,
    p: &Broadcast,
    d: &mut Data,
) -> Result {
    match op {
        BinaryOp::AddV2 | BinaryOp::Add => apply(x, y, same, p, d, T::plus),
        BinaryOp::Sub => apply(x, y, same, p, d, T::minus),
        BinaryOp::Mul => apply(x, y, same, p, d, T::times),
        BinaryOp::Pow => apply(x, y, same, p, d, T::power),
        BinaryOp::Maximum => apply(x, y, same, p, d, T::max_nan),
        BinaryOp::Minimum => apply(x, y, same, p, d, T::min_nan),
        BinaryOp::Equal => apply(x, y, same, p, d, |a, b| a == b),
        BinaryOp::RealDiv => {
            return Err(KernelError::UnsupportedDtype {
                op: op.tf_type(),
                dtype: T::DTYPE,
            })
        }
    }
    Ok(())
}

/// Writes `f(x, y)` with broadcasting into `d`. The views were checked against their
/// shapes, so every offset the plan produces is in bounds.
#[inline(always)]
fn apply<T: Copy, U: Element>(
    x: &[T],
    y: &[T],
    same: bool,
    plan: &Broadcast,
    d: &mut Data,
    f: impl Fn(T, T) -> U,
) {
    let o = U::vec_mut(d);
    o.clear();
    o.reserve(plan.len);
    if same {
        o.extend(x.iter().zip(y).map(|(&p, &q)| f(p, q)));
    } else if let [p] = *x {
        o.extend(y.iter().map(|&q| f(p, q)));
    } else if let [q] = *y {
        o.extend(x.iter().map(|&p| f(p, q)));
    } else if plan.len > 0 {
        strided(x, y, plan, o, &f);
    }
}

/// The general broadcast: an odometer over the outer coalesced dims, and an inner run
/// whose operands are each contiguous (stride 1) or repeated (stride 0).
#[inline(always)]
fn strided<T: Copy, U: Element>(
    x: &[T],
    y: &[T],
    plan: &Broadcast,
    o: &mut Vec<U>,
    f: &impl Fn(T, T) -> U,
) {
    let r = plan.rank;
    debug_assert!(r >= 1, "a one-element plan takes a fast path");
    let n = plan.dims[r - 1];
    let (sa, sb) = (plan.strides[0][r - 1], plan.strides[1][r - 1]);
    let outer_dims = &plan.dims[..r - 1];
    let outer: usize = outer_dims.iter().product();
    let mut idx = [0usize; MAX_RANK];
    let mut off = [0usize; 2];
    for _ in 0..outer {
        let [oa, ob] = off;
        match (sa, sb) {
            (1, 1) => o.extend(
                x[oa..oa + n]
                    .iter()
                    .zip(&y[ob..ob + n])
                    .map(|(&p, &q)| f(p, q)),
            ),
            (0, 1) => {
                let p = x[oa];
                o.extend(y[ob..ob + n].iter().map(|&q| f(p, q)));
            }
            (1, 0) => {
                let q = y[ob];
                o.extend(x[oa..oa + n].iter().map(|&p| f(p, q)));
            }
            _ => {
                let v = f(x[oa], y[ob]);
                o.extend(std::iter::repeat_n(v, n));
            }
        }
        advance(&mut idx[..r - 1], outer_dims, &plan.strides, &mut off);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{
        assert_close, broadcast_index, count, data, run, unravel, values, view,
    };
    use super::*;
    use staticflow_ir::Op;

    const OPS: [BinaryOp; 9] = [
        BinaryOp::AddV2,
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::RealDiv,
        BinaryOp::Pow,
        BinaryOp::Maximum,
        BinaryOp::Minimum,
        BinaryOp::Equal,
    ];

    fn reference(op: BinaryOp, a: f64, b: f64) -> f64 {
        match op {
            BinaryOp::AddV2 | BinaryOp::Add => a + b,
            BinaryOp::Sub => a - b,
            BinaryOp::Mul => a * b,
            BinaryOp::RealDiv => a / b,
            BinaryOp::Pow => a.powf(b),
            BinaryOp::Maximum => a.max(b),
            BinaryOp::Minimum => a.min(b),
            BinaryOp::Equal => f64::from(u8::from(a == b)),
        }
    }

    /// Naive broadcast: every output element located by its multi-index.
    fn naive(
        op: BinaryOp,
        a: &[f64],
        sa: &[usize],
        b: &[f64],
        sb: &[usize],
    ) -> (Vec<f64>, Vec<usize>) {
        let rank = sa.len().max(sb.len());
        let dim = |s: &[usize], k: usize| {
            if k < rank - s.len() {
                1
            } else {
                s[k - (rank - s.len())]
            }
        };
        let shape: Vec<usize> = (0..rank)
            .map(|k| {
                if dim(sa, k) == 1 {
                    dim(sb, k)
                } else {
                    dim(sa, k)
                }
            })
            .collect();
        let vals = (0..count(&shape))
            .map(|i| {
                let idx = unravel(i, &shape);
                reference(
                    op,
                    a[broadcast_index(&idx, sa)],
                    b[broadcast_index(&idx, sb)],
                )
            })
            .collect();
        (vals, shape)
    }

    fn check_f64(op: BinaryOp, sa: &[usize], sb: &[usize]) {
        let a = data(count(sa), 1);
        // Exponents kept small and bases positive for Pow; equal values for Equal.
        let mut b = data(count(sb), 2);
        if op == BinaryOp::Equal && !a.is_empty() {
            b.iter_mut()
                .enumerate()
                .filter(|(i, _)| i % 2 == 0)
                .for_each(|(i, v)| *v = a[i % a.len()]);
        }
        let a: Vec<f64> = if op == BinaryOp::Pow {
            a.iter().map(|v| v.abs() + 0.1).collect()
        } else {
            a
        };
        let (want, shape) = naive(op, &a, sa, &b, sb);
        let out = run(
            &Op::Binary(op),
            DType::Float64,
            &[],
            &[view(&a, sa), view(&b, sb)],
        )
        .unwrap();
        assert_eq!(out.shape, shape, "{op:?} {sa:?} {sb:?}");
        let got = if op == BinaryOp::Equal {
            values::<bool>(&out)
                .iter()
                .map(|&v| f64::from(u8::from(v)))
                .collect()
        } else {
            values::<f64>(&out)
        };
        assert_close(&got, &want, 1e-12);
        // f32 through the same paths.
        let a32: Vec<f32> = a.iter().map(|&v| v as f32).collect();
        let b32: Vec<f32> = b.iter().map(|&v| v as f32).collect();
        let out = run(
            &Op::Binary(op),
            DType::Float32,
            &[],
            &[view(&a32, sa), view(&b32, sb)],
        )
        .unwrap();
        assert_eq!(out.shape, shape);
        let wide = |v: &[f32]| v.iter().map(|&x| f64::from(x)).collect::<Vec<_>>();
        let (want, _) = naive(op, &wide(&a32), sa, &wide(&b32), sb);
        let got = if op == BinaryOp::Equal {
            values::<bool>(&out)
                .iter()
                .map(|&v| f64::from(u8::from(v)))
                .collect()
        } else {
            wide(&values::<f32>(&out))
        };
        assert_close(&got, &want, 1e-5);
    }

    #[test]
    fn every_broadcast_kind_matches_naive() {
        let cases: &[(&[usize], &[usize])] = &[
            (&[17], &[17]),
            (&[3, 7], &[3, 7]),
            (&[2, 3], &[3]),
            (&[3], &[2, 3]),
            (&[2, 1], &[1, 3]),
            (&[7, 1, 3], &[1, 5, 1]),
            (&[], &[]),
            (&[], &[3, 7]),
            (&[33], &[]),
            (&[1, 1], &[17]),
            (&[3, 1, 5], &[3, 4, 5]),
            (&[2, 3, 4, 5], &[3, 1, 5]),
            (&[4, 1], &[4, 33]),
            (&[0, 3], &[3]),
            (&[1, 1, 1, 1, 1, 1, 1, 2], &[2, 1]),
        ];
        for op in OPS {
            for (sa, sb) in cases {
                check_f64(op, sa, sb);
            }
        }
    }

    #[test]
    fn integers_wrap_and_check_powers() {
        let a = [i32::MAX, 2, -3];
        let b = [1i32, 10, 3];
        let go = |op, b: &[i32]| {
            run(
                &Op::Binary(op),
                DType::Int32,
                &[],
                &[view(&a, &[3]), view(b, &[3])],
            )
        };
        assert_eq!(
            values::<i32>(&go(BinaryOp::Add, &b).unwrap()),
            vec![i32::MIN, 12, 0]
        );
        assert_eq!(
            values::<i32>(&go(BinaryOp::Pow, &b).unwrap()),
            vec![i32::MAX, 1024, -27]
        );
        assert_eq!(
            values::<i32>(&go(BinaryOp::Maximum, &b).unwrap()),
            vec![i32::MAX, 10, 3]
        );
        assert_eq!(
            go(BinaryOp::Pow, &[1, -1, 2]).unwrap_err(),
            KernelError::NegativePower
        );
        assert!(matches!(
            go(BinaryOp::RealDiv, &b),
            Err(KernelError::UnsupportedDtype { op: "RealDiv", .. })
        ));
        let x = [5i64, -6];
        let out = run(
            &Op::Binary(BinaryOp::Sub),
            DType::Int64,
            &[],
            &[view(&x, &[2, 1]), view(&x, &[2])],
        )
        .unwrap();
        assert_eq!(values::<i64>(&out), vec![0, 11, -11, 0]);
    }

    #[test]
    fn bool_equal_and_error_paths() {
        let t = [true, false];
        let f = [false];
        let out = run(
            &Op::Binary(BinaryOp::Equal),
            DType::Bool,
            &[],
            &[view(&t, &[2]), view(&f, &[])],
        )
        .unwrap();
        assert_eq!(values::<bool>(&out), vec![false, true]);
        let err = run(
            &Op::Binary(BinaryOp::Add),
            DType::Bool,
            &[],
            &[view(&t, &[2]), view(&t, &[2])],
        )
        .unwrap_err();
        assert!(matches!(err, KernelError::UnsupportedDtype { .. }));
        let x = [1.0f32; 6];
        let y = [1.0f32; 4];
        let err = run(
            &Op::Binary(BinaryOp::Mul),
            DType::Float32,
            &[],
            &[view(&x, &[2, 3]), view(&y, &[4])],
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "Incompatible shapes: [2,3] vs. [4]");
        let z = [1.0f64; 6];
        let err = run(
            &Op::Binary(BinaryOp::Mul),
            DType::Float32,
            &[],
            &[view(&x, &[6]), view(&z, &[6])],
        )
        .unwrap_err();
        assert!(matches!(err, KernelError::DtypeMismatch { index: 1, .. }));
    }
}
