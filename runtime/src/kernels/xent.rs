//! Softmax cross entropy of `[N, C]` logits against dense labels (`[N, C]`
//! probabilities) or sparse ones (`[N]` class indices), and their gradients with
//! respect to the logits.
//!
//! As TF's `XentEigenImpl`, each row is shifted by its max `m`, and the loss is
//! `Σ labels · (log Σ exp(x − m) − (x − m))`; the gradient is
//! `dloss · (softmax(x) − labels)`, the labels one-hot for the sparse op.

use super::num::{self, Float};
use super::{same_shape, typed, KernelError, Result};
use crate::tensor::{Buffer, DataView, TensorView};

/// Per-row loss of dense labels: shape `[N]`.
///
/// # Errors
/// [`KernelError::XentRank`], [`KernelError::XentShape`], [`KernelError::DtypeMismatch`],
/// [`KernelError::UnsupportedDtype`] for non-float logits.
pub(super) fn softmax_xent(
    logits: TensorView<'_>,
    labels: TensorView<'_>,
    out: &mut Buffer,
) -> Result {
    let (n, c) = dense_dims(logits, labels)?;
    let op = "SoftmaxCrossEntropyWithLogits";
    match logits.data {
        DataView::F32(x) => dense_loss(x, typed(op, 1, labels)?, (n, c), out),
        DataView::F64(x) => dense_loss(x, typed(op, 1, labels)?, (n, c), out),
        other => return Err(unsupported(op, other)),
    }
    out.set_shape(&[n]);
    Ok(())
}

/// The gradient of [`softmax_xent`] with respect to the logits, given `dloss` (`[N]`).
///
/// # Errors
/// As [`softmax_xent`], and [`KernelError::ShapeMismatch`] for `dloss`.
pub(super) fn softmax_xent_grad(
    logits: TensorView<'_>,
    labels: TensorView<'_>,
    dloss: TensorView<'_>,
    out: &mut Buffer,
) -> Result {
    let (n, c) = dense_dims(logits, labels)?;
    let op = "SoftmaxCrossEntropyWithLogitsGrad";
    same_shape(op, 2, &[n], dloss.shape)?;
    match logits.data {
        DataView::F32(x) => {
            let (z, g) = (typed(op, 1, labels)?, typed(op, 2, dloss)?);
            grad_rows(x, c, g, out, |i, k| z[i * c + k]);
        }
        DataView::F64(x) => {
            let (z, g) = (typed(op, 1, labels)?, typed(op, 2, dloss)?);
            grad_rows(x, c, g, out, |i, k| z[i * c + k]);
        }
        other => return Err(unsupported(op, other)),
    }
    out.set_shape(logits.shape);
    Ok(())
}

/// Per-row loss of class-index labels (int32 or int64): shape `[N]`.
///
/// # Errors
/// TF's [`KernelError::SparseLogitsRank`], [`KernelError::SparseLabelsRank`],
/// [`KernelError::SparseBatch`], [`KernelError::NoClasses`],
/// [`KernelError::LabelOutOfRange`]; [`KernelError::UnsupportedDtype`] for float labels
/// or non-float logits.
pub(super) fn sparse_xent(
    logits: TensorView<'_>,
    labels: TensorView<'_>,
    out: &mut Buffer,
) -> Result {
    let op = "SparseSoftmaxCrossEntropyWithLogits";
    let (n, c, labels) = sparse_dims(op, logits, labels)?;
    match logits.data {
        DataView::F32(x) => sparse_loss(x, &labels, c, out),
        DataView::F64(x) => sparse_loss(x, &labels, c, out),
        other => return Err(unsupported(op, other)),
    }
    out.set_shape(&[n]);
    Ok(())
}

/// The gradient of [`sparse_xent`] with respect to the logits, given `dloss` (`[N]`).
///
/// # Errors
/// As [`sparse_xent`], and [`KernelError::ShapeMismatch`] for `dloss`.
pub(super) fn sparse_xent_grad(
    logits: TensorView<'_>,
    labels: TensorView<'_>,
    dloss: TensorView<'_>,
    out: &mut Buffer,
) -> Result {
    let op = "SparseSoftmaxCrossEntropyWithLogitsGrad";
    let (n, c, labels) = sparse_dims(op, logits, labels)?;
    same_shape(op, 2, &[n], dloss.shape)?;
    let one_hot = |i: usize, k: usize| labels.get(i) == k as i64;
    match logits.data {
        DataView::F32(x) => {
            let g = typed(op, 2, dloss)?;
            grad_rows(x, c, g, out, |i, k| if one_hot(i, k) { 1.0 } else { 0.0 });
        }
        DataView::F64(x) => {
            let g = typed(op, 2, dloss)?;
            grad_rows(x, c, g, out, |i, k| if one_hot(i, k) { 1.0 } else { 0.0 });
        }
        other => return Err(unsupported(op, other)),
    }
    out.set_shape(logits.shape);
    Ok(())
}

