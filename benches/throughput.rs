//! Throughput of staticflow against a hand-written baseline (plain `matrixmultiply`
//! calls and loops, no framework), in one table.
//!
//! `cargo bench --bench throughput [-- --quick] [-- --json PATH] [-- CASE...]`
//!
//! Each row is the median of N repetitions after warm-up (N adapted so a case takes
//! about 1.5 s; `--quick`: about 50 ms and N >= 3) of the same work done by staticflow
//! and by the baseline, their ratio, GFLOPS against this machine's FMA peak measured in
//! the same run, and heap allocations per steady-state call of each (a counting global
//! allocator). Positional arguments keep only the cases whose names contain one of
//! them. Run without cargo's `--bench` flag (`cargo test --benches`), it does a
//! `--quick` smoke run.
//!
//! The sgemm and MLP cases run twice: with one intra-op thread (`SessionOptions`; the
//! baseline's sgemm on the calling thread) and with one per core (the baseline splitting
//! its large products by rows over as many threads). The FMA peaks (`fma_peak`: the
//! widest FMA of the CPU, the reference of `% peak`; `fma_peak_avx2` where that is
//! AVX-512) are measured on one core and on all cores; the other cases use one thread.

#[path = "common/alloc.rs"]
mod alloc;
#[path = "common/baseline.rs"]
mod baseline;
#[path = "common/cnn.rs"]
mod cnn;
#[path = "common/fma.rs"]
mod fma;
#[path = "common/report.rs"]
mod report;
#[path = "common/timing.rs"]
mod timing;

use baseline::{gemm, Op, Params, Update};
use report::Row;
use staticflow::ndarray::{arr0, Array1, Array2, Array4, Ix0, Ix1, Ix2};
use staticflow::prelude::*;
use staticflow::{AsGraph, TensorValue};
use std::cell::RefCell;
use std::hint::black_box;
use timing::{median_of, medians, medians_with_reset, Budget};

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

// ---------------------------------------------------------------------------------
// Options and shared state

struct Options {
    quick: bool,
    json: Option<std::path::PathBuf>,
    filters: Vec<String>,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        quick: false,
        json: None,
        filters: Vec::new(),
    };
    let mut from_cargo_bench = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bench" => from_cargo_bench = true,
            "--quick" => options.quick = true,
            "--json" => options.json = Some(args.next().ok_or("--json needs a path")?.into()),
            flag if flag.starts_with("--") => {
                return Err(format!(
                    "unknown flag {flag}; usage: throughput [--quick] [--json PATH] [CASE...]"
                ))
            }
            case => options.filters.push(case.to_string()),
        }
    }
    if !from_cargo_bench && !options.quick {
        println!("(not run by `cargo bench`: smoke run, as with --quick)");
        options.quick = true;
    }
    Ok(options)
}

/// What every case needs: the time budget, the filters, and the rows so far.
struct Ctx {
    budget: Budget,
    quick: bool,
    filters: Vec<String>,
    rows: Vec<Row>,
    /// Intra-op threads of the sessions (and the baseline's gemm) of the cases now run.
    threads: usize,
}

impl Ctx {
    /// A session over `g` with this pass's intra-op threads.
    fn session(&self, g: &impl AsGraph) -> Session {
        let options = SessionOptions::new().intra_op_parallelism_threads(self.threads);
        Session::with_options(g, options).expect("intra-op threads start")
    }

    /// Runs the following cases with `threads` threads on both sides.
    fn set_threads(&mut self, threads: usize) {
        self.threads = threads;
        baseline::set_threads(threads);
    }

    fn wants(&self, case: &str) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| case.contains(f.as_str()))
    }

    /// Calls over which allocations are averaged.
    fn alloc_calls(&self, slow: bool) -> usize {
        if self.quick || slow {
            3
        } else {
            50
        }
    }
}

/// Deterministic pseudo-random floats in `[lo, hi)` (a 64-bit LCG).
fn uniform(len: usize, seed: u64, lo: f32, hi: f32) -> Vec<f32> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let unit = (state >> 40) as f32 / (1u64 << 24) as f32;
            lo + (hi - lo) * unit
        })
        .collect()
}

