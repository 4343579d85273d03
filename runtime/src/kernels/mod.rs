//! Kernels: one function per op family over row-major slices.
//!
//! [`compute`] runs one node's op into its output [`Buffer`], reusing the buffer's
//! capacity so that a steady-state run allocates nothing; [`assign`] updates a
//! variable's storage. Every input is checked (count, dtype, shape, element count)
//! before it is read: bad inputs give a [`KernelError`], never a panic.
//!
//! One family per file: `unary`, `binary` (broadcasting), `matmul`, `reduce`,
//! `add_n`, `argmax`, `softmax`, `transpose`, `array` (const, reshape, concat), `cast` (cast,
//! fill), `linalg` (matrix inverse), `random` with `philox`; `layout` holds the shared
//! stride arithmetic, `num` the per-dtype scalar semantics and `vmath` vectorisable f32
//! `exp`/`tanh`.

// The session that calls these kernels is being written alongside them.
#![allow(dead_code)]

mod add_n;
mod argmax;
mod array;
mod binary;
mod cast;
mod error;
mod layout;
mod linalg;
mod matmul;
mod num;
mod philox;
mod random;
mod reduce;
mod softmax;
#[cfg(test)]
mod testutil;
mod transpose;
mod unary;
mod vmath;

pub(crate) use error::KernelError;
pub(crate) use random::RngState;

use crate::tensor::{Buffer, Data, DataView, TensorView};
use staticflow_ir::op::AssignMode;
use staticflow_ir::{DType, Dim, Op};

/// The highest rank the strided kernels (broadcast, transpose, reduce) accept; their
/// index arithmetic lives in fixed arrays of this size.
pub(crate) const MAX_RANK: usize = 8;

/// Result of a kernel.
pub(crate) type Result<T = ()> = std::result::Result<T, KernelError>;

/// Computes one node's output into `out`, reusing its capacity.
///
/// `dtype` is the node's output dtype (used by Cast, Fill, Random and Const);
/// `static_shape` its static shape (fully known for Random, Fill and Const); `rng` is
/// `Some` for [`Op::Random`] only.
///
/// # Errors
/// A [`KernelError`] when the inputs do not fit the op (count, dtype, shape), when the
/// op fails at run time (singular matrix, bad reshape), or when the op is one the
/// executor runs itself (Placeholder, Variable, Assign, NoOp).
pub(crate) fn compute(
    op: &Op,
    dtype: DType,
    static_shape: &[Dim],
    inputs: &[TensorView<'_>],
    out: &mut Buffer,
    rng: Option<&mut RngState>,
) -> Result {
    let name = op.tf_type();
    for (index, x) in inputs.iter().enumerate() {
        check_view(name, index, x)?;
    }
    match op {
        Op::Const(value) => array::constant(value, static_shape, out),
        Op::Identity => {
            let [x] = exactly(name, inputs)?;
            out.copy_from(*x);
            Ok(())
        }
        Op::Unary(u) => {
            let [x] = exactly(name, inputs)?;
            unary::unary(*u, *x, out)
        }
        Op::Binary(b) => {
            let [x, y] = exactly(name, inputs)?;
            binary::binary(*b, *x, *y, out)
        }
        Op::MatMul {
            transpose_a,
            transpose_b,
        } => {
            let [a, b] = exactly(name, inputs)?;
            matmul::matmul(*a, *b, *transpose_a, *transpose_b, out)
        }
        Op::Transpose { perm } => {
            let [x] = exactly(name, inputs)?;
            transpose::transpose(*x, perm, out)
        }
        Op::Reshape { shape } => {
            let [x] = exactly(name, inputs)?;
            array::reshape(*x, shape, out)
        }
        Op::Concat { axis } => array::concat(inputs, *axis, out),
        Op::MatrixInverse => {
            let [x] = exactly(name, inputs)?;
            linalg::matrix_inverse(*x, out)
        }
        Op::Reduce {
            kind,
            axes,
            keep_dims,
        } => reduce::reduce(*kind, first(name, inputs)?, axes, *keep_dims, out),
        Op::AddN => add_n::add_n(inputs, out),
        Op::Softmax => {
            let [x] = exactly(name, inputs)?;
            softmax::softmax(*x, out)
        }
        Op::Cast => {
            let [x] = exactly(name, inputs)?;
            cast::cast(*x, dtype, out)
        }
        Op::ArgMax { axis } => argmax::argmax(first(name, inputs)?, *axis, out),
        Op::Random { dist, a, b, .. } => {
            let rng = rng.ok_or(KernelError::MissingRng { op: name })?;
            random::random(*dist, *a, *b, dtype, static_shape, rng, out)
        }
        Op::Fill { value } => cast::fill(*value, dtype, static_shape, out),
        Op::Placeholder | Op::Variable { .. } | Op::Assign { .. } | Op::NoOp => {
            Err(KernelError::ExecutorOp { op: name })
        }
    }
}

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
fn update<T: num::Num>(v: &mut [T], x: &[T], sub: bool) {
    if sub {
        v.iter_mut().zip(x).for_each(|(a, &b)| *a = a.minus(b));
    } else {
        v.iter_mut().zip(x).for_each(|(a, &b)| *a = a.plus(b));
    }
}

/// Checks that a view holds exactly as many elements as its shape says, so kernels can
/// index by shape.
fn check_view(op: &'static str, index: usize, x: &TensorView<'_>) -> Result {
    if layout::num_elements(x.shape) == Some(x.data.len()) {
        Ok(())
    } else {
        Err(KernelError::InconsistentView {
            op,
            index,
            len: x.data.len(),
            shape: x.shape.to_vec(),
        })
    }
}

/// The inputs as an array of exactly `N`.
fn exactly<'s, 'a, const N: usize>(
    op: &'static str,
    inputs: &'s [TensorView<'a>],
) -> Result<&'s [TensorView<'a>; N]> {
    inputs.try_into().map_err(|_| KernelError::InputCount {
        op,
        expected: ["0", "1", "2"].get(N).copied().unwrap_or("more"),
        got: inputs.len(),
    })
}

