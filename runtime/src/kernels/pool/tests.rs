//! Pooling and its gradients against direct loops, central differences, TF's numbers
//! for tiny cases, and TF's error messages.

use super::super::testutil::{
    assert_close, count, data, numeric_grad, run, run_f64, values_f32, view,
};
use super::*;
use staticflow_ir::{DType, Op};

const SAME: Padding = Padding::Same;
const VALID: Padding = Padding::Valid;

/// Output size and leading padding of one dim, from TF's documentation.
fn out_dim(input: usize, k: usize, s: usize, padding: Padding) -> (usize, usize) {
    match padding {
        Padding::Valid => ((input - k) / s + 1, 0),
        Padding::Same => {
            let out = input.div_ceil(s);
            let total = ((out - 1) * s + k).saturating_sub(input);
            (out, total / 2)
        }
    }
}

/// Max or mean of each window's in-bounds elements, one output element at a time.
fn direct(
    max: bool,
    x: &[f64],
    [n, h, w, c]: [usize; 4],
    k: [usize; 2],
    s: [usize; 2],
    padding: Padding,
) -> (Vec<f64>, Vec<usize>) {
    let (oh, pt) = out_dim(h, k[0], s[0], padding);
    let (ow, pl) = out_dim(w, k[1], s[1], padding);
    let mut y = vec![];
    for b in 0..n {
        for oy in 0..oh {
            for ox in 0..ow {
                for ch in 0..c {
                    let mut seen = vec![];
                    for ky in 0..k[0] {
                        for kx in 0..k[1] {
                            let iy = (oy * s[0] + ky) as isize - pt as isize;
                            let ix = (ox * s[1] + kx) as isize - pl as isize;
                            if (0..h as isize).contains(&iy) && (0..w as isize).contains(&ix) {
                                seen.push(x[((b * h + iy as usize) * w + ix as usize) * c + ch]);
                            }
                        }
                    }
                    y.push(if max {
                        seen.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                    } else {
                        seen.iter().sum::<f64>() / seen.len() as f64
                    });
                }
            }
        }
    }
    (y, vec![n, oh, ow, c])
}

fn max_pool(ksize: [usize; 2], strides: [usize; 2], padding: Padding) -> Op {
    Op::MaxPool {
        ksize,
        strides,
        padding,
    }
}

fn avg_pool(ksize: [usize; 2], strides: [usize; 2], padding: Padding) -> Op {
    Op::AvgPool {
        ksize,
        strides,
        padding,
    }
}

/// Odd sizes; 1×1, 2×2, 3×3, 5×5 and non-square windows; strides 1, 2 and mixed.
fn cases() -> Vec<([usize; 2], [usize; 2], Padding)> {
    let mut v = vec![];
    for k in [[1, 1], [2, 2], [3, 3], [5, 5], [2, 3]] {
        for s in [[1, 1], [2, 2], [1, 2], [3, 3]] {
            for p in [SAME, VALID] {
                v.push((k, s, p));
            }
        }
    }
    v
}

const XS: [usize; 4] = [2, 7, 5, 3];

#[test]
fn forward_matches_direct_loop() {
    let x = data(count(&XS), 21);
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    for (k, s, p) in cases() {
        for (max, op) in [(true, max_pool(k, s, p)), (false, avg_pool(k, s, p))] {
            let (want, shape) = direct(max, &x, XS, k, s, p);
            let (got, got_shape) = run_f64(&op, &[(&x, &XS)]);
            assert_eq!(got_shape, shape, "{op:?}");
            assert_close(&got, &want, 1e-14);
            let out = run(&op, DType::Float32, &[], &[view(&x32, &XS)]).unwrap();
            assert_close(&values_f32(&out), &want, 1e-6);
        }
    }
}