/// `(N, C)` of rank-2 logits and labels of the same shape and dtype.
fn dense_dims(logits: TensorView<'_>, labels: TensorView<'_>) -> Result<(usize, usize)> {
    if logits.shape.len() != 2 || labels.shape.len() != 2 {
        return Err(KernelError::XentRank);
    }
    if logits.shape != labels.shape {
        return Err(KernelError::XentShape {
            logits: logits.shape.to_vec(),
            labels: labels.shape.to_vec(),
        });
    }
    Ok((logits.shape[0], logits.shape[1]))
}

/// Class-index labels of either integer dtype.
#[derive(Clone, Copy)]
enum Labels<'a> {
    /// int32 labels.
    I32(&'a [i32]),
    /// int64 labels.
    I64(&'a [i64]),
}

impl Labels<'_> {
    /// Label `i`.
    #[inline(always)]
    fn get(&self, i: usize) -> i64 {
        match self {
            Labels::I32(s) => i64::from(s[i]),
            Labels::I64(s) => s[i],
        }
    }
}

/// `(N, C, labels)` after TF's checks, in TF's order; every label is in `[0, C)`.
fn sparse_dims<'a>(
    op: &'static str,
    logits: TensorView<'_>,
    labels: TensorView<'a>,
) -> Result<(usize, usize, Labels<'a>)> {
    if logits.shape.len() != 2 {
        return Err(KernelError::SparseLogitsRank {
            shape: logits.shape.to_vec(),
        });
    }
    if labels.shape.len() != 1 {
        return Err(KernelError::SparseLabelsRank {
            shape: labels.shape.to_vec(),
        });
    }
    let (n, c) = (logits.shape[0], logits.shape[1]);
    if labels.shape[0] != n {
        return Err(KernelError::SparseBatch {
            logits: logits.shape.to_vec(),
            labels: labels.shape.to_vec(),
        });
    }
    if c == 0 {
        return Err(KernelError::NoClasses {
            shape: logits.shape.to_vec(),
        });
    }
    let labels = match labels.data {
        DataView::I32(s) => Labels::I32(s),
        DataView::I64(s) => Labels::I64(s),
        other => return Err(unsupported(op, other)),
    };
    let classes = i64::try_from(c).unwrap_or(i64::MAX);
    if let Some(label) = (0..n)
        .map(|i| labels.get(i))
        .find(|l| !(0..classes).contains(l))
    {
        return Err(KernelError::LabelOutOfRange { label, classes: c });
    }
    Ok((n, c, labels))
}

/// [`KernelError::UnsupportedDtype`] for an input of dtype `d`.
fn unsupported(op: &'static str, d: DataView<'_>) -> KernelError {
    KernelError::UnsupportedDtype {
        op,
        dtype: d.dtype(),
    }
}

/// A row's max and `log Σ exp(x − max)`.
#[inline(always)]
fn row_stats<T: Float>(row: &[T]) -> (T, T) {
    let m = num::max(row);
    (m, num::sum_map(row, |v| v.minus(m).exp()).ln())
}

/// Dense losses: `Σ z · (log_sum − (x − m))` per row.
fn dense_loss<T: Float>(x: &[T], z: &[T], (n, c): (usize, usize), out: &mut Buffer) {
    let o = T::vec_mut(&mut out.data);
    o.clear();
    if c == 0 {
        // No classes: an empty sum per row.
        o.resize(n, T::ZERO);
        return;
    }
    o.extend(x.chunks_exact(c).zip(z.chunks_exact(c)).map(|(row, lab)| {
        let (m, log_sum) = row_stats(row);
        let mut total = T::ZERO;
        for (&v, &l) in row.iter().zip(lab) {
            total = total.plus(l.times(log_sum.minus(v.minus(m))));
        }
        total
    }));
}

/// Sparse losses: `log_sum − (x[label] − m)` per row (labels checked).
fn sparse_loss<T: Float>(x: &[T], labels: &Labels<'_>, c: usize, out: &mut Buffer) {
    let o = T::vec_mut(&mut out.data);
    o.clear();
    o.extend(x.chunks_exact(c).enumerate().map(|(i, row)| {
        let (m, log_sum) = row_stats(row);
        let at = usize::try_from(labels.get(i)).unwrap_or(0);
        log_sum.minus(row[at].minus(m))
    }));
}

/// `dloss[i] · (softmax(x)[i, k] − label(i, k))` for every row `i` and class `k`.
fn grad_rows<T: Float>(
    x: &[T],
    c: usize,
    dloss: &[T],
    out: &mut Buffer,
    label: impl Fn(usize, usize) -> T,
) {
    let o = T::vec_mut(&mut out.data);
    o.clear();
    if c == 0 {
        return;
    }
    o.resize(x.len(), T::ZERO);
    let rows = x.chunks_exact(c).zip(o.chunks_exact_mut(c)).zip(dloss);
    for (i, ((row, dst), &g)) in rows.enumerate() {
        let m = num::max(row);
        for (d, &v) in dst.iter_mut().zip(row) {
            *d = v.minus(m).exp();
        }
        let sum = num::sum(dst);
        for (k, d) in dst.iter_mut().enumerate() {
            // TF: (exp(x − m) / sum − labels), then times the incoming gradient.
            *d = g.times(d.div(sum).minus(label(i, k)));
        }
    }
}

#[cfg(test)]
mod tests;