/// Decimal digits to which `a` and `b` agree (relative), capped at float32's ~7.2.
fn digits(a: f64, b: f64) -> f64 {
    let rel = (a - b).abs() / b.abs().max(f64::MIN_POSITIVE);
    if rel == 0.0 {
        7.2
    } else {
        (-rel.log10()).min(7.2)
    }
}

/// Largest `|a - b| / max(|b|, 1)` over two equally long slices.
fn max_rel_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / y.abs().max(1.0))
        .fold(0.0, f32::max)
}

/// `|(a - from) - (b - from)| / |b - from|` in the 2-norm: how much two updates of
/// the same weights `from` differ, relative to the second.
fn rel_norm_diff(a: &[f32], b: &[f32], from: &[f32]) -> f64 {
    let (mut diff, mut norm) = (0.0f64, 0.0f64);
    for ((a, b), f) in a.iter().zip(b).zip(from) {
        let (da, db) = (f64::from(a - f), f64::from(b - f));
        diff += (da - db).powi(2);
        norm += db.powi(2);
    }
    (diff / norm.max(f64::MIN_POSITIVE)).sqrt()
}

fn slice<D: staticflow::ndarray::Dimension>(a: &staticflow::ndarray::Array<f32, D>) -> &[f32] {
    a.as_slice().expect("standard layout")
}

// ---------------------------------------------------------------------------------
// FMA peak

/// Measures `isa`'s FMA peak on one core and on all cores as rows named `case`;
/// returns the two GFLOPS.
fn fma_rows(ctx: &mut Ctx, case: &str, isa: fma::Isa) -> (f64, f64) {
    let iters = if ctx.quick { 1 << 18 } else { 1 << 22 };
    let cores = report::cores();
    let mut peaks = Vec::new();
    for threads in [1, cores].into_iter().take(if cores > 1 { 2 } else { 1 }) {
        let s = median_of(&ctx.budget, || {
            let iters = black_box(iters);
            black_box(match threads {
                1 => fma::fma_loop(isa, iters),
                _ => fma::fma_loop_threads(isa, iters, threads),
            });
        });
        let row = Row {
            threads,
            baseline_s: Some(s),
            flops: Some(fma::flops(isa, iters) * threads as f64),
            ..Row::new(case)
        };
        peaks.push(row.gflops().expect("flops and time"));
        ctx.rows.push(row);
    }
    let (one, all) = (peaks[0], peaks[peaks.len() - 1]);
    println!(
        "{case} ({}): {:.1} GFLOPS on 1 core (= {:.2} GHz x {} flops/cycle), {:.1} GFLOPS on {cores} cores",
        isa.name(),
        one,
        one / isa.nominal_flops_per_cycle() as f64,
        isa.nominal_flops_per_cycle(),
        all,
    );
    (one, all)
}

/// The FMA peak of the widest FMA this CPU has (the `fma_peak` rows, the reference of
/// `% peak`) and, where that is AVX-512, the AVX2+FMA peak too (`fma_peak_avx2`).
fn fma_section(ctx: &mut Ctx) -> (f64, f64) {
    let widest = fma::Isa::widest();
    let peaks = fma_rows(ctx, "fma_peak", widest);
    let avx2 = fma::Isa::avx2_or_portable();
    if avx2 != widest {
        fma_rows(ctx, "fma_peak_avx2", avx2);
    }
    peaks
}

// ---------------------------------------------------------------------------------
// sgemm through the runtime's matmul

/// One graph type per shape (shapes are fixed when the crate compiles) and the
/// function that runs every case.
macro_rules! sgemm_cases {
    ($($module:ident: $case:literal [$m:tt, $k:tt, $n:tt]),* $(,)?) => {
        $(
            mod $module {
                use staticflow::prelude::*;

                graph! {
                    /// One matmul of two fed matrices.
                    pub struct Matmul {
                        let a = placeholder(float32, shape = [$m, $k]);
                        let b = placeholder(float32, shape = [$k, $n]);
                        let c = matmul(a, b);
                    }
                }
            }
        )*

        fn sgemm_section(ctx: &mut Ctx) {
            $(
                if ctx.wants($case) {
                    let g = $module::Matmul::new();
                    let mut sess = ctx.session(&g);
                    sgemm_case(ctx, $case, [$m, $k, $n], &mut |a, b, c| {
                        sess.run_into((Out(&g.c, c),), feed![g.a => a, g.b => b])
                            .expect("matmul runs")
                    });
                }
            )*
        }
    };
}

