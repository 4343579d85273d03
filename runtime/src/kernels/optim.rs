//! The optimizer updates: TF's `ApplyGradientDescent`, `ApplyMomentum`, `ApplyAdam`,
//! `ApplyRMSProp` and `ApplyAdagrad`, each one fused loop that updates the variable
//! and its slots in place with `training_ops.cc`'s formulas, operation for operation
//! in the variable's dtype, so the numbers match TF's to float rounding.

use super::num::Float;
use super::{check_view, count_text, typed, KernelError, Result};
use crate::tensor::{Buffer, TensorView};
use staticflow_ir::{ApplyKind, DType};

/// TF's argument names of each op, in input order (they appear in TF's messages).
fn arg_names(kind: ApplyKind) -> &'static [&'static str] {
    match kind {
        ApplyKind::GradientDescent => &["var", "alpha", "delta"],
        ApplyKind::Momentum { .. } => &["var", "accum", "lr", "grad", "momentum"],
        ApplyKind::Adam => &[
            "var",
            "m",
            "v",
            "beta1_power",
            "beta2_power",
            "lr",
            "beta1",
            "beta2",
            "epsilon",
            "grad",
        ],
        ApplyKind::RMSProp => &[
            "var", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad",
        ],
        ApplyKind::Adagrad => &["var", "accum", "lr", "grad"],
    }
}

