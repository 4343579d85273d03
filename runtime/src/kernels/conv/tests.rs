//! Conv2D and its gradients against a direct seven-deep loop, central differences,
//! TF's numbers for tiny cases, and TF's error messages.

use super::super::testutil::{
    assert_close, count, data, numeric_grad, run, run_f64, values, values_f32, view,
};
use super::*;
use staticflow_ir::Op;

const SAME: Padding = Padding::Same;
const VALID: Padding = Padding::Valid;

/// Output size and leading padding of one dim, written out from TF's documentation
/// rather than taken from `Padding::window`.
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

/// The convolution by its definition: one multiply-add per (output, window element).
fn direct(
    x: &[f64],
    [n, h, w, c]: [usize; 4],
    f: &[f64],
    [kh, kw, _, oc]: [usize; 4],
    [sh, sw]: [usize; 2],
    padding: Padding,
) -> (Vec<f64>, Vec<usize>) {
    let (oh, pt) = out_dim(h, kh, sh, padding);
    let (ow, pl) = out_dim(w, kw, sw, padding);
    let mut y = vec![0.0; n * oh * ow * oc];
    for b in 0..n {
        for oy in 0..oh {
            for ox in 0..ow {
                for o in 0..oc {
                    let mut acc = 0.0;
                    for ky in 0..kh {
                        for kx in 0..kw {
                            let iy = (oy * sh + ky) as isize - pt as isize;
                            let ix = (ox * sw + kx) as isize - pl as isize;
                            if iy < 0 || ix < 0 || iy >= h as isize || ix >= w as isize {
                                continue;
                            }
                            let (iy, ix) = (iy as usize, ix as usize);
                            for ci in 0..c {
                                acc += x[((b * h + iy) * w + ix) * c + ci]
                                    * f[((ky * kw + kx) * c + ci) * oc + o];
                            }
                        }
                    }
                    y[((b * oh + oy) * ow + ox) * oc + o] = acc;
                }
            }
        }
    }
    (y, vec![n, oh, ow, oc])
}

fn conv(strides: [usize; 2], padding: Padding) -> Op {
    Op::Conv2D { strides, padding }
}

/// The configurations of the brief: odd sizes, 1×1 / 3×3 / 5×5 (and a non-square and
/// a whole-image window), strides 1 and 2 (and mixed), SAME and VALID.
fn cases() -> Vec<([usize; 2], [usize; 2], Padding)> {
    let mut v = vec![];
    for k in [[1, 1], [3, 3], [5, 5], [3, 2], [7, 5]] {
        for s in [[1, 1], [2, 2], [1, 2]] {
            for p in [SAME, VALID] {
                v.push((k, s, p));
            }
        }
    }
    v
}

const XS: [usize; 4] = [2, 7, 5, 3];
const OC: usize = 4;

#[test]
fn forward_matches_direct_loop() {
    let x = data(count(&XS), 1);
    for (k, s, p) in cases() {
        let fs = [k[0], k[1], XS[3], OC];
        let f = data(count(&fs), 2);
        let (want, shape) = direct(&x, XS, &f, fs, s, p);
        let (got, got_shape) = run_f64(&conv(s, p), &[(&x, &XS), (&f, &fs)]);
        assert_eq!(got_shape, shape, "{k:?} {s:?} {p:?}");
        assert_close(&got, &want, 1e-12);
        // f32 through sgemm.
        let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let f32s: Vec<f32> = f.iter().map(|&v| v as f32).collect();
        let out = run(
            &conv(s, p),
            DType::Float32,
            &[],
            &[view(&x32, &XS), view(&f32s, &fs)],
        )
        .unwrap();
        assert_close(&values_f32(&out), &want, 1e-5);
    }
}

#[test]
fn large_patches_split_into_chunks() {
    // K = 5·5·40 = 1000: 338 (SAME) or 162 (VALID) positions take several chunks.
    let xs = [2, 13, 13, 40];
    let fs = [5, 5, 40, 3];
    let (x, f) = (data(count(&xs), 3), data(count(&fs), 4));
    for p in [SAME, VALID] {
        let plan = Conv::new("Conv2D", &xs, &fs, [1, 1], p).unwrap();
        assert!(plan.positions() > plan.chunk() && !plan.patches_are_input());
        let (want, ys) = direct(&x, xs, &f, fs, [1, 1], p);
        let (got, _) = run_f64(&conv([1, 1], p), &[(&x, &xs), (&f, &fs)]);
        assert_close(&got, &want, 1e-11);
        // The gradients, by linearity: Σ dx·x = Σ dW·f = Σ dy·conv(x, f).
        let dy = data(want.len(), 5);
        let inputs = [(&x[..], &xs[..]), (&f[..], &fs[..]), (&dy[..], &ys[..])];
        let strides = [1, 1];
        let (dx, _) = run_f64(
            &Op::Conv2DBackpropInput {
                strides,
                padding: p,
            },
            &inputs,
        );
        let (dw, _) = run_f64(
            &Op::Conv2DBackpropFilter {
                strides,
                padding: p,
            },
            &inputs,
        );
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(u, v)| u * v).sum::<f64>();
        let total = dot(&dy, &want);
        assert_close(&[dot(&dx, &x), dot(&dw, &f)], &[total, total], 1e-10);
    }
}