sgemm_cases! {
    sgemm_64: "sgemm_64" [64, 64, 64],
    sgemm_128: "sgemm_128" [128, 128, 128],
    sgemm_256: "sgemm_256" [256, 256, 256],
    sgemm_512: "sgemm_512" [512, 512, 512],
    sgemm_1024: "sgemm_1024" [1024, 1024, 1024],
    mlp_b64_1: "sgemm_64x784x256" [64, 784, 256],
    mlp_b64_2: "sgemm_64x256x128" [64, 256, 128],
    mlp_b64_3: "sgemm_64x128x10" [64, 128, 10],
    mlp_b512_1: "sgemm_512x784x256" [512, 784, 256],
    mlp_b512_2: "sgemm_512x256x128" [512, 256, 128],
    mlp_b512_3: "sgemm_512x128x10" [512, 128, 10],
}

/// `sess.run_into(c)` against `sgemm`, each into a preallocated buffer, after checking
/// once that both compute the same product.
type MatmulRun<'a> = dyn FnMut(&Array2<f32>, &Array2<f32>, &mut Array2<f32>) + 'a;

fn sgemm_case(ctx: &mut Ctx, case: &str, [m, k, n]: [usize; 3], run: &mut MatmulRun<'_>) {
    let a = Array2::from_shape_vec((m, k), uniform(m * k, 1, -1.0, 1.0)).expect("shape");
    let b = Array2::from_shape_vec((k, n), uniform(k * n, 2, -1.0, 1.0)).expect("shape");
    let mut c = vec![0.0f32; m * n];
    let (oa, ob) = (Op::n(m, k), Op::n(k, n));
    gemm(slice(&a), oa, slice(&b), ob, 0.0, &mut c);
    let mut out = Array2::zeros((m, n));
    run(&a, &b, &mut out);
    let diff = max_rel_diff(slice(&out), &c);
    assert!(diff < 1e-4, "{case}: staticflow and sgemm differ by {diff}");

    let mut sf = || {
        run(black_box(&a), black_box(&b), &mut out);
        black_box(&mut out);
    };
    let mut base = || {
        gemm(
            slice(black_box(&a)),
            oa,
            slice(black_box(&b)),
            ob,
            0.0,
            &mut c,
        );
        black_box(&mut c);
    };
    let t = medians(&ctx.budget, &mut [&mut sf, &mut base]);
    let calls = ctx.alloc_calls(m * k * n > 1 << 26);
    ctx.rows.push(Row {
        staticflow_s: Some(t[0]),
        baseline_s: Some(t[1]),
        flops: Some(2.0 * (m * k * n) as f64),
        allocs: Some(alloc::per_call(calls, &mut sf)),
        baseline_allocs: Some(alloc::per_call(calls, &mut base)),
        threads: ctx.threads,
        ..Row::new(case)
    });
}

// ---------------------------------------------------------------------------------
// The 784-256-128-10 MLP: training steps and inference

/// The MLP with one optimizer; `$opt` is its constructor call.
macro_rules! mlp_graph {
    ($name:ident, $($opt:tt)*) => {
        graph! {
            /// Three dense layers (ReLU, ReLU, linear), softmax cross-entropy.
            pub struct $name {
                set_random_seed(42);
                let X = placeholder(float32, shape = [None, 784], name = "X");
                let y = placeholder(int32, shape = [None], name = "y");
                let hidden1 = layers.dense(X, 256, activation = nn.relu, name = "hidden1");
                let hidden2 = layers.dense(hidden1, 128, activation = nn.relu, name = "hidden2");
                let logits = layers.dense(hidden2, 10, name = "outputs");
                let xentropy = nn.sparse_softmax_cross_entropy_with_logits(labels = y, logits = logits);
                let loss = reduce_mean(xentropy, name = "loss");
                let train_op = $($opt)*.minimize(loss);
                let init = global_variables_initializer();
            }
        }
    };
}