/// Runs one `Apply*` update in place.
///
/// `refs` are the variable and its slots (`kind.num_refs()` of them, in input order).
/// `inputs` are all of the op's inputs in TF's order, whose ref positions are not read
/// (the values in `refs` are used), or just the inputs after the refs (the
/// hyperparameters and the gradient), for a caller that cannot view a variable it is
/// updating. Hyperparameters are rank-0 tensors; the slots and the gradient must have
/// the variable's shape. Indices in errors count the op's inputs in TF's order.
///
/// # Errors
/// [`KernelError::InputCount`], [`KernelError::RefCount`],
/// [`KernelError::Uninitialized`] for an empty variable or slot, TF's
/// [`KernelError::NotScalar`] and [`KernelError::ApplyShape`],
/// [`KernelError::DtypeMismatch`], [`KernelError::UnsupportedDtype`] for non-floats,
/// [`KernelError::InconsistentView`].
// The session's Apply step that calls this is being written alongside.
pub(crate) fn apply(
    kind: ApplyKind,
    refs: &mut [&mut Buffer],
    inputs: &[TensorView<'_>],
) -> Result {
    let op = kind.tf_type();
    let names = arg_names(kind);
    let nr = kind.num_refs();
    // The inputs after the refs; TF's input `i >= nr` is `rest[i - nr]`.
    let rest = match inputs.len() {
        n if n == kind.num_inputs() => &inputs[nr..],
        n if n + nr == kind.num_inputs() => inputs,
        got => {
            return Err(KernelError::InputCount {
                op,
                expected: count_text(kind.num_inputs()),
                got,
            })
        }
    };
    if refs.len() != nr {
        return Err(KernelError::RefCount {
            op,
            expected: nr,
            got: refs.len(),
        });
    }
    for (index, x) in rest.iter().enumerate() {
        check_view(op, index + nr, x)?;
    }
    let Some(dtype) = refs.first().map(|r| r.data.dtype()) else {
        return Err(KernelError::RefCount {
            op,
            expected: nr,
            got: 0,
        });
    };
    for (index, (r, &name)) in refs.iter().zip(names).enumerate() {
        if r.shape.is_empty() && r.data.is_empty() {
            return Err(KernelError::Uninitialized { name });
        }
        check_view(op, index, &r.view())?;
        check_dtype(op, index, dtype, r.data.dtype())?;
    }
    for (index, (x, &name)) in rest.iter().zip(&names[nr..]).enumerate() {
        let index = index + nr;
        check_dtype(op, index, dtype, x.dtype())?;
        if index != kind.grad_index() && !x.shape.is_empty() {
            return Err(KernelError::NotScalar {
                name,
                shape: x.shape.to_vec(),
            });
        }
    }
    let var = refs[0].shape.as_slice();
    let slots = refs
        .iter()
        .map(|r| r.shape.as_slice())
        .zip(names.iter().copied())
        .skip(1);
    let g = kind.grad_index();
    let grad = (rest[g - nr].shape, names[g]);
    for (shape, name) in slots.chain([grad]) {
        if shape != var {
            return Err(KernelError::ApplyShape {
                name,
                var: var.to_vec(),
                other: shape.to_vec(),
            });
        }
    }
    match dtype {
        DType::Float32 => update::<f32>(kind, refs, rest),
        DType::Float64 => update::<f64>(kind, refs, rest),
        other => Err(KernelError::UnsupportedDtype { op, dtype: other }),
    }
}

/// [`KernelError::DtypeMismatch`] unless `got` is the variable's dtype.
fn check_dtype(op: &'static str, index: usize, expected: DType, got: DType) -> Result {
    if got == expected {
        Ok(())
    } else {
        Err(KernelError::DtypeMismatch {
            op,
            index,
            expected,
            got,
        })
    }
}

/// The update loops, after the checks; `rest` are the inputs after the refs. Each line
/// is the Eigen expression of `training_ops.cc`, evaluated left to right as Eigen does.
fn update<T: Float>(kind: ApplyKind, refs: &mut [&mut Buffer], rest: &[TensorView<'_>]) -> Result {
    let op = kind.tf_type();
    let nr = kind.num_refs();
    // TF's input `i` (after the refs).
    let input = |i: usize| typed::<T>(op, i, rest[i - nr]);
    let scalar = |i: usize| -> Result<T> { Ok(input(i)?.first().copied().unwrap_or(T::ZERO)) };
    let grad = input(kind.grad_index())?;
    let one = T::from_f64(1.0);
    match (kind, refs) {
        (ApplyKind::GradientDescent, [var]) => {
            let lr = scalar(1)?;
            let var = T::vec_mut(&mut var.data);
            for (v, &g) in var.iter_mut().zip(grad) {
                // var -= grad * lr
                *v = v.minus(g.times(lr));
            }
        }
        (ApplyKind::Momentum { nesterov }, [var, accum]) => {
            let (lr, momentum) = (scalar(2)?, scalar(4)?);
            let var = T::vec_mut(&mut var.data);
            let accum = T::vec_mut(&mut accum.data);
            for ((v, a), &g) in var.iter_mut().zip(accum.iter_mut()).zip(grad) {
                // accum = accum * momentum + grad
                *a = a.times(momentum).plus(g);
                *v = if nesterov {
                    // var -= grad * lr + accum * momentum * lr
                    v.minus(g.times(lr).plus(a.times(momentum).times(lr)))
                } else {
                    // var -= accum * lr
                    v.minus(a.times(lr))
                };
            }
        }
        (ApplyKind::Adam, [var, m, v]) => {
            let (beta1_power, beta2_power, lr) = (scalar(3)?, scalar(4)?, scalar(5)?);
            let (beta1, beta2, epsilon) = (scalar(6)?, scalar(7)?, scalar(8)?);
            // alpha = lr * sqrt(1 - beta2_power) / (1 - beta1_power)
            let alpha = lr
                .times(one.minus(beta2_power).sqrt())
                .div(one.minus(beta1_power));
            let var = T::vec_mut(&mut var.data);
            let m = T::vec_mut(&mut m.data);
            let v = T::vec_mut(&mut v.data);
            let slots = var.iter_mut().zip(m.iter_mut()).zip(v.iter_mut());
            for (((x, m), v), &g) in slots.zip(grad) {
                // m += (grad - m) * (1 - beta1)
                *m = m.plus(g.minus(*m).times(one.minus(beta1)));
                // v += (grad² - v) * (1 - beta2)
                *v = v.plus(g.times(g).minus(*v).times(one.minus(beta2)));
                // var -= (m * alpha) / (sqrt(v) + epsilon)
                *x = x.minus(m.times(alpha).div(v.sqrt().plus(epsilon)));
            }
        }
        (ApplyKind::RMSProp, [var, ms, mom]) => {
            let (lr, rho) = (scalar(3)?, scalar(4)?);
            let (momentum, epsilon) = (scalar(5)?, scalar(6)?);
            let var = T::vec_mut(&mut var.data);
            let ms = T::vec_mut(&mut ms.data);
            let mom = T::vec_mut(&mut mom.data);
            let slots = var.iter_mut().zip(ms.iter_mut()).zip(mom.iter_mut());
            for (((x, s), p), &g) in slots.zip(grad) {
                // ms += (grad² - ms) * (1 - rho)
                *s = s.plus(g.times(g).minus(*s).times(one.minus(rho)));
                // mom = mom * momentum + grad * lr / sqrt(ms + epsilon)
                *p = p
                    .times(momentum)
                    .plus(g.times(lr).div(s.plus(epsilon).sqrt()));
                // var -= mom
                *x = x.minus(*p);
            }
        }
        (ApplyKind::Adagrad, [var, accum]) => {
            let lr = scalar(2)?;
            let var = T::vec_mut(&mut var.data);
            let accum = T::vec_mut(&mut accum.data);
            for ((x, a), &g) in var.iter_mut().zip(accum.iter_mut()).zip(grad) {
                // accum += grad²
                *a = a.plus(g.times(g));
                // var -= grad * lr * rsqrt(accum)
                *x = x.minus(g.times(lr).times(one.div(a.sqrt())));
            }
        }
        (_, refs) => {
            return Err(KernelError::RefCount {
                op,
                expected: kind.num_refs(),
                got: refs.len(),
            })
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
