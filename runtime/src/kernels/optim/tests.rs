//! The optimizers against TF 2.21 (tests/fixtures/tf_reference.json, "optimizers"):
//! ten steps of each on TF's 4x3 linear regression, `loss = reduce_mean(square(X·θ −
//! y))`, with the gradient computed in f32 the way TF's gradient graph computes it.
//!
//! Tolerance: each value within 4 float32 ulps of TF's, relative (an ulp at that
//! value's own magnitude). Today every value is bit-identical (0 ulps); the slack
//! allows for a libm `sqrt`/`exp` or summation-order change, not for a formula change,
//! which moves values by far more after ten steps.

use super::*;
use crate::tensor::Data;

const X: [[f32; 3]; 4] = [
    [1.0, 2.0, 0.5],
    [0.3, -1.0, 2.0],
    [-0.7, 0.4, 1.5],
    [2.0, 0.1, -0.3],
];
const Y: [f32; 4] = [1.0, -2.0, 0.5, 3.0];
const THETA0: [f32; 3] = [0.5, -0.3, 0.8];

/// TF's gradient of the MSE: `Xᵀ · (0.25 · (2 · (X·θ − y)))` in f32 (MeanGrad's
/// division by 4, SquareGrad's `grad * (x * 2)`, MatMul's `Xᵀ · grad`).
fn mse_grad(theta: &[f32]) -> Vec<f32> {
    let mut d = [0.0f32; 4];
    for (di, (row, y)) in d.iter_mut().zip(X.iter().zip(Y)) {
        let pred = row
            .iter()
            .zip(theta)
            .fold(0.0f32, |acc, (a, b)| acc + a * b);
        *di = 0.25 * ((pred - y) * 2.0);
    }
    (0..3)
        .map(|j| {
            X.iter()
                .zip(d)
                .fold(0.0f32, |acc, (row, di)| acc + row[j] * di)
        })
        .collect()
}

/// One optimizer's expected trajectory.
struct Case {
    kind: ApplyKind,
    /// Initial value of each slot (all elements equal).
    slots: &'static [f32],
    /// θ after steps 1, 2 and 10.
    theta: [[f64; 3]; 3],
    /// The slots after 10 steps.
    slots_10: &'static [[f64; 3]],
}

/// Runs ten steps; `scalars(step)` gives the hyperparameters in input order. Returns θ
/// after every step and the slots at the end.
fn trajectory(case: &Case, scalars: impl Fn(usize) -> Vec<f32>) -> (Vec<Vec<f32>>, Vec<Vec<f32>>) {
    let kind = case.kind;
    let mut bufs: Vec<Buffer> = std::iter::once(THETA0.to_vec())
        .chain(case.slots.iter().map(|&s| vec![s; 3]))
        .map(|v| Buffer {
            data: Data::F32(v),
            shape: vec![3, 1],
        })
        .collect();
    let shape = [3usize, 1];
    let mut thetas = vec![];
    for step in 0..10 {
        let snapshot = bufs.clone();
        let theta = match &snapshot[0].data {
            Data::F32(v) => v.clone(),
            _ => unreachable!("theta is f32"),
        };
        let grad = mse_grad(&theta);
        let hyper = scalars(step);
        let mut hyper = hyper.iter();
        let inputs: Vec<TensorView<'_>> = (0..kind.num_inputs())
            .map(|i| {
                if i < kind.num_refs() {
                    snapshot[i].view()
                } else if i == kind.grad_index() {
                    view(&grad, &shape)
                } else {
                    view(std::slice::from_ref(hyper.next().expect("a scalar")), &[])
                }
            })
            .collect();
        let mut refs: Vec<&mut Buffer> = bufs.iter_mut().collect();
        apply(kind, &mut refs, &inputs).unwrap();
        thetas.push(f32s(&bufs[0]));
    }
    let slots = bufs[1..].iter().map(f32s).collect();
    (thetas, slots)
}

fn view<'a>(d: &'a [f32], shape: &'a [usize]) -> TensorView<'a> {
    super::super::testutil::view(d, shape)
}