mlp_graph!(MlpSgd, train.GradientDescentOptimizer(0.01));
mlp_graph!(MlpAdam, train.AdamOptimizer(0.001));

/// The handles the MLP cases use; both graphs have them.
#[derive(Clone, Copy)]
struct MlpHandles {
    x: Tensor<f32, Ix2>,
    y: Tensor<i32, Ix1>,
    logits: Tensor<f32, Ix2>,
    loss: Tensor<f32, Ix0>,
    train_op: Operation,
    init: Operation,
}

macro_rules! mlp_handles {
    ($g:expr) => {
        MlpHandles {
            x: $g.X,
            y: $g.y,
            logits: $g.logits,
            loss: $g.loss,
            train_op: $g.train_op,
            init: $g.init,
        }
    };
}

/// A fixed batch: pixels in [0, 1), labels 0..10.
fn mlp_batch(batch: usize, seed: u64) -> (Array2<f32>, Array1<i32>) {
    let x =
        Array2::from_shape_vec((batch, 784), uniform(batch * 784, seed, 0.0, 1.0)).expect("shape");
    let y = uniform(batch, seed + 1, 0.0, 10.0)
        .into_iter()
        .map(|v| (v as i32).min(9))
        .collect();
    (x, y)
}

/// A new initialized session and a copy of its weights for the baseline.
fn mlp_session(ctx: &Ctx, g: &impl AsGraph, h: MlpHandles) -> (Session, Params) {
    let mut sess = ctx.session(g);
    sess.run(&h.init, feed![]).expect("init runs");
    let params = mlp_params(g, &mut sess);
    (sess, params)
}

/// The session's current weights, read by TF name.
fn mlp_params(g: &impl AsGraph, sess: &mut Session) -> Params {
    let mut params = Params::zeros();
    for (l, layer) in ["hidden1", "hidden2", "outputs"].into_iter().enumerate() {
        for (part, out) in [("kernel", &mut params.w[l]), ("bias", &mut params.b[l])] {
            let name = format!("{layer}/{part}:0");
            let handle = g
                .as_graph()
                .get_tensor_by_name(&name)
                .expect("variable exists");
            match sess.run(&handle, feed![]).expect("variable initialized") {
                TensorValue::F32(a) => *out = a.iter().copied().collect(),
                other => panic!("{name}: float32 expected, got {other:?}"),
            }
        }
    }
    params
}

fn flat(p: &Params) -> Vec<f32> {
    p.w.iter().chain(&p.b).flatten().copied().collect()
}

/// One training step of `batch` rows: `sess.run(train_op)` against the baseline.
fn mlp_train(
    ctx: &mut Ctx,
    case: &str,
    (g, h): (&impl AsGraph, MlpHandles),
    batch: usize,
    update: Update,
) {
    if !ctx.wants(case) {
        return;
    }
    let (mut sess, initial) = mlp_session(ctx, g, h);
    let mut base = baseline::Mlp::new(initial.clone(), batch, update);
    let (x, y) = mlp_batch(batch, 7);
    let (xs, ys) = (slice(&x), y.as_slice().expect("contiguous"));

    // Not timed: the same loss for the same weights, and the same weights after a step.
    let sf_loss = sess
        .run(&h.loss, feed![h.x => &x, h.y => &y])
        .expect("loss runs");
    let base_loss = base.loss(xs, ys);
    sess.run(&h.train_op, feed![h.x => &x, h.y => &y])
        .expect("step runs");
    base.train_step(xs, ys);
    let step_diff = max_rel_diff(&flat(&mlp_params(g, &mut sess)), &flat(&base.params));
    println!(
        "{case}: loss {sf_loss:.7} (staticflow) vs {base_loss:.7} (baseline): agree to \
         {:.1} digits; weights after one step differ by at most {step_diff:.1e}",
        digits(f64::from(sf_loss), f64::from(base_loss))
    );

    // Training one batch over and over drives the softmax probabilities and the
    // gradients into float32 subnormals after ~700 steps, slowing both sides ~5x:
    // every 200 steps (untimed) staticflow runs `init` again and the baseline goes
    // back to the initial weights, both with fresh optimizer state.
    let sess = RefCell::new(sess);
    let base = RefCell::new(base);
    let mut step = || {
        let feeds = feed![h.x => &x, h.y => &y];
        sess.borrow_mut()
            .run(&h.train_op, feeds)
            .expect("step runs");
    };
    let mut base_step = || {
        black_box(base.borrow_mut().train_step(black_box(xs), ys));
    };
    let t = medians_with_reset(
        &ctx.budget,
        &mut [&mut step, &mut base_step],
        &mut [
            &mut || {
                sess.borrow_mut().run(&h.init, feed![]).expect("init runs");
            },
            &mut || base.borrow_mut().reset(&initial),
        ],
        200,
    );
    let calls = ctx.alloc_calls(batch > 64);
    ctx.rows.push(Row {
        staticflow_s: Some(t[0]),
        baseline_s: Some(t[1]),
        flops: Some(baseline::mlp_train_flops(batch)),
        allocs: Some(alloc::per_call(calls, &mut step)),
        baseline_allocs: Some(alloc::per_call(calls, &mut base_step)),
        threads: ctx.threads,
        ..Row::new(case)
    });
}

