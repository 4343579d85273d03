//! Elementwise sigmoid cross entropy and its gradient, and `L2Loss`.
//!
//! Sigmoid cross entropy is TF's numerically stable form
//! (`sigmoid_cross_entropy_with_logits`): `max(x, 0) − x·z + log1p(exp(−|x|))`, whose
//! gradient with respect to `x` is `sigmoid(x) − z`. `L2Loss` is TF's kernel:
//! `sum(x² · 0.5)`.

use super::num::{self, Float};
use super::{same_shape, typed, KernelError, Result};
use crate::tensor::{Buffer, DataView, TensorView};

/// `max(x, 0) − x·z + log1p(exp(−|x|))` elementwise; logits and labels of one shape.
///
/// # Errors
/// [`KernelError::SigmoidXentShape`], [`KernelError::DtypeMismatch`],
/// [`KernelError::UnsupportedDtype`] for non-floats.
pub(super) fn sigmoid_xent(
    logits: TensorView<'_>,
    labels: TensorView<'_>,
    out: &mut Buffer,
) -> Result {
    let op = "SigmoidCrossEntropyWithLogits";
    check_shapes(logits, labels)?;
    match logits.data {
        DataView::F32(x) => values(x, typed(op, 1, labels)?, out),
        DataView::F64(x) => values(x, typed(op, 1, labels)?, out),
        other => return Err(unsupported(op, other)),
    }
    out.set_shape(logits.shape);
    Ok(())
}

/// `dloss · (sigmoid(x) − z)` elementwise.
///
/// # Errors
/// As [`sigmoid_xent`], and [`KernelError::ShapeMismatch`] for `dloss`.
pub(super) fn sigmoid_xent_grad(
    logits: TensorView<'_>,
    labels: TensorView<'_>,
    dloss: TensorView<'_>,
    out: &mut Buffer,
) -> Result {
    let op = "SigmoidCrossEntropyWithLogitsGrad";
    check_shapes(logits, labels)?;
    same_shape(op, 2, logits.shape, dloss.shape)?;
    match logits.data {
        DataView::F32(x) => grads(x, typed(op, 1, labels)?, typed(op, 2, dloss)?, out),
        DataView::F64(x) => grads(x, typed(op, 1, labels)?, typed(op, 2, dloss)?, out),
        other => return Err(unsupported(op, other)),
    }
    out.set_shape(logits.shape);
    Ok(())
}

/// `sum(x²) / 2` as a scalar.
///
/// # Errors
/// [`KernelError::UnsupportedDtype`] for non-floats.
pub(super) fn l2_loss(x: TensorView<'_>, out: &mut Buffer) -> Result {
    match x.data {
        DataView::F32(s) => half_sum_squares(s, out),
        DataView::F64(s) => half_sum_squares(s, out),
        other => return Err(unsupported("L2Loss", other)),
    }
    out.set_shape(&[]);
    Ok(())
}

/// TF checks the shapes in Python, with this message.
fn check_shapes(logits: TensorView<'_>, labels: TensorView<'_>) -> Result {
    if logits.shape == labels.shape {
        Ok(())
    } else {
        Err(KernelError::SigmoidXentShape {
            logits: logits.shape.to_vec(),
            labels: labels.shape.to_vec(),
        })
    }
}

/// [`KernelError::UnsupportedDtype`] for an input of dtype `d`.
fn unsupported(op: &'static str, d: DataView<'_>) -> KernelError {
    KernelError::UnsupportedDtype {
        op,
        dtype: d.dtype(),
    }
}

/// The losses, in TF's order: `(relu(x) − x·z) + log1p(exp(−|x|))`.
fn values<T: Float>(x: &[T], z: &[T], out: &mut Buffer) {
    let o = T::vec_mut(&mut out.data);
    o.clear();
    o.extend(x.iter().zip(z).map(|(&x, &z)| {
        let neg_abs = x.magnitude().negate();
        x.relu().minus(x.times(z)).plus(neg_abs.exp().ln_1p())
    }));
}

/// The gradients.
fn grads<T: Float>(x: &[T], z: &[T], g: &[T], out: &mut Buffer) {
    let o = T::vec_mut(&mut out.data);
    o.clear();
    o.extend(
        x.iter()
            .zip(z)
            .zip(g)
            .map(|((&x, &z), &g)| g.times(x.sigmoid().minus(z))),
    );
}