fn f32s(b: &Buffer) -> Vec<f32> {
    super::super::testutil::values::<f32>(b)
}

/// The largest distance from TF in ulps, each element at its own magnitude.
fn ulps(got: &[f32], want: &[f64]) -> f64 {
    got.iter()
        .zip(want)
        .map(|(&g, &w)| {
            let w32 = (w as f32).abs();
            let ulp = f64::from(f32::from_bits(w32.to_bits() + 1) - w32);
            (f64::from(g) - w).abs() / ulp
        })
        .fold(0.0, f64::max)
}

/// Checks a trajectory against TF, returning the worst distance in ulps.
fn check(case: &Case, scalars: impl Fn(usize) -> Vec<f32>) -> f64 {
    let (thetas, slots) = trajectory(case, scalars);
    let mut worst = 0.0f64;
    for (step, want) in [0, 1, 9].iter().zip(&case.theta) {
        worst = worst.max(ulps(&thetas[*step], want));
    }
    for (got, want) in slots.iter().zip(case.slots_10) {
        worst = worst.max(ulps(got, want));
    }
    println!("{:?}: worst {worst} ulps", case.kind);
    worst
}

#[test]
fn trajectories_match_tf() {
    let lr = 0.1f32;
    let gd = Case {
        kind: ApplyKind::GradientDescent,
        slots: &[],
        theta: [
            [0.7092999815940857, -0.0207500159740448, 0.3612000048160553],
            [0.8255190253257751, 0.1599263697862625, 0.07874420285224915],
            [0.910673975944519, 0.5182048082351685, -0.4253705143928528],
        ],
        slots_10: &[],
    };
    let momentum = Case {
        kind: ApplyKind::Momentum { nesterov: false },
        slots: &[0.0],
        theta: [
            [0.7092999815940857, -0.0207500159740448, 0.3612000048160553],
            [
                1.0138890743255615,
                0.41125133633613586,
                -0.31617578864097595,
            ],
            [0.47720885276794434, 0.2685377597808838, 0.2593431770801544],
        ],
        slots_10: &[[
            -1.4545081853866577,
            0.13188409805297852,
            -0.41595888137817383,
        ]],
    };
    let nesterov = Case {
        kind: ApplyKind::Momentum { nesterov: true },
        slots: &[0.0],
        theta: [
            [
                0.8976699709892273,
                0.23057496547698975,
                -0.03371995687484741,
            ],
            [1.1288506984710693, 0.6314916610717773, -0.6584653258323669],
            [0.8695120215415955, 0.5439670085906982, -0.36555472016334534],
        ],
        slots_10: &[[-0.4621327519416809, 0.15313720703125, -0.008755534887313843]],
    };
    let adam = Case {
        kind: ApplyKind::Adam,
        slots: &[0.0, 0.0],
        theta: [
            [0.6000000238418579, -0.20000001788139343, 0.7000000476837158],
            [0.6989542245864868, -0.10059769451618195, 0.6003365516662598],
            [1.2345465421676636, 0.5773906111717224, -0.1424265205860138],
        ],
        slots_10: &[
            [-0.14766374230384827, -0.6470081806182861, 1.585590124130249],
            [
                0.011374597437679768,
                0.024486299604177475,
                0.08502590656280518,
            ],
        ],
    };
    let rmsprop = Case {
        kind: ApplyKind::RMSProp,
        slots: &[1.0, 0.0],
        theta: [
            [0.6809383630752563, -0.08454149961471558, 0.5389508008956909],
            [0.794987678527832, 0.06197361648082733, 0.3610368072986603],
            [0.9426791667938232, 0.4901563227176666, -0.2706920802593231],
        ],
        slots_10: &[
            [0.6527308225631714, 1.1262027025222778, 2.9516329765319824],
            [
                0.009235442616045475,
                -0.020246757194399834,
                0.041069455444812775,
            ],
        ],
    };
    let rmsprop_momentum = Case {
        kind: ApplyKind::RMSProp,
        slots: &[1.0, 0.0],
        theta: [
            [0.6809383630752563, -0.08454149961471558, 0.5389508008956909],
            [0.885456919670105, 0.16970288753509521, 0.23051220178604126],
            [0.8394644856452942, 0.5534254908561707, -0.4730415642261505],
        ],
        slots_10: &[
            [0.6558876633644104, 0.908682107925415, 1.979515552520752],
            [
                0.004484147764742374,
                0.00463856291025877,
                -0.013777412474155426,
            ],
        ],
    };
    let adagrad = Case {
        kind: ApplyKind::Adagrad,
        slots: &[0.1],
        theta: [
            [0.5988777875900269, -0.20063510537147522, 0.7002586722373962],
            [0.6617010831832886, -0.13516554236412048, 0.6328870058059692],
            [0.883364200592041, 0.12739312648773193, 0.3450705111026764],
        ],
        slots_10: &[[15.666863441467285, 38.12202835083008, 118.9438247680664]],
    };
    let mut worst = vec![];
    worst.push(check(&gd, |_| vec![lr]));
    worst.push(check(&momentum, |_| vec![lr, 0.9]));
    worst.push(check(&nesterov, |_| vec![lr, 0.9]));
    // TF's Adam: beta powers start at beta1, beta2 and are multiplied by them after
    // each step (separate assign ops in TF's graph).
    let (beta1, beta2) = (0.9f32, 0.999f32);
    let powers =
        |step: usize| (0..step).fold((beta1, beta2), |(p1, p2), _| (p1 * beta1, p2 * beta2));
    worst.push(check(&adam, |step| {
        let (p1, p2) = powers(step);
        vec![p1, p2, lr, beta1, beta2, 1e-8]
    }));
    let (p1, p2) = powers(10);
    assert_eq!(
        (f64::from(p1), f64::from(p2)),
        (0.3138104975223541, 0.9890549778938293)
    );
    worst.push(check(&rmsprop, |_| vec![lr, 0.9, 0.0, 1e-10]));
    worst.push(check(&rmsprop_momentum, |_| vec![lr, 0.9, 0.5, 1e-10]));
    worst.push(check(&adagrad, |_| vec![lr]));
    println!("{worst:?}");
    assert!(worst.iter().all(|&w| w <= 4.0), "{worst:?}");
}