/// Inference of `batch` rows: `sess.run(logits)` against the baseline's forward pass.
fn mlp_infer(ctx: &mut Ctx, case: &str, (g, h): (&impl AsGraph, MlpHandles), batch: usize) {
    if !ctx.wants(case) {
        return;
    }
    let (mut sess, params) = mlp_session(ctx, g, h);
    let mut base = baseline::Mlp::new(params, batch, Update::sgd(0.0));
    let (x, _) = mlp_batch(batch, 11);
    let mut logits = Array2::zeros((batch, 10));
    let mut infer = |logits: &mut Array2<f32>| {
        sess.run_into((Out(&h.logits, logits),), feed![h.x => &x])
            .expect("logits run");
    };
    infer(&mut logits);
    let diff = max_rel_diff(slice(&logits), base.forward(slice(&x)));
    assert!(diff < 1e-4, "{case}: logits differ by {diff}");
    let mut sf = || {
        infer(&mut logits);
        black_box(&mut logits);
    };
    let mut base_infer = || {
        black_box(base.forward(black_box(slice(&x))));
    };
    let t = medians(&ctx.budget, &mut [&mut sf, &mut base_infer]);
    let calls = ctx.alloc_calls(false);
    ctx.rows.push(Row {
        staticflow_s: Some(t[0]),
        baseline_s: Some(t[1]),
        flops: Some(baseline::mlp_forward_flops(batch)),
        allocs: Some(alloc::per_call(calls, &mut sf)),
        baseline_allocs: Some(alloc::per_call(calls, &mut base_infer)),
        threads: ctx.threads,
        ..Row::new(case)
    });
}

fn mlp_section(ctx: &mut Ctx) {
    let (sgd_graph, adam_graph) = (MlpSgd::new(), MlpAdam::new());
    let sgd = (&sgd_graph, mlp_handles!(sgd_graph));
    let adam = (&adam_graph, mlp_handles!(adam_graph));
    mlp_train(ctx, "mlp_train_sgd_b64", sgd, 64, Update::sgd(0.01));
    mlp_train(ctx, "mlp_train_sgd_b512", sgd, 512, Update::sgd(0.01));
    mlp_train(ctx, "mlp_train_adam_b64", adam, 64, Update::adam(0.001));
    mlp_train(ctx, "mlp_train_adam_b512", adam, 512, Update::adam(0.001));
    mlp_infer(ctx, "mlp_infer_b1", sgd, 1);
    mlp_infer(ctx, "mlp_infer_b64", sgd, 64);
}

// ---------------------------------------------------------------------------------
// The peers' CNN: one SGD training step

/// Images per training step.
const CNN_BATCH: usize = 64;