/// Input 0 of an op that ignores the rest (the reduction-index input of TF's graph).
fn first<'a>(op: &'static str, inputs: &[TensorView<'a>]) -> Result<TensorView<'a>> {
    inputs.first().copied().ok_or(KernelError::InputCount {
        op,
        expected: "at least 1",
        got: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::testutil::{run, view};
    use super::*;
    use std::borrow::Cow;

    #[test]
    fn executor_ops_are_refused() {
        for op in [
            Op::Placeholder,
            Op::Variable { slot: 0 },
            Op::Assign {
                slot: 0,
                mode: AssignMode::Set,
            },
            Op::NoOp,
        ] {
            let err = run(&op, DType::Float32, &[], &[]).unwrap_err();
            assert!(matches!(err, KernelError::ExecutorOp { .. }), "{err}");
        }
    }

    #[test]
    fn input_count_and_view_checks() {
        let x = [1.0f32, 2.0];
        let v = view(&x, &[2]);
        let err = run(&Op::Identity, DType::Float32, &[], &[v, v]).unwrap_err();
        assert_eq!(err.to_string(), "Identity takes 1 input(s) but got 2");
        let bad = view(&x, &[3]);
        let err = run(&Op::Identity, DType::Float32, &[], &[bad]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Identity input 0 holds 2 elements but its shape [3] needs 3"
        );
        let err = run(
            &Op::Reduce {
                kind: staticflow_ir::ReduceKind::Sum,
                axes: Cow::Borrowed(&[0]),
                keep_dims: false,
            },
            DType::Float32,
            &[],
            &[],
        )
        .unwrap_err();
        assert!(matches!(err, KernelError::InputCount { got: 0, .. }));
        let random = Op::Random {
            dist: staticflow_ir::RandomDist::Uniform,
            seed: 1,
            seed2: 2,
            a: 0.0,
            b: 1.0,
        };
        let err = run(&random, DType::Float32, &[Some(2)], &[]).unwrap_err();
        assert_eq!(
            err,
            KernelError::MissingRng {
                op: "RandomUniform"
            }
        );
    }

    #[test]
    fn huge_empty_shapes_do_not_panic() {
        use staticflow_ir::{BinaryOp, ReduceKind};
        let e: [f32; 0] = [];
        let big = 1usize << 40;
        let shape = [0, big, big];
        let x = view(&e, &shape);
        let reduce = |axes: &'static [usize]| Op::Reduce {
            kind: ReduceKind::Sum,
            axes: Cow::Borrowed(axes),
            keep_dims: false,
        };
        let err = run(&reduce(&[0]), DType::Float32, &[], &[x]).unwrap_err();
        assert!(
            matches!(err, KernelError::TooLarge { op: "Sum", .. }),
            "{err}"
        );
        let shape = [big, big, 0];
        let x = view(&e, &shape);
        let out = run(&reduce(&[0, 1]), DType::Float32, &[], &[x]).unwrap();
        assert_eq!(out.shape, vec![0]);
        let out = run(&Op::ArgMax { axis: 0 }, DType::Int64, &[], &[x]).unwrap();
        assert_eq!(out.shape, vec![big, 0]);
        let perm = Op::Transpose {
            perm: Cow::Borrowed(&[2, 1, 0]),
        };
        assert_eq!(
            run(&perm, DType::Float32, &[], &[x]).unwrap().shape,
            vec![0, big, big]
        );
        let add = Op::Binary(BinaryOp::Add);
        let out = run(&add, DType::Float32, &[], &[x, view(&[1.0f32], &[1])]).unwrap();
        assert_eq!(out.shape, vec![big, big, 0]);
        let wide = [big, 0];
        let tall = [0, big];
        let mm = Op::MatMul {
            transpose_a: false,
            transpose_b: false,
        };
        let err = run(
            &mm,
            DType::Float32,
            &[],
            &[view(&e, &wide), view(&e, &tall)],
        )
        .unwrap_err();
        assert!(
            matches!(err, KernelError::TooLarge { op: "MatMul", .. }),
            "{err}"
        );
        let fill = Op::Fill { value: 1.0 };
        let err = run(&fill, DType::Float32, &[Some(big), Some(big)], &[]).unwrap_err();
        assert!(
            matches!(err, KernelError::TooLarge { op: "Fill", .. }),
            "{err}"
        );
    }

    #[test]
    fn identity_copies_and_reuses_capacity() {
        let x = [1i64, 2, 3];
        let mut out = Buffer::empty(DType::Int64);
        compute(
            &Op::Identity,
            DType::Int64,
            &[],
            &[view(&x, &[3])],
            &mut out,
            None,
        )
        .unwrap();
        let ptr = match &out.data {
            Data::I64(v) => v.as_ptr(),
            _ => std::ptr::null(),
        };
        compute(
            &Op::Identity,
            DType::Int64,
            &[],
            &[view(&x[..2], &[2])],
            &mut out,
            None,
        )
        .unwrap();
        assert_eq!(out.data, Data::I64(vec![1, 2]));
        assert_eq!(out.shape, vec![2]);
        assert!(matches!(&out.data, Data::I64(v) if v.as_ptr() == ptr));
    }

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