#[test]
fn backprops_match_finite_differences() {
    let x = data(count(&XS), 6);
    for (k, s, p) in cases() {
        let fs = [k[0], k[1], XS[3], OC];
        let f = data(count(&fs), 7);
        let ys = direct(&x, XS, &f, fs, s, p).1;
        let dy = data(count(&ys), 8);
        let bi = Op::Conv2DBackpropInput {
            strides: s,
            padding: p,
        };
        let (dx, shape) = run_f64(&bi, &[(&x, &XS), (&f, &fs), (&dy, &ys)]);
        assert_eq!(shape, XS.to_vec());
        let want = numeric_grad(&x, &dy, |x| run_f64(&conv(s, p), &[(x, &XS), (&f, &fs)]).0);
        assert_close(&dx, &want, 1e-6);
        let bf = Op::Conv2DBackpropFilter {
            strides: s,
            padding: p,
        };
        let (dw, shape) = run_f64(&bf, &[(&x, &XS), (&f, &fs), (&dy, &ys)]);
        assert_eq!(shape, fs.to_vec());
        let want = numeric_grad(&f, &dy, |f| run_f64(&conv(s, p), &[(&x, &XS), (f, &fs)]).0);
        assert_close(&dw, &want, 1e-6);
    }
}

#[test]
fn tiny_cases_match_tf() {
    // tf.nn.conv2d of a 1x3x3x1 input 1..9 with a 2x2 ones filter.
    let x: Vec<f64> = (1..=9).map(f64::from).collect();
    let ones = [1.0; 4];
    let (xs, fs) = ([1, 3, 3, 1], [2, 2, 1, 1]);
    let (y, shape) = run_f64(&conv([1, 1], VALID), &[(&x, &xs), (&ones, &fs)]);
    assert_eq!((y, shape), (vec![12.0, 16.0, 24.0, 28.0], vec![1, 2, 2, 1]));
    let (y, _) = run_f64(&conv([1, 1], SAME), &[(&x, &xs), (&ones, &fs)]);
    assert_eq!(y, [12.0, 16.0, 9.0, 24.0, 28.0, 15.0, 15.0, 17.0, 9.0]);
    let (y, shape) = run_f64(&conv([2, 2], SAME), &[(&x, &xs), (&ones, &fs)]);
    assert_eq!((y, shape), (vec![12.0, 9.0, 15.0, 9.0], vec![1, 2, 2, 1]));
    // Gradients of sum(conv(x, ones)) VALID: window counts, and window sums.
    let g = [1.0; 4];
    let bi = Op::Conv2DBackpropInput {
        strides: [1, 1],
        padding: VALID,
    };
    let (dx, _) = run_f64(&bi, &[(&x, &xs), (&ones, &fs), (&g, &[1, 2, 2, 1])]);
    assert_eq!(dx, [1.0, 2.0, 1.0, 2.0, 4.0, 2.0, 1.0, 2.0, 1.0]);
    let bf = Op::Conv2DBackpropFilter {
        strides: [1, 1],
        padding: VALID,
    };
    let (dw, _) = run_f64(&bf, &[(&x, &xs), (&ones, &fs), (&g, &[1, 2, 2, 1])]);
    assert_eq!(dw, [12.0, 16.0, 24.0, 28.0]);
}