graph! {
    /// Conv 5x5x32 SAME + ReLU, max-pool 2, conv 5x5x64 SAME + ReLU, max-pool 2,
    /// dense 10, softmax cross-entropy, SGD: the network the peers time.
    pub struct CnnSgd {
        set_random_seed(42);
        let X = placeholder(float32, shape = [None, 28, 28, 1], name = "X");
        let y = placeholder(int32, shape = [None], name = "y");
        let conv1 = layers.conv2d(X, 32, 5, padding = "same", activation = nn.relu, name = "conv1");
        let pool1 = layers.max_pooling2d(conv1, 2, 2, name = "pool1");
        let conv2 = layers.conv2d(pool1, 64, 5, padding = "same", activation = nn.relu, name = "conv2");
        let pool2 = layers.max_pooling2d(conv2, 2, 2, name = "pool2");
        let logits = layers.dense(reshape(pool2, [-1, 7 * 7 * 64]), 10, name = "dense");
        let xentropy = nn.sparse_softmax_cross_entropy_with_logits(labels = y, logits = logits);
        let loss = reduce_mean(xentropy, name = "loss");
        let train_op = train.GradientDescentOptimizer(0.01).minimize(loss);
        let init = global_variables_initializer();
    }
}

/// Standard normal floats (Box-Muller over [`uniform`]), as the peers' inputs.
fn normal(len: usize, seed: u64) -> Vec<f32> {
    let u = uniform(len.next_multiple_of(2), seed, f32::EPSILON, 1.0);
    u.chunks_exact(2)
        .flat_map(|p| {
            let (r, a) = ((-2.0 * p[0].ln()).sqrt(), std::f32::consts::TAU * p[1]);
            [r * a.cos(), r * a.sin()]
        })
        .take(len)
        .collect()
}

/// The session's current CNN variables, read by TF name.
fn cnn_params(g: &CnnSgd, sess: &mut Session) -> cnn::CnnParams {
    let mut params = cnn::CnnParams::zeros();
    for (name, out) in cnn::NAMES.iter().zip(&mut params.t) {
        let handle = g
            .as_graph()
            .get_tensor_by_name(&format!("{name}:0"))
            .expect("variable exists");
        match sess.run(&handle, feed![]).expect("variable initialized") {
            TensorValue::F32(a) => {
                assert_eq!(a.len(), out.len(), "{name}: size");
                *out = a.iter().copied().collect();
            }
            other => panic!("{name}: float32 expected, got {other:?}"),
        }
    }
    params
}

fn cnn_section(ctx: &mut Ctx) {
    let case = "cnn_train_b64";
    if !ctx.wants(case) {
        return;
    }
    let g = CnnSgd::new();
    let mut sess = ctx.session(&g);
    sess.run(&g.init, feed![]).expect("init runs");
    let initial = cnn_params(&g, &mut sess);
    let mut base = cnn::Cnn::new(initial.clone(), CNN_BATCH, 0.01);
    let pixels = CNN_BATCH * 28 * 28;
    let x = Array4::from_shape_vec((CNN_BATCH, 28, 28, 1), normal(pixels, 21)).expect("shape");
    let y: Array1<i32> = uniform(CNN_BATCH, 22, 0.0, 10.0)
        .into_iter()
        .map(|v| (v as i32).min(9))
        .collect();
    let (xs, ys) = (slice(&x), y.as_slice().expect("contiguous"));

    // Not timed: the same loss for the same weights, and the same weights after a step.
    let sf_loss = sess
        .run(&g.loss, feed![g.X => &x, g.y => &y])
        .expect("loss runs");
    let base_loss = base.loss(xs, ys);
    sess.run(&g.train_op, feed![g.X => &x, g.y => &y])
        .expect("step runs");
    base.train_step(xs, ys);
    let (sf_after, base_after) = (cnn_params(&g, &mut sess).flat(), base.params.flat());
    let step_diff = max_rel_diff(&sf_after, &base_after);
    // The updates themselves (lr x gradient, ~1e-3), which `step_diff` barely sees.
    let update_diff = rel_norm_diff(&sf_after, &base_after, &initial.flat());
    let loss_digits = digits(f64::from(sf_loss), f64::from(base_loss));
    println!(
        "{case}: loss {sf_loss:.7} (staticflow) vs {base_loss:.7} (baseline): agree to \
         {loss_digits:.1} digits; weights after one step differ by at most {step_diff:.1e}, \
         the updates by {update_diff:.1e} of their norm"
    );
    assert!(
        loss_digits >= 4.0 && step_diff < 1e-4 && update_diff < 1e-4,
        "{case}: staticflow and the baseline disagree"
    );

    // As for the MLP: back to the initial weights (untimed) every 200 steps.
    let sess = RefCell::new(sess);
    let base = RefCell::new(base);
    let mut step = || {
        let feeds = feed![g.X => &x, g.y => &y];
        sess.borrow_mut()
            .run(&g.train_op, feeds)
            .expect("step runs");
    };
    let mut base_step = || {
        black_box(base.borrow_mut().train_step(black_box(xs), ys));
    };
    let t = medians_with_reset(
        &ctx.budget,
        &mut [&mut step, &mut base_step],
        &mut [
            &mut || {
                sess.borrow_mut().run(&g.init, feed![]).expect("init runs");
            },
            &mut || base.borrow_mut().reset(&initial),
        ],
        200,
    );
    let calls = ctx.alloc_calls(true);
    ctx.rows.push(Row {
        staticflow_s: Some(t[0]),
        baseline_s: Some(t[1]),
        flops: Some(cnn::cnn_train_flops(CNN_BATCH)),
        allocs: Some(alloc::per_call(calls, &mut step)),
        baseline_allocs: Some(alloc::per_call(calls, &mut base_step)),
        threads: ctx.threads,
        ..Row::new(case)
    });
}