#[test]
fn gradients_match_finite_differences() {
    // Distinct values far apart (at least 0.01) so no max moves within the step.
    let n = count(&XS);
    let x: Vec<f64> = (0..n).map(|i| ((i * 37) % n) as f64 * 0.01 - 1.0).collect();
    for (k, s, p) in cases() {
        let ys = direct(true, &x, XS, k, s, p).1;
        let dy = data(count(&ys), 22);
        let mp = max_pool(k, s, p);
        let y = run_f64(&mp, &[(&x, &XS)]).0;
        let grad = Op::MaxPoolGrad {
            ksize: k,
            strides: s,
            padding: p,
        };
        let (dx, shape) = run_f64(&grad, &[(&x, &XS), (&y, &ys), (&dy, &ys)]);
        assert_eq!(shape, XS.to_vec());
        let want = numeric_grad(&x, &dy, |x| run_f64(&mp, &[(x, &XS)]).0);
        assert_close(&dx, &want, 1e-8);

        let ap = avg_pool(k, s, p);
        let grad = Op::AvgPoolGrad {
            ksize: k,
            strides: s,
            padding: p,
        };
        let (dx, _) = run_f64(&grad, &[(&x, &XS), (&dy, &ys)]);
        let want = numeric_grad(&x, &dy, |x| run_f64(&ap, &[(x, &XS)]).0);
        assert_close(&dx, &want, 1e-8);
    }
}

#[test]
fn tiny_cases_match_tf() {
    // tf.nn.max_pool of a 1x4x4x1 input 0..15, 2x2 windows, stride 2, SAME.
    let x: Vec<f64> = (0..16).map(f64::from).collect();
    let (y, shape) = run_f64(&max_pool([2, 2], [2, 2], SAME), &[(&x, &[1, 4, 4, 1])]);
    assert_eq!((y, shape), (vec![5.0, 7.0, 13.0, 15.0], vec![1, 2, 2, 1]));
    // tf.nn.avg_pool of 1..9, 2x2 windows, stride 1, SAME: edge windows average only
    // the elements inside the input.
    let x: Vec<f64> = (1..=9).map(f64::from).collect();
    let (y, _) = run_f64(&avg_pool([2, 2], [1, 1], SAME), &[(&x, &[1, 3, 3, 1])]);
    assert_eq!(y, [3.0, 4.0, 4.5, 6.0, 7.0, 7.5, 7.5, 8.5, 9.0]);
    let grad = Op::AvgPoolGrad {
        ksize: [2, 2],
        strides: [1, 1],
        padding: SAME,
    };
    let (dx, _) = run_f64(&grad, &[(&x, &[1, 3, 3, 1]), (&[1.0; 9], &[1, 3, 3, 1])]);
    assert_close(
        &dx,
        &[0.25, 0.5, 0.75, 0.5, 1.0, 1.5, 0.75, 1.5, 2.25],
        1e-15,
    );
    // Ties: the whole gradient goes to the first maximum of the window, as in TF.
    let grad = Op::MaxPoolGrad {
        ksize: [2, 2],
        strides: [2, 2],
        padding: VALID,
    };
    let ones = [1.0; 4];
    let (dx, _) = run_f64(
        &grad,
        &[
            (&ones, &[1, 2, 2, 1]),
            (&[1.0], &[1, 1, 1, 1]),
            (&[3.0], &[1, 1, 1, 1]),
        ],
    );
    assert_eq!(dx, [3.0, 0.0, 0.0, 0.0]);
    // Overlapping windows add up at a shared maximum.
    let x = [0.0, 1.0, 9.0, 1.0, 0.0];
    let grad = Op::MaxPoolGrad {
        ksize: [1, 3],
        strides: [1, 1],
        padding: SAME,
    };
    let ys = [1, 1, 5, 1];
    let y = run_f64(&max_pool([1, 3], [1, 1], SAME), &[(&x, &ys)]).0;
    assert_eq!(y, [1.0, 9.0, 9.0, 9.0, 1.0]);
    let (dx, _) = run_f64(
        &grad,
        &[(&x, &ys), (&y, &ys), (&[1.0, 2.0, 3.0, 4.0, 5.0], &ys)],
    );
    assert_eq!(dx, [0.0, 1.0, 9.0, 5.0, 0.0]);
}

