//! Softmax cross entropy against TF's numbers and finite differences, and TF's error
//! messages.

use super::super::testutil::{assert_close, data, numeric_grad, run, run_f64, values_f32, view};
use super::*;
use staticflow_ir::{DType, Op};

/// TF 2.21's numbers (tests/fixtures/tf_reference.json, "losses"): the values, and
/// the gradients of `reduce_sum(value * w)` with respect to the logits.
const LOGITS: [f32; 6] = [1.0, 2.0, 0.5, -1.0, 0.0, 3.0];
const LABELS: [f32; 6] = [0.0, 1.0, 0.0, 0.2, 0.3, 0.5];
const SPARSE: [i64; 2] = [1, 2];
const W: [f32; 2] = [1.0, -2.0];
const TF_DENSE: [f64; 2] = [0.4643687903881073, 1.7658839225769043];
const TF_DENSE_GRAD: [f64; 6] = [
    0.23122389614582062,
    -0.37146830558776855,
    0.14024437963962555,
    0.36570435762405396,
    0.5067747831344604,
    -0.8724790811538696,
];
const TF_SPARSE: [f64; 2] = [0.4643687903881073, 0.06588391214609146];
const TF_SPARSE_GRAD: [f64; 6] = [
    0.23122389614582062,
    -0.37146830558776855,
    0.14024437963962555,
    -0.03429565206170082,
    -0.09322524070739746,
    0.12752091884613037,
];

#[test]
fn dense_matches_tf() {
    let s = [2, 3];
    let (x, z, w) = (view(&LOGITS, &s), view(&LABELS, &s), view(&W, &[2]));
    let loss = run(&Op::SoftmaxCrossEntropy, DType::Float32, &[], &[x, z]).unwrap();
    assert_eq!(loss.shape, vec![2]);
    assert_close(&values_f32(&loss), &TF_DENSE, 1e-6);
    let grad = run(
        &Op::SoftmaxCrossEntropyGrad,
        DType::Float32,
        &[],
        &[x, z, w],
    )
    .unwrap();
    assert_eq!(grad.shape, vec![2, 3]);
    assert_close(&values_f32(&grad), &TF_DENSE_GRAD, 1e-6);
}

#[test]
fn sparse_matches_tf_for_both_label_dtypes() {
    let s = [2, 3];
    let (x, w) = (view(&LOGITS, &s), view(&W, &[2]));
    let l32 = SPARSE.map(|v| v as i32);
    for labels in [view(&SPARSE, &[2]), view(&l32, &[2])] {
        let loss = run(
            &Op::SparseSoftmaxCrossEntropy,
            DType::Float32,
            &[],
            &[x, labels],
        )
        .unwrap();
        assert_close(&values_f32(&loss), &TF_SPARSE, 1e-6);
        let op = Op::SparseSoftmaxCrossEntropyGrad;
        let grad = run(&op, DType::Float32, &[], &[x, labels, w]).unwrap();
        assert_close(&values_f32(&grad), &TF_SPARSE_GRAD, 1e-6);
    }
}

#[test]
fn gradients_match_finite_differences() {
    for (n, c) in [(1, 1), (3, 5), (4, 17), (2, 9)] {
        let shape = [n, c];
        let x = data(n * c, 61);
        let dloss = data(n, 62);
        // Dense labels: rows of a softmax, so they sum to 1 like probabilities.
        let z = run_f64(&Op::Softmax, &[(&data(n * c, 63), &shape)]).0;
        let f = |x: &[f64]| run_f64(&Op::SoftmaxCrossEntropy, &[(x, &shape), (&z, &shape)]).0;
        let (got, s) = run_f64(
            &Op::SoftmaxCrossEntropyGrad,
            &[(&x, &shape), (&z, &shape), (&dloss, &[n])],
        );
        assert_eq!(s, shape.to_vec());
        assert_close(&got, &numeric_grad(&x, &dloss, f), 1e-6);
        let labels: Vec<i32> = (0..n).map(|i| ((i * 7 + 3) % c) as i32).collect();
        let ls = [n];
        let lv = view(&labels, &ls);
        let sparse = |x: &[f64]| {
            let out = run(
                &Op::SparseSoftmaxCrossEntropy,
                DType::Float64,
                &[],
                &[view(x, &shape), lv],
            );
            super::super::testutil::values::<f64>(&out.unwrap())
        };
        let out = run(
            &Op::SparseSoftmaxCrossEntropyGrad,
            DType::Float64,
            &[],
            &[view(&x, &shape), lv, view(&dloss, &[n])],
        )
        .unwrap();
        let got = super::super::testutil::values::<f64>(&out);
        assert_close(&got, &numeric_grad(&x, &dloss, sparse), 1e-6);
    }
}