/// A `[3, 1]` f32 buffer of `v`.
fn var(v: f32) -> Buffer {
    Buffer {
        data: Data::F32(vec![v; 3]),
        shape: vec![3, 1],
    }
}

#[test]
fn f64_variables_update_in_place() {
    let mut theta = Buffer {
        data: Data::F64(vec![1.0, 2.0]),
        shape: vec![2],
    };
    let mut accum = Buffer {
        data: Data::F64(vec![0.5, 0.5]),
        shape: vec![2],
    };
    let ptr = match &theta.data {
        Data::F64(v) => v.as_ptr(),
        _ => std::ptr::null(),
    };
    let (lr, momentum, grad) = ([0.5f64], [0.25f64], [2.0f64, -4.0]);
    let snapshot = (theta.clone(), accum.clone());
    let v = super::super::testutil::view;
    let inputs = [
        snapshot.0.view(),
        snapshot.1.view(),
        v(&lr, &[]),
        v(&grad, &[2]),
        v(&momentum, &[]),
    ];
    let kind = ApplyKind::Momentum { nesterov: false };
    apply(kind, &mut [&mut theta, &mut accum], &inputs).unwrap();
    // accum = 0.5·0.25 + g; var -= accum·0.5.
    assert_eq!(accum.data, Data::F64(vec![2.125, -3.875]));
    assert_eq!(theta.data, Data::F64(vec![1.0 - 1.0625, 2.0 + 1.9375]));
    assert!(matches!(&theta.data, Data::F64(v) if v.as_ptr() == ptr));
    // The same step again, given only the inputs after the refs.
    apply(kind, &mut [&mut theta, &mut accum], &inputs[2..]).unwrap();
    assert_eq!(accum.data, Data::F64(vec![2.53125, -4.96875]));
    assert_eq!(
        theta.data,
        Data::F64(vec![-0.0625 - 1.265625, 3.9375 + 2.484375])
    );
}

