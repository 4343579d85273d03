//! `assign`, `assign_add` and `assign_sub` into a variable's storage.

use super::num::Num;
use super::{check_view, KernelError, Result};
use crate::tensor::{Buffer, Data, DataView, TensorView};
use staticflow_ir::op::AssignMode;

/// `assign` / `assign_add` / `assign_sub` of `value` into a variable's storage.
///
/// `Set` replaces the storage; when the variable already holds a value (anything but
/// the shape-`[]`, zero-element buffer of [`Buffer::empty`]) the shapes must match, as
/// TF's `validate_shape=True`. `Add`/`Sub` need equal shapes and a numeric dtype;
/// integers wrap.
///
/// # Errors
/// [`KernelError::DtypeMismatch`], [`KernelError::AssignShape`],
/// [`KernelError::UpdateShape`], [`KernelError::UnsupportedDtype`] (bool updates), or
/// [`KernelError::InconsistentView`] for a malformed value.
pub(crate) fn assign(mode: AssignMode, var: &mut Buffer, value: TensorView<'_>) -> Result {
    let op = match mode {
        AssignMode::Set => "Assign",
        AssignMode::Add => "AssignAdd",
        AssignMode::Sub => "AssignSub",
    };
    check_view(op, 1, &value)?;
    if var.data.dtype() != value.dtype() {
        return Err(KernelError::DtypeMismatch {
            op,
            index: 1,
            expected: var.data.dtype(),
            got: value.dtype(),
        });
    }
    if mode == AssignMode::Set {
        let initialized = !(var.shape.is_empty() && var.data.is_empty());
        if initialized && var.shape != value.shape {
            return Err(KernelError::AssignShape {
                lhs: var.shape.clone(),
                rhs: value.shape.to_vec(),
            });
        }
        var.copy_from(value);
        return Ok(());
    }
    if var.shape != value.shape || var.data.len() != value.data.len() {
        return Err(KernelError::UpdateShape {
            lhs: var.shape.clone(),
            rhs: value.shape.to_vec(),
        });
    }
    let sub = mode == AssignMode::Sub;
    match (&mut var.data, value.data) {
        (Data::F32(v), DataView::F32(x)) => update(v, x, sub),
        (Data::F64(v), DataView::F64(x)) => update(v, x, sub),
        (Data::I32(v), DataView::I32(x)) => update(v, x, sub),
        (Data::I64(v), DataView::I64(x)) => update(v, x, sub),
        _ => {
            return Err(KernelError::UnsupportedDtype {
                op,
                dtype: value.dtype(),
            })
        }
    }
    Ok(())
}

/// `v += x` or `v -= x`, elementwise.
fn update<T: Num>(v: &mut [T], x: &[T], sub: bool) {
    if sub {
        v.iter_mut().zip(x).for_each(|(a, &b)| *a = a.minus(b));
    } else {
        v.iter_mut().zip(x).for_each(|(a, &b)| *a = a.plus(b));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::view;
    use super::*;
    use staticflow_ir::DType;

    #[test]
    fn assign_modes() {
        let mut var = Buffer::empty(DType::Float32);
        let a = [1.0f32, 2.0];
        assign(AssignMode::Set, &mut var, view(&a, &[2])).unwrap();
        assert_eq!(var.shape, vec![2]);
        assign(AssignMode::Add, &mut var, view(&a, &[2])).unwrap();
        assign(AssignMode::Sub, &mut var, view(&[0.5f32, 0.5], &[2])).unwrap();
        assert_eq!(var.data, Data::F32(vec![1.5, 3.5]));
        let err = assign(AssignMode::Set, &mut var, view(&[1.0f32; 3], &[3])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Assign requires shapes of both tensors to match. lhs shape= [2] rhs shape= [3]"
        );
        let err = assign(AssignMode::Add, &mut var, view(&[1.0f32], &[1])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Cannot update variable with shape [2] using a Tensor with shape [1], shapes must be equal."
        );
        let err = assign(AssignMode::Add, &mut var, view(&[1i32, 2], &[2])).unwrap_err();
        assert!(matches!(err, KernelError::DtypeMismatch { .. }));
        let mut ints = Buffer::empty(DType::Int32);
        assign(AssignMode::Set, &mut ints, view(&[i32::MAX], &[])).unwrap();
        assign(AssignMode::Add, &mut ints, view(&[1i32], &[])).unwrap();
        assert_eq!(ints.data, Data::I32(vec![i32::MIN]));
        let mut flags = Buffer::empty(DType::Bool);
        assign(AssignMode::Set, &mut flags, view(&[true], &[])).unwrap();
        let err = assign(AssignMode::Add, &mut flags, view(&[true], &[])).unwrap_err();
        assert!(matches!(err, KernelError::UnsupportedDtype { .. }));
        let err = assign(AssignMode::Set, &mut flags, view(&[true], &[2])).unwrap_err();
        assert!(matches!(err, KernelError::InconsistentView { .. }));
    }
}