// ---------------------------------------------------------------------------------
// The tiny graph of seed 000

graph! {
    /// `f = x*x*y + y + 2` = 42.
    pub struct Tiny {
        let x = Variable(3, name = "x");
        let y = Variable(4, name = "y");
        let f = x * x * y + y + 2;
        let init = global_variables_initializer();
    }
}

fn tiny_section(ctx: &mut Ctx) {
    let case = "tiny_graph_run";
    if !ctx.wants(case) {
        return;
    }
    let g = Tiny::new();
    let mut sess = ctx.session(&g);
    sess.run(&g.init, feed![]).expect("init runs");
    let mut run = || sess.run(&g.f, feed![]).expect("f runs");
    assert_eq!(run(), 42);
    let (x, y) = (3i32, 4i32);
    let mut sf = || {
        black_box(run());
    };
    let mut base = || {
        let (x, y) = (black_box(x), black_box(y));
        black_box(x * x * y + y + 2);
    };
    let t = medians(&ctx.budget, &mut [&mut sf, &mut base]);
    ctx.rows.push(Row {
        staticflow_s: Some(t[0]),
        baseline_s: Some(t[1]),
        allocs: Some(alloc::per_call(1000, &mut sf)),
        baseline_allocs: Some(alloc::per_call(1000, &mut base)),
        ..Row::new(case)
    });
}

// ---------------------------------------------------------------------------------
// Full-batch linear regression, 1000 epochs

/// Rows and columns (8 features and the bias) of the California-housing data.
const HOUSING: (usize, usize) = (20640, 9);

graph! {
    /// Seed 001's batch gradient descent with the gradient written by hand.
    pub struct LinReg(data: f32[None, 9], target: f32[None, 1], m: f32[]) {
        let X = constant(data, dtype = float32, name = "X");
        let y = constant(target, dtype = float32, name = "y");
        let theta = Variable(random_uniform([9, 1], -1.0, 1.0, seed = 42), name = "theta");
        let y_pred = matmul(X, theta, name = "predictions");
        let error = y_pred - y;
        let mse = reduce_mean(square(error), name = "mse");
        let gradients = 2.0 / m * matmul(transpose(X), error);
        let training_op = assign(theta, theta - 0.01 * gradients);
        let init = global_variables_initializer();
    }
}

/// Synthetic standardized features with a bias column, and a noisy linear target.
fn housing_data() -> (Array2<f32>, Array2<f32>) {
    let (m, n) = HOUSING;
    let mut x = Array2::from_shape_vec((m, n), uniform(m * n, 3, -1.7, 1.7)).expect("shape");
    x.column_mut(0).fill(1.0);
    let w = uniform(n, 4, -2.0, 2.0);
    let noise = uniform(m, 5, -0.5, 0.5);
    let y = Array2::from_shape_fn((m, 1), |(i, _)| {
        x.row(i).iter().zip(&w).map(|(a, b)| a * b).sum::<f32>() + 2.0 + noise[i]
    });
    (x, y)
}