/// `sum(x² · 0.5)` into a one-element buffer.
fn half_sum_squares<T: Float>(s: &[T], out: &mut Buffer) {
    let half = T::from_f64(0.5);
    let total = num::sum_map(s, |v| v.times(v).times(half));
    let o = T::vec_mut(&mut out.data);
    o.clear();
    o.push(total);
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{
        assert_close, count, data, numeric_grad, run, run_f64, values_f32, view,
    };
    use super::*;
    use staticflow_ir::{DType, Op};

    /// TF 2.21's numbers (tests/fixtures/tf_reference.json, "losses"): values, and the
    /// gradients of `reduce_sum(value * w)` with respect to the logits.
    const LOGITS: [f32; 6] = [1.0, 2.0, 0.5, -1.0, 0.0, 3.0];
    const LABELS: [f32; 6] = [0.0, 1.0, 1.0, 1.0, 0.0, 0.5];
    const W: [f32; 6] = [1.0, -2.0, 0.5, 0.3, 1.0, -1.0];
    const TF_VALUE: [f64; 6] = [
        1.3132617473602295,
        0.12692800164222717,
        0.4740769863128662,
        1.3132617473602295,
        0.6931471824645996,
        1.5485873222351074,
    ];
    const TF_GRAD: [f64; 6] = [
        0.7310585975646973,
        0.23840582370758057,
        -0.1887703537940979,
        -0.21931758522987366,
        0.5,
        -0.45257413387298584,
    ];
    const TF_L2: f64 = 7.625;

    #[test]
    fn values_and_gradients_match_tf() {
        let s = [2, 3];
        let (x, z, w) = (view(&LOGITS, &s), view(&LABELS, &s), view(&W, &s));
        let loss = run(&Op::SigmoidCrossEntropy, DType::Float32, &[], &[x, z]).unwrap();
        assert_eq!(loss.shape, vec![2, 3]);
        assert_close(&values_f32(&loss), &TF_VALUE, 1e-6);
        let grad = run(
            &Op::SigmoidCrossEntropyGrad,
            DType::Float32,
            &[],
            &[x, z, w],
        )
        .unwrap();
        assert_close(&values_f32(&grad), &TF_GRAD, 1e-6);
        let l2 = run(&Op::L2Loss, DType::Float32, &[], &[x]).unwrap();
        assert_eq!((values_f32(&l2), l2.shape), (vec![TF_L2], vec![]));
    }

    #[test]
    fn gradient_matches_finite_differences() {
        for shape in [&[1][..], &[7], &[3, 5], &[2, 3, 3]] {
            let x: Vec<f64> = data(count(shape), 71).iter().map(|v| v * 4.0).collect();
            let z: Vec<f64> = data(x.len(), 72).iter().map(|v| (v + 2.0) / 4.0).collect();
            let dloss = data(x.len(), 73);
            let f = |x: &[f64]| run_f64(&Op::SigmoidCrossEntropy, &[(x, shape), (&z, shape)]).0;
            let (got, s) = run_f64(
                &Op::SigmoidCrossEntropyGrad,
                &[(&x, shape), (&z, shape), (&dloss, shape)],
            );
            assert_eq!(s, shape.to_vec());
            assert_close(&got, &numeric_grad(&x, &dloss, f), 1e-6);
            let (l2, _) = run_f64(&Op::L2Loss, &[(&x, shape)]);
            let want: f64 = x.iter().map(|v| v * v).sum::<f64>() / 2.0;
            assert_close(&l2, &[want], 1e-14);
        }
    }

    #[test]
    fn extreme_logits_stay_finite() {
        let x = [-200.0f32, 200.0, 0.0];
        let z = [0.0f32, 1.0, 1.0];
        let out = run(
            &Op::SigmoidCrossEntropy,
            DType::Float32,
            &[],
            &[view(&x, &[3]), view(&z, &[3])],
        )
        .unwrap();
        assert_eq!(
            values_f32(&out),
            vec![0.0, 0.0, f64::from(std::f32::consts::LN_2)]
        );
        let e: [f64; 0] = [];
        assert_eq!(run_f64(&Op::L2Loss, &[(&e, &[0, 3])]), (vec![0.0], vec![]));
    }

    #[test]
    fn errors() {
        let a = [0.0f32; 6];
        let err = run(
            &Op::SigmoidCrossEntropy,
            DType::Float32,
            &[],
            &[view(&a, &[2, 3]), view(&a, &[3, 2])],
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "logits and labels must have the same shape ((2, 3) vs (3, 2))"
        );
        let err = run(
            &Op::SigmoidCrossEntropyGrad,
            DType::Float32,
            &[],
            &[view(&a, &[6]), view(&a, &[6]), view(&a[..3], &[3])],
        )
        .unwrap_err();
        assert!(matches!(err, KernelError::ShapeMismatch { index: 2, .. }));
        let i = [1i32; 2];
        let err = run(&Op::L2Loss, DType::Int32, &[], &[view(&i, &[2])]).unwrap_err();
        assert_eq!(err.to_string(), "no L2Loss kernel for dtype int32");
    }
}