#[test]
fn empty_tensors_give_zeros_of_the_right_shape() {
    let e: [f32; 0] = [];
    let f = [1.0f32; 9 * 2];
    let go = |op: &Op, inputs: &[TensorView<'_>]| run(op, DType::Float32, &[], inputs).unwrap();
    let out = go(
        &conv([1, 1], SAME),
        &[view(&e, &[0, 3, 3, 1]), view(&f, &[3, 3, 1, 2])],
    );
    assert_eq!(out.shape, vec![0, 3, 3, 2]);
    // No input channels: the sum over nothing.
    let out = go(
        &conv([1, 1], SAME),
        &[view(&e, &[1, 3, 3, 0]), view(&e, &[3, 3, 0, 2])],
    );
    assert_eq!(
        (out.shape.clone(), values::<f32>(&out)),
        (vec![1, 3, 3, 2], vec![0.0; 18])
    );
    let x = [1.0f32; 9];
    let out = go(
        &conv([1, 1], SAME),
        &[view(&x, &[1, 3, 3, 1]), view(&e, &[3, 3, 1, 0])],
    );
    assert_eq!(out.shape, vec![1, 3, 3, 0]);
    let bf = Op::Conv2DBackpropFilter {
        strides: [1, 1],
        padding: SAME,
    };
    let out = go(
        &bf,
        &[
            view(&e, &[0, 3, 3, 1]),
            view(&f, &[3, 3, 1, 2]),
            view(&e, &[0, 3, 3, 2]),
        ],
    );
    assert_eq!(
        (out.shape.clone(), values::<f32>(&out)),
        (vec![3, 3, 1, 2], vec![0.0; 18])
    );
}

#[test]
fn steady_state_reuses_the_output_buffer() {
    let xs = [2, 9, 9, 3];
    let fs = [3, 3, 3, 5];
    let x: Vec<f32> = data(count(&xs), 9).iter().map(|&v| v as f32).collect();
    let f: Vec<f32> = data(count(&fs), 10).iter().map(|&v| v as f32).collect();
    let mut out = Buffer::empty(DType::Float32);
    let op = conv([2, 2], SAME);
    let inputs = [view(&x, &xs), view(&f, &fs)];
    crate::kernels::compute(&op, DType::Float32, &[], &inputs, &mut out, None).unwrap();
    let first = values::<f32>(&out);
    let ptr = match &out.data {
        crate::tensor::Data::F32(v) => v.as_ptr(),
        _ => unreachable!(),
    };
    crate::kernels::compute(&op, DType::Float32, &[], &inputs, &mut out, None).unwrap();
    assert!(matches!(&out.data, crate::tensor::Data::F32(v) if v.as_ptr() == ptr));
    assert_eq!(values::<f32>(&out), first);
}

#[test]
fn errors_use_tf_wording() {
    let v = [1.0f32; 256];
    let go = |op: &Op, shapes: &[&[usize]]| {
        let inputs: Vec<TensorView<'_>> = shapes.iter().map(|s| view(&v[..count(s)], s)).collect();
        run(op, DType::Float32, &[], &inputs)
            .unwrap_err()
            .to_string()
    };
    let c = conv([1, 1], VALID);
    assert_eq!(
        go(&c, &[&[1, 3, 3], &[2, 2, 1, 1]]),
        "input must be 4-dimensional[1,3,3]"
    );
    assert_eq!(
        go(&c, &[&[1, 3, 3, 1], &[2, 2, 1]]),
        "filter must be 4-dimensional: [2,2,1]"
    );
    assert_eq!(
        go(&c, &[&[1, 3, 3, 3], &[1, 1, 4, 1]]),
        "input depth must be evenly divisible by filter depth: 3 vs 4"
    );
    assert!(go(&c, &[&[1, 3, 3, 4], &[1, 1, 2, 1]])
        .starts_with("The Conv2D op currently does not support grouped convolutions on the CPU."));
    assert_eq!(
        go(&c, &[&[1, 2, 2, 1], &[4, 4, 1, 1]]),
        "Computed output size would be negative: -1 [input_size: 2, effective_filter_size: 4, stride: 1]"
    );
    assert_eq!(
        go(&conv([0, 1], SAME), &[&[1, 2, 2, 1], &[1, 1, 1, 1]]),
        "Stride must be > 0, but got 0"
    );
    assert_eq!(
        go(&c, &[&[1, 2, 2, 1]]),
        "Conv2D takes 2 input(s) but got 1"
    );

    let bi = Op::Conv2DBackpropInput {
        strides: [2, 2],
        padding: SAME,
    };
    let (xs, fs): (&[usize], &[usize]) = (&[2, 7, 5, 1], &[3, 3, 1, 2]);
    assert_eq!(
        go(&bi, &[xs, fs, &[2, 3, 3, 2]]),
        "Conv2DBackpropInput: Size of out_backprop doesn't match computed: actual = 3, computed = 4 spatial_dim: 1 input: 7 filter: 3 output: 3 stride: 2 dilation: 1"
    );
    assert_eq!(
        go(&bi, &[xs, fs, &[1, 4, 3, 2]]),
        "Conv2DBackpropInput: input and out_backprop must have the same batch size. Input batch: 2, outbackprop batch: 1, batch_dim: 0"
    );
    assert_eq!(
        go(&bi, &[xs, fs, &[2, 4, 3, 1]]),
        "Conv2DBackpropInput: filter and out_backprop must have the same out_depth"
    );
    assert_eq!(
        go(&bi, &[xs, fs, &[2, 4, 3]]),
        "Conv2DBackpropInput: out_backprop must be 4-dimensional"
    );
    let bf = Op::Conv2DBackpropFilter {
        strides: [2, 2],
        padding: SAME,
    };
    assert_eq!(
        go(&bf, &[&[2, 7, 5, 3], &[1, 1, 2, 1], &[2, 4, 3, 1]]),
        "Conv2DBackpropFilter: input depth must be evenly divisible by filter depth"
    );

    // Dims whose positions overflow (possible only with no channels): an error, no panic.
    let huge: &[usize] = &[usize::MAX / 2, 4, 4, 0];
    let err = run(
        &c,
        DType::Float32,
        &[],
        &[view(&v[..0], huge), view(&v[..0], &[1, 1, 0, 1])],
    );
    assert!(matches!(err, Err(KernelError::TooLarge { .. })), "{err:?}");

    // Dtypes: float only, one dtype for all inputs.
    let i = [1i32; 4];
    let err = run(
        &c,
        DType::Int32,
        &[],
        &[view(&i, &[1, 2, 2, 1]), view(&i[..1], &[1, 1, 1, 1])],
    );
    assert!(matches!(err, Err(KernelError::UnsupportedDtype { .. })));
    let d = [1.0f64; 4];
    let err = run(
        &c,
        DType::Float32,
        &[],
        &[view(&v[..4], &[1, 2, 2, 1]), view(&d[..1], &[1, 1, 1, 1])],
    );
    assert!(matches!(
        err,
        Err(KernelError::DtypeMismatch { index: 1, .. })
    ));
    let err = run(
        &bf,
        DType::Float32,
        &[],
        &[
            view(&v[..4], &[1, 2, 2, 1]),
            view(&d[..1], &[1, 1, 1, 1]),
            view(&v[..1], &[1, 1, 1, 1]),
        ],
    );
    assert!(matches!(
        err,
        Err(KernelError::DtypeMismatch { index: 1, .. })
    ));
}

/// Timings of the two convolutions of TF's MNIST tutorial, f32, one thread: run with
/// `cargo test --release -p staticflow-runtime conv_timings -- --ignored --nocapture`.
#[test]
#[ignore = "timing report, run on demand in release"]
fn conv_timings() {
    for (xs, fs) in [
        ([64, 28, 28, 1], [5, 5, 1, 32]),
        ([64, 14, 14, 32], [5, 5, 32, 64]),
    ] {
        let x: Vec<f32> = data(count(&xs), 11).iter().map(|&v| v as f32).collect();
        let f: Vec<f32> = data(count(&fs), 12).iter().map(|&v| v as f32).collect();
        let ys = [xs[0], xs[1], xs[2], fs[3]];
        let dy: Vec<f32> = data(count(&ys), 13).iter().map(|&v| v as f32).collect();
        let (strides, padding) = ([1, 1], SAME);
        let ops = [
            (
                "forward",
                conv(strides, padding),
                vec![view(&x, &xs), view(&f, &fs)],
            ),
            (
                "backprop input",
                Op::Conv2DBackpropInput { strides, padding },
                vec![view(&x, &xs), view(&f, &fs), view(&dy, &ys)],
            ),
            (
                "backprop filter",
                Op::Conv2DBackpropFilter { strides, padding },
                vec![view(&x, &xs), view(&f, &fs), view(&dy, &ys)],
            ),
        ];
        let flops = 2.0 * count(&ys) as f64 * (fs[0] * fs[1] * fs[2]) as f64;
        for (what, op, inputs) in &ops {
            let mut out = Buffer::empty(DType::Float32);
            let mut best = f64::INFINITY;
            for _ in 0..6 {
                let t = std::time::Instant::now();
                crate::kernels::compute(op, DType::Float32, &[], inputs, &mut out, None).unwrap();
                best = best.min(t.elapsed().as_secs_f64());
            }
            println!(
                "{xs:?} -> {}x{}x{}: {what:>15}: {:7.2} ms ({:5.1} GFLOP/s)",
                fs[0],
                fs[1],
                fs[3],
                best * 1e3,
                flops / best / 1e9
            );
        }
    }
}