fn linreg_section(ctx: &mut Ctx) {
    let case = "linreg_1000_epochs";
    if !ctx.wants(case) {
        return;
    }
    let (x, y) = housing_data();
    let m = arr0(HOUSING.0 as f32);
    let g = LinReg::new(x.view(), y.view(), m.view()).expect("graph builds");
    let mut sess = ctx.session(&g);
    sess.run(&g.init, feed![]).expect("init runs");
    let theta: Array2<f32> = sess.run(&g.theta, feed![]).expect("theta");
    let theta = theta.iter().copied().collect();
    let mut base = baseline::LinReg::new(slice(&x).to_vec(), slice(&y).to_vec(), theta, 0.01);

    let train = g.training_op;
    let mut theta_out = Array2::zeros((HOUSING.1, 1));
    let mut epochs = |sess: &mut Session| {
        for _ in 0..1000 {
            sess.run_into((Out(&train, &mut theta_out),), feed![])
                .expect("step runs");
        }
        black_box(&mut theta_out);
    };
    // Not timed: the same theta after the first 1000 epochs.
    epochs(&mut sess);
    for _ in 0..1000 {
        base.epoch();
    }
    let theta: Array2<f32> = sess.run(&g.theta, feed![]).expect("theta");
    let diff = max_rel_diff(slice(&theta), &base.theta);
    println!("{case}: theta after 1000 epochs differs by at most {diff:.1e}");

    let flops = 1000.0 * base.epoch_flops();
    let mut sf = || epochs(&mut sess);
    let mut base_epochs = || {
        for _ in 0..1000 {
            base.epoch();
        }
        black_box(&base.theta);
    };
    let t = medians(&ctx.budget, &mut [&mut sf, &mut base_epochs]);
    ctx.rows.push(Row {
        staticflow_s: Some(t[0]),
        baseline_s: Some(t[1]),
        flops: Some(flops),
        allocs: Some(alloc::per_call(1, &mut sf)),
        baseline_allocs: Some(alloc::per_call(1, &mut base_epochs)),
        ..Row::new(case)
    });
}

// ---------------------------------------------------------------------------------

fn main() -> std::process::ExitCode {
    let options = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut ctx = Ctx {
        budget: if options.quick {
            Budget::quick()
        } else {
            Budget::full()
        },
        quick: options.quick,
        filters: options.filters,
        rows: Vec::new(),
        threads: 0,
    };
    let (peak1, peak_all) = fma_section(&mut ctx);
    // The matmul, MLP and CNN cases on one thread, then on every core (both sides).
    for threads in [1, report::cores()] {
        if threads > 1 || ctx.threads == 0 {
            ctx.set_threads(threads);
            sgemm_section(&mut ctx);
            mlp_section(&mut ctx);
            cnn_section(&mut ctx);
        }
    }
    ctx.set_threads(1);
    tiny_section(&mut ctx);
    linreg_section(&mut ctx);

    let peak = |threads: usize| if threads == 1 { peak1 } else { peak_all };
    println!("\n{}", report::table(&ctx.rows, peak));
    println!(
        "Medians of seconds per call/step (linreg: per 1000 epochs); ratio = staticflow / \
         baseline; GFLOPS count matmul flops only (cnn: convolutions and dense, as the peers' \
         cnn_train_flops); % peak: of the fma_peak row with as \
         many threads.\n\
         allocs sf / base: heap allocations per steady-state call; fetched values go to \
         the caller's buffers (Session::run_into). matrixmultiply's sgemm allocates its \
         packing buffer on every call (the baseline's, and staticflow's f64 and portable \
         path).\n\
         Training steps: state reset to the initial weights (untimed) every 200 steps, \
         before one batch trained over and over drives the gradients subnormal.\n\
         thr: intra-op threads of the session (SessionOptions) and of the baseline's \
         row-split sgemm."
    );
    println!("CPU: {}, {} cores", report::cpu_model(), report::cores());
    if let Some(path) = &options.json {
        if let Err(e) = std::fs::write(path, report::json(&ctx.rows)) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return std::process::ExitCode::FAILURE;
        }
        println!("JSON rows written to {}", path.display());
    }
    std::process::ExitCode::SUCCESS
}