#[test]
fn empty_tensors() {
    let e: [f32; 0] = [];
    let out = run(
        &max_pool([2, 2], [2, 2], SAME),
        DType::Float32,
        &[],
        &[view(&e, &[0, 4, 4, 3])],
    )
    .unwrap();
    assert_eq!(out.shape, vec![0, 2, 2, 3]);
    let out = run(
        &avg_pool([2, 2], [2, 2], VALID),
        DType::Float32,
        &[],
        &[view(&e, &[2, 4, 4, 0])],
    )
    .unwrap();
    assert_eq!(out.shape, vec![2, 2, 2, 0]);
}

#[test]
fn errors_use_tf_wording() {
    let v = [1.0f32; 64];
    let go = |op: &Op, shapes: &[&[usize]]| {
        let inputs: Vec<TensorView<'_>> = shapes.iter().map(|s| view(&v[..count(s)], s)).collect();
        run(op, DType::Float32, &[], &inputs)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        go(&max_pool([2, 2], [2, 2], SAME), &[&[4, 4, 1]]),
        "tensor_in must be 4-dimensional"
    );
    assert_eq!(
        go(&avg_pool([1, 0], [1, 1], SAME), &[&[1, 4, 4, 1]]),
        "Sliding window ksize for dimension 2 was zero."
    );
    assert_eq!(
        go(&avg_pool([4, 4], [1, 1], VALID), &[&[1, 2, 2, 1]]),
        "Computed output size would be negative: -1 [input_size: 2, effective_filter_size: 4, stride: 1]"
    );
    // One larger than the input is an empty output, not an error (TF's arithmetic).
    let out = run(
        &avg_pool([3, 3], [1, 1], VALID),
        DType::Float32,
        &[],
        &[view(&v[..4], &[1, 2, 2, 1])],
    );
    assert_eq!(out.unwrap().shape, vec![1, 0, 0, 1]);
    assert_eq!(
        go(&max_pool([2, 2], [0, 1], SAME), &[&[1, 2, 2, 1]]),
        "Stride must be > 0, but got 0"
    );
    let mg = Op::MaxPoolGrad {
        ksize: [2, 2],
        strides: [2, 2],
        padding: SAME,
    };
    assert_eq!(
        go(&mg, &[&[1, 4, 4, 1], &[1, 2, 2], &[1, 2, 2, 1]]),
        "tensor_out must be 4-dimensional"
    );
    assert_eq!(
        go(&mg, &[&[1, 4, 4, 1], &[1, 2, 2, 1], &[1, 2, 3, 1]]),
        "MaxPoolGrad expects input 2 of shape [1,2,2,1], got [1,2,3,1]"
    );
    let ag = Op::AvgPoolGrad {
        ksize: [2, 2],
        strides: [2, 2],
        padding: SAME,
    };
    assert_eq!(
        go(&ag, &[&[1, 4, 4, 1], &[1, 2, 2]]),
        "out_backprop must be 4-dimensional"
    );
    assert_eq!(
        go(&ag, &[&[1, 4, 4, 1]]),
        "AvgPoolGrad takes 2 input(s) but got 1"
    );
    let err = run(
        &max_pool([1, 1], [1, 1], VALID),
        DType::Float32,
        &[],
        &[view(&v[..0], &[usize::MAX / 2, 4, 4, 0])],
    );
    assert!(matches!(err, Err(KernelError::TooLarge { .. })), "{err:?}");
    let i = [1i32; 4];
    let err = run(
        &max_pool([1, 1], [1, 1], SAME),
        DType::Int32,
        &[],
        &[view(&i, &[1, 2, 2, 1])],
    );
    assert!(matches!(
        err,
        Err(KernelError::UnsupportedDtype { op: "MaxPool", .. })
    ));
    let d = [1.0f64; 1];
    let err = run(
        &mg,
        DType::Float32,
        &[],
        &[
            view(&v[..4], &[1, 2, 2, 1]),
            view(&d, &[1, 1, 1, 1]),
            view(&v[..1], &[1, 1, 1, 1]),
        ],
    );
    assert!(matches!(
        err,
        Err(KernelError::DtypeMismatch { index: 1, .. })
    ));
    let err = run(
        &ag,
        DType::Float32,
        &[],
        &[view(&v[..4], &[1, 2, 2, 1]), view(&d, &[1, 1, 1, 1])],
    );
    assert!(matches!(
        err,
        Err(KernelError::DtypeMismatch { index: 1, .. })
    ));
}
