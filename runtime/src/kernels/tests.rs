//! Tests of [`compute`] across kernels: dispatch, input checks, huge empty shapes and
//! buffer reuse.

use super::testutil::{run, view};
use super::*;
use crate::tensor::Data;
use staticflow_ir::op::AssignMode;
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
fn new_ops_check_their_input_counts() {
    let err = run(&Op::L2Loss, DType::Float32, &[], &[]).unwrap_err();
    assert_eq!(err.to_string(), "L2Loss takes 1 input(s) but got 0");
    let x = [1.0f32];
    let v = view(&x, &[1]);
    let err = run(&Op::SoftmaxGrad, DType::Float32, &[], &[v]).unwrap_err();
    assert_eq!(err.to_string(), "SoftmaxGrad takes 2 input(s) but got 1");
    let grad = Op::UnaryGrad(staticflow_ir::UnaryOp::Exp);
    let err = run(&grad, DType::Float32, &[], &[v, v]).unwrap_err();
    assert_eq!(err.to_string(), "ExpGrad takes 3 input(s) but got 2");
    let apply = Op::Apply(staticflow_ir::ApplyKind::GradientDescent);
    let err = run(&apply, DType::Float32, &[], &[v, v, v]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "ApplyGradientDescent is run by the executor, not by a kernel"
    );
    let dropout = Op::DropoutMask {
        rate: 0.5,
        seed: 1,
        seed2: 2,
    };
    let err = run(&dropout, DType::Float32, &[], &[v]).unwrap_err();
    assert_eq!(err.to_string(), "DropoutMask needs its random state");
}

#[test]
fn identity_like_ops_copy_any_dtype() {
    let x = [true, false];
    let out = run(&Op::StopGradient, DType::Bool, &[], &[view(&x, &[2, 1])]).unwrap();
    assert_eq!(
        (out.data, out.shape),
        (Data::Bool(vec![true, false]), vec![2, 1])
    );
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

/// Address and capacity of a buffer's storage.
fn storage(b: &Buffer) -> (usize, usize) {
    match &b.data {
        Data::F32(v) => (v.as_ptr() as usize, v.capacity()),
        Data::F64(v) => (v.as_ptr() as usize, v.capacity()),
        Data::I32(v) => (v.as_ptr() as usize, v.capacity()),
        Data::I64(v) => (v.as_ptr() as usize, v.capacity()),
        Data::Bool(v) => (v.as_ptr() as usize, v.capacity()),
    }
}

#[test]
fn new_kernels_reuse_their_buffers() {
    use staticflow_ir::{BinaryOp, ReduceKind, UnaryOp};
    let x = [0.5f32, -1.0, 2.0, 0.25, 3.0, -0.5];
    let labels = [0.2f32, 0.3, 0.5, 0.0, 1.0, 0.0];
    let classes = [2i64, 1];
    let b = [1.0f32, 2.0, 3.0];
    let col = [1.0f32, 2.0];
    let (m, v, r, s) = (view(&x, &[2, 3]), view(&b, &[3]), view(&col, &[2]), [2, 3]);
    let z = view(&labels, &s);
    let reduce_grad = |kind| Op::ReduceGrad {
        kind,
        axes: Cow::Borrowed(&[1]),
        keep_dims: false,
    };
    let cases: Vec<(Op, Vec<TensorView<'_>>)> = vec![
        (Op::OnesLike, vec![m]),
        (Op::StopGradient, vec![m]),
        (Op::SumToShape, vec![m, v]),
        (Op::ReshapeLike, vec![m, view(&x, &[6])]),
        (Op::UnaryGrad(UnaryOp::Tanh), vec![m, m, m]),
        (
            Op::BinaryGrad {
                op: BinaryOp::Pow,
                wrt: 1,
            },
            vec![m, v, m],
        ),
        (reduce_grad(ReduceKind::Mean), vec![m, r, r]),
        (reduce_grad(ReduceKind::Max), vec![m, r, r]),
        (Op::SoftmaxGrad, vec![m, m]),
        (Op::LogSoftmax, vec![m]),
        (Op::LogSoftmaxGrad, vec![m, m]),
        (
            Op::ConcatGrad { axis: 1, index: 1 },
            vec![m, view(&x[..2], &[2, 1]), view(&x[..4], &[2, 2])],
        ),
        (Op::BiasAdd, vec![m, v]),
        (Op::BiasAddGrad, vec![m]),
        (Op::SoftmaxCrossEntropy, vec![m, z]),
        (Op::SoftmaxCrossEntropyGrad, vec![m, z, r]),
        (Op::SparseSoftmaxCrossEntropy, vec![m, view(&classes, &[2])]),
        (
            Op::SparseSoftmaxCrossEntropyGrad,
            vec![m, view(&classes, &[2]), r],
        ),
        (Op::SigmoidCrossEntropy, vec![m, z]),
        (Op::SigmoidCrossEntropyGrad, vec![m, z, m]),
        (Op::L2Loss, vec![m]),
    ];
    for (op, inputs) in cases {
        let mut out = Buffer::empty(DType::Float32);
        compute(&op, DType::Float32, &[], &inputs, &mut out, None).unwrap();
        let first = (storage(&out), out.shape.as_ptr());
        compute(&op, DType::Float32, &[], &inputs, &mut out, None).unwrap();
        assert_eq!((storage(&out), out.shape.as_ptr()), first, "{op:?}");
    }
    let dropout = Op::DropoutMask {
        rate: 0.5,
        seed: 3,
        seed2: 4,
    };
    let mut rng = RngState::new(3, 4);
    let mut out = Buffer::empty(DType::Float32);
    compute(
        &dropout,
        DType::Float32,
        &[],
        &[m],
        &mut out,
        Some(&mut rng),
    )
    .unwrap();
    let first = storage(&out);
    compute(
        &dropout,
        DType::Float32,
        &[],
        &[m],
        &mut out,
        Some(&mut rng),
    )
    .unwrap();
    assert_eq!(storage(&out), first);
}

#[test]
fn gradient_kernels_survive_huge_empty_shapes() {
    use staticflow_ir::ReduceKind;
    let e: [f32; 0] = [];
    let big = 1usize << 40;
    let shape = [0, big, big];
    let x = view(&e, &shape);
    let grad = Op::ReduceGrad {
        kind: ReduceKind::Max,
        axes: Cow::Borrowed(&[1]),
        keep_dims: true,
    };
    let small = [0, 1, big];
    let y = view(&e, &small);
    assert_eq!(
        run(&grad, DType::Float32, &[], &[x, y, y]).unwrap().shape,
        shape.to_vec()
    );
    let wide = [0, big];
    let out = run(&Op::SumToShape, DType::Float32, &[], &[x, y]).unwrap();
    assert_eq!(out.shape, small.to_vec());
    let err = run(&Op::SumToShape, DType::Float32, &[], &[x, view(&e, &wide)]).unwrap_err();
    assert!(
        matches!(err, KernelError::IncompatibleShapes { .. }),
        "{err}"
    );
    let out = run(
        &Op::BiasAddGrad,
        DType::Float32,
        &[],
        &[view(&e, &[big, big, 0])],
    )
    .unwrap();
    assert_eq!(out.shape, vec![0]);
    let out = run(&Op::L2Loss, DType::Float32, &[], &[x]).unwrap();
    assert_eq!(out.data, Data::F32(vec![0.0]));
}