#[test]
fn large_logits_stay_finite() {
    let x = [1000.0f32, -1000.0, 0.0];
    let z = [0.0f32, 1.0, 0.0];
    let loss = run(
        &Op::SoftmaxCrossEntropy,
        DType::Float32,
        &[],
        &[view(&x, &[1, 3]), view(&z, &[1, 3])],
    )
    .unwrap();
    assert_eq!(values_f32(&loss), vec![2000.0]);
}

#[test]
fn errors_use_tf_wording() {
    let a = [0.0f32; 12];
    let labels = [1i64, 5];
    let go = |op: Op, sx: &[usize], l: TensorView<'_>| {
        let n = sx.iter().product();
        run(&op, DType::Float32, &[], &[view(&a[..n], sx), l])
            .unwrap_err()
            .to_string()
    };
    let sparse = Op::SparseSoftmaxCrossEntropy;
    assert_eq!(
        go(sparse.clone(), &[2, 3], view(&labels, &[2])),
        "Received a label value of 5 which is outside the valid range of [0, 3)."
    );
    let neg = [-1i32, 0];
    assert_eq!(
        go(sparse.clone(), &[2, 3], view(&neg, &[2])),
        "Received a label value of -1 which is outside the valid range of [0, 3)."
    );
    assert_eq!(
        go(sparse.clone(), &[6], view(&labels, &[2])),
        "logits must be 2-D, but got shape [6]"
    );
    assert_eq!(
        go(sparse.clone(), &[2, 3], view(&labels, &[2, 1])),
        "labels must be 1-D, but got shape [2,1]"
    );
    assert_eq!(
        go(sparse.clone(), &[3, 2], view(&labels, &[2])),
        "logits and labels must have the same first dimension, got logits shape [3,2] and labels shape [2]"
    );
    assert_eq!(
        go(sparse.clone(), &[2, 0], view(&labels, &[2])),
        "Must have at least one class, but got logits shape [2,0]"
    );
    let fl = [0.0f32; 2];
    assert_eq!(
        go(sparse, &[2, 3], view(&fl, &[2])),
        "no SparseSoftmaxCrossEntropyWithLogits kernel for dtype float32"
    );
    let dense = Op::SoftmaxCrossEntropy;
    assert_eq!(
        go(dense.clone(), &[2, 3], view(&a[..8], &[2, 4])),
        "logits and labels must be broadcastable: logits_size=[2,3] labels_size=[2,4]"
    );
    assert_eq!(
        go(dense, &[6], view(&a[..6], &[6])),
        "logits and labels must be either 2-dimensional, or broadcasted to be 2-dimensional"
    );
    let err = run(
        &Op::SoftmaxCrossEntropyGrad,
        DType::Float32,
        &[],
        &[
            view(&a[..6], &[2, 3]),
            view(&a[..6], &[2, 3]),
            view(&a[..3], &[3]),
        ],
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "SoftmaxCrossEntropyWithLogitsGrad expects input 2 of shape [2], got [3]"
    );
}

#[test]
fn zero_classes_and_rows() {
    let e: [f32; 0] = [];
    let x = view(&e, &[3, 0]);
    let loss = run(&Op::SoftmaxCrossEntropy, DType::Float32, &[], &[x, x]).unwrap();
    assert_eq!((values_f32(&loss), loss.shape), (vec![0.0; 3], vec![3]));
    let d = [1.0f32; 3];
    let grad = run(
        &Op::SoftmaxCrossEntropyGrad,
        DType::Float32,
        &[],
        &[x, x, view(&d, &[3])],
    )
    .unwrap();
    assert_eq!(grad.shape, vec![3, 0]);
    let none: [i32; 0] = [];
    let loss = run(
        &Op::SparseSoftmaxCrossEntropy,
        DType::Float32,
        &[],
        &[view(&e, &[0, 4]), view(&none, &[0])],
    )
    .unwrap();
    assert_eq!(loss.shape, vec![0]);
}