#[test]
fn errors_use_tf_wording() {
    let (lr, grad, short) = ([0.1f32], [1.0f32; 3], [1.0f32; 2]);
    let s31 = [3usize, 1];
    let s21 = [2usize, 1];
    let g = view(&grad, &s31);
    let lr = view(&lr, &[]);
    let err = |kind: ApplyKind, bufs: &mut [Buffer], inputs: &[TensorView<'_>]| {
        let mut refs: Vec<&mut Buffer> = bufs.iter_mut().collect();
        apply(kind, &mut refs, inputs).unwrap_err().to_string()
    };
    let momentum = ApplyKind::Momentum { nesterov: true };
    let (a, b) = (var(1.0), var(0.0));
    let mut bufs = [var(1.0), var(0.0)];
    assert_eq!(
        err(
            momentum,
            &mut bufs,
            &[a.view(), b.view(), lr, view(&short, &s21), lr]
        ),
        "var and grad do not have the same shape[3,1] [2,1]"
    );
    assert_eq!(
        err(
            ApplyKind::GradientDescent,
            &mut [var(1.0)],
            &[a.view(), lr, view(&short, &s21)]
        ),
        "var and delta do not have the same shape[3,1] [2,1]"
    );
    assert_eq!(
        err(
            momentum,
            &mut bufs,
            &[a.view(), b.view(), view(&grad[..1], &[1]), g, lr]
        ),
        "lr is not a scalar: [1]"
    );
    let mut uninit = [var(1.0), Buffer::empty(staticflow_ir::DType::Float32)];
    assert_eq!(
        err(momentum, &mut uninit, &[a.view(), b.view(), lr, g, lr]),
        "Attempting to use uninitialized variables: accum"
    );
    let mut bad_slot = [
        var(1.0),
        Buffer {
            data: Data::F32(vec![0.0; 2]),
            shape: vec![2, 1],
        },
        var(0.0),
    ];
    let adam_inputs = [a.view(), b.view(), b.view(), lr, lr, lr, lr, lr, lr, g];
    assert_eq!(
        err(ApplyKind::Adam, &mut bad_slot, &adam_inputs),
        "var and m do not have the same shape[3,1] [2,1]"
    );
    assert_eq!(
        err(ApplyKind::Adam, &mut bad_slot[..2], &adam_inputs),
        "ApplyAdam updates 3 variable(s) but got 2"
    );
    assert_eq!(
        err(ApplyKind::Adam, &mut bad_slot, &adam_inputs[..9]),
        "ApplyAdam takes 10 input(s) but got 9"
    );
    assert_eq!(
        err(ApplyKind::Adam, &mut bufs, &adam_inputs[3..]),
        "ApplyAdam updates 3 variable(s) but got 2"
    );
    assert_eq!(
        err(momentum, &mut bufs, &[lr, lr, lr]),
        "var and grad do not have the same shape[3,1] []"
    );
    let wide = [0.1f64];
    assert_eq!(
        err(
            ApplyKind::Adagrad,
            &mut bufs,
            &[a.view(), b.view(), view64(&wide), g]
        ),
        "ApplyAdagrad expects input 2 of dtype float32, got float64"
    );
    let mut ints = [Buffer {
        data: Data::I32(vec![1; 3]),
        shape: vec![3, 1],
    }];
    let (one, three) = ([1i32], [1i32; 3]);
    let iv = super::super::testutil::view;
    assert_eq!(
        err(
            ApplyKind::GradientDescent,
            &mut ints,
            &[iv(&three, &s31), iv(&one, &[]), iv(&three, &s31)]
        ),
        "no ApplyGradientDescent kernel for dtype int32"
    );
}

fn view64<'a>(d: &'a [f64]) -> TensorView<'a> {
    super::super::testutil::view(d, &[])
}
