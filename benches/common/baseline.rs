//! The hand-written baseline: plain `matrixmultiply::sgemm` calls and loops over
//! preallocated buffers, no framework.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// A row-major `rows x cols` matrix, transposed or not, as `(row stride, col stride)`
/// over its storage.
#[derive(Clone, Copy)]
pub struct Op {
    rows: usize,
    cols: usize,
    rs: isize,
    cs: isize,
}

impl Op {
    /// `x` as stored: `rows x cols`.
    pub fn n(rows: usize, cols: usize) -> Op {
        Op {
            rows,
            cols,
            rs: cols as isize,
            cs: 1,
        }
    }

    /// The first `rows` rows of this operand (same strides).
    pub fn with_rows(self, rows: usize) -> Op {
        Op { rows, ..self }
    }

    /// The transpose of a stored `rows x cols` matrix: `cols x rows`, strided.
    pub fn t(rows: usize, cols: usize) -> Op {
        Op {
            rows: cols,
            cols: rows,
            rs: 1,
            cs: cols as isize,
        }
    }

    /// Storage length it reads.
    fn span(self) -> usize {
        if self.rows == 0 || self.cols == 0 {
            0
        } else {
            (self.rows - 1) * self.rs as usize + (self.cols - 1) * self.cs as usize + 1
        }
    }
}

/// Up to this many rows of `op_a(a)` (with rows of `op_b(b)` contiguous), `gemm` runs
/// axpy loops over the rows of `b` instead of `sgemm`, whose packing of `b` costs more
/// than the product itself (what anyone hand-writing a batch-1 forward pass does).
const FEW_ROWS: usize = 4;

/// Threads the baseline's large sgemm calls split their rows over (1: none).
static THREADS: AtomicUsize = AtomicUsize::new(1);

/// The baseline's own pool for those threads.
static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();

/// Below this many multiply-adds a product stays on the calling thread.
const PARALLEL_MACS: usize = 1 << 18;

/// Sets the threads of the following `gemm` calls.
pub fn set_threads(threads: usize) {
    THREADS.store(threads.max(1), Ordering::Relaxed);
}

/// `c = op_a(a) · op_b(b) + beta * c`, `c` row-major and contiguous; large products are
/// split by rows of `c` over the threads of [`set_threads`], each half its own sgemm.
pub fn gemm(a: &[f32], oa: Op, b: &[f32], ob: Op, beta: f32, c: &mut [f32]) {
    let threads = THREADS.load(Ordering::Relaxed);
    let (m, k, n) = (oa.rows, oa.cols, ob.cols);
    if threads > 1 && m >= 2 * threads && m * k * n >= PARALLEL_MACS {
        let pool = POOL.get_or_init(|| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("baseline threads start")
        });
        pool.install(|| split_rows(a, oa, b, ob, beta, &mut c[..m * n], threads));
    } else {
        gemm_one(a, oa, b, ob, beta, c);
    }
}

/// `gemm` over `parts` row blocks of `c`, halving recursively with `rayon::join`.
fn split_rows(a: &[f32], oa: Op, b: &[f32], ob: Op, beta: f32, c: &mut [f32], parts: usize) {
    if parts <= 1 {
        return gemm_one(a, oa, b, ob, beta, c);
    }
    let n = ob.cols;
    let top = oa.rows * (parts / 2) / parts;
    let (c_top, c_bottom) = c.split_at_mut(top * n);
    let (a_top, a_bottom) = (oa.with_rows(top), oa.with_rows(oa.rows - top));
    let offset = top * oa.rs as usize;
    rayon::join(
        || split_rows(a, a_top, b, ob, beta, c_top, parts / 2),
        || {
            split_rows(
                &a[offset..],
                a_bottom,
                b,
                ob,
                beta,
                c_bottom,
                parts - parts / 2,
            )
        },
    );
}

/// `gemm` on the calling thread.
fn gemm_one(a: &[f32], oa: Op, b: &[f32], ob: Op, beta: f32, c: &mut [f32]) {
    let (m, k, n) = (oa.rows, oa.cols, ob.cols);
    assert_eq!(ob.rows, k, "inner dimensions");
    assert!(a.len() >= oa.span() && b.len() >= ob.span() && c.len() >= m * n);
    if m <= FEW_ROWS && ob.cs == 1 {
        for (i, row) in c.chunks_exact_mut(n).take(m).enumerate() {
            if beta == 0.0 {
                row.fill(0.0);
            } else {
                row.iter_mut().for_each(|x| *x *= beta);
            }
            for p in 0..k {
                let scale = a[i * oa.rs as usize + p * oa.cs as usize];
                let brow = &b[p * ob.rs as usize..][..n];
                for (x, y) in row.iter_mut().zip(brow) {
                    *x += scale * y;
                }
            }
        }
        return;
    }
    // SAFETY: the asserts above keep every strided read of `a` and `b` and every write
    // of `c` (m x n, row stride n) inside the slices; `c` is borrowed mutably, so it
    // aliases neither input.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            oa.rs,
            oa.cs,
            b.as_ptr(),
            ob.rs,
            ob.cs,
            beta,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

/// Mean sparse softmax cross-entropy of row-major `logits` (`classes` per row) against
/// `labels`; leaves its gradient with respect to the logits in `grad`.
pub fn sparse_xent(logits: &[f32], labels: &[i32], classes: usize, grad: &mut [f32]) -> f32 {
    let scale = 1.0 / labels.len() as f32;
    let mut total = 0.0f32;
    let rows = logits
        .chunks_exact(classes)
        .zip(grad.chunks_exact_mut(classes));
    for ((logits, d), &label) in rows.zip(labels) {
        let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0f32;
        for (d, l) in d.iter_mut().zip(logits) {
            *d = (l - max).exp();
            sum += *d;
        }
        total += sum.ln() - (logits[label as usize] - max);
        for d in d.iter_mut() {
            *d = *d / sum * scale;
        }
        d[label as usize] -= scale;
    }
    total * scale
}

/// Column sums of the row-major matrix `m` (`out.len()` columns) into `out`.
pub fn col_sums(m: &[f32], out: &mut [f32]) {
    out.fill(0.0);
    for row in m.chunks_exact(out.len()) {
        for (s, v) in out.iter_mut().zip(row) {
            *s += v;
        }
    }
}

/// Layer widths of the benchmark MLP.
pub const WIDTHS: [usize; 4] = [784, 256, 128, 10];

/// Matmul flops of one forward pass of `batch` rows.
pub fn mlp_forward_flops(batch: usize) -> f64 {
    let macs: usize = WIDTHS.windows(2).map(|w| w[0] * w[1]).sum();
    2.0 * (batch * macs) as f64
}

/// Matmul flops of one training step: the forward pass, every weight gradient (as
/// many again) and the input gradients of layers 2 and 3 (none for the fed input).
pub fn mlp_train_flops(batch: usize) -> f64 {
    let input_grads: usize = WIDTHS.windows(2).skip(1).map(|w| w[0] * w[1]).sum();
    2.0 * mlp_forward_flops(batch) + 2.0 * (batch * input_grads) as f64
}

/// Weights `w[l]` (`WIDTHS[l] x WIDTHS[l+1]`, row-major) and biases `b[l]`.
#[derive(Clone)]
pub struct Params {
    pub w: [Vec<f32>; 3],
    pub b: [Vec<f32>; 3],
}

impl Params {
    pub fn zeros() -> Params {
        Params {
            w: std::array::from_fn(|l| vec![0.0; WIDTHS[l] * WIDTHS[l + 1]]),
            b: std::array::from_fn(|l| vec![0.0; WIDTHS[l + 1]]),
        }
    }

    fn tensors_mut(&mut self) -> impl Iterator<Item = &mut Vec<f32>> {
        self.w.iter_mut().chain(self.b.iter_mut())
    }
}

/// The update rule, TF's `ApplyGradientDescent` or `ApplyAdam`.
pub enum Update {
    Sgd {
        lr: f32,
    },
    Adam {
        lr: f32,
        beta1: f32,
        beta2: f32,
        epsilon: f32,
        beta1_power: f32,
        beta2_power: f32,
        m: Box<Params>,
        v: Box<Params>,
    },
}

impl Update {
    pub fn sgd(lr: f32) -> Update {
        Update::Sgd { lr }
    }

    /// TF's defaults: beta1 0.9, beta2 0.999, epsilon 1e-8.
    pub fn adam(lr: f32) -> Update {
        Update::Adam {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
            beta1_power: 0.9,
            beta2_power: 0.999,
            m: Box::new(Params::zeros()),
            v: Box::new(Params::zeros()),
        }
    }
}

/// The 784-256-128-10 ReLU MLP with softmax cross-entropy, every buffer preallocated
/// for one batch size.
pub struct Mlp {
    pub params: Params,
    grads: Params,
    update: Update,
    batch: usize,
    /// ReLU outputs of the hidden layers, then the logits.
    acts: [Vec<f32>; 3],
    /// Gradients of the loss with respect to `acts` (made pre-activation in place).
    deltas: [Vec<f32>; 3],
}

impl Mlp {
    pub fn new(params: Params, batch: usize, update: Update) -> Mlp {
        Mlp {
            params,
            grads: Params::zeros(),
            update,
            batch,
            acts: std::array::from_fn(|l| vec![0.0; batch * WIDTHS[l + 1]]),
            deltas: std::array::from_fn(|l| vec![0.0; batch * WIDTHS[l + 1]]),
        }
    }

    /// Back to `params`, with fresh optimizer state.
    pub fn reset(&mut self, params: &Params) {
        for (w, p) in self
            .params
            .tensors_mut()
            .zip(params.w.iter().chain(&params.b))
        {
            w.copy_from_slice(p);
        }
        if let Update::Adam {
            beta1,
            beta2,
            beta1_power,
            beta2_power,
            m,
            v,
            ..
        } = &mut self.update
        {
            (*beta1_power, *beta2_power) = (*beta1, *beta2);
            m.tensors_mut()
                .chain(v.tensors_mut())
                .for_each(|t| t.fill(0.0));
        }
    }

    /// The logits of `x` (`batch x 784`).
    pub fn forward(&mut self, x: &[f32]) -> &[f32] {
        let bsz = self.batch;
        for l in 0..3 {
            let (done, rest) = self.acts.split_at_mut(l);
            let input: &[f32] = if l == 0 { x } else { &done[l - 1] };
            let out = &mut rest[0];
            let (fan_in, fan_out) = (WIDTHS[l], WIDTHS[l + 1]);
            gemm(
                input,
                Op::n(bsz, fan_in),
                &self.params.w[l],
                Op::n(fan_in, fan_out),
                0.0,
                out,
            );
            let bias = &self.params.b[l];
            for row in out.chunks_exact_mut(fan_out) {
                for (o, b) in row.iter_mut().zip(bias) {
                    *o += b;
                    if l < 2 {
                        *o = o.max(0.0);
                    }
                }
            }
        }
        &self.acts[2]
    }

    /// Mean sparse softmax cross-entropy of the logits against `y`; leaves its
    /// gradient with respect to the logits in `deltas[2]`.
    fn xent(&mut self, y: &[i32]) -> f32 {
        sparse_xent(&self.acts[2], y, WIDTHS[3], &mut self.deltas[2])
    }

    /// The loss of one batch, without training.
    pub fn loss(&mut self, x: &[f32], y: &[i32]) -> f32 {
        self.forward(x);
        self.xent(y)
    }

    /// One training step; returns the loss before the update.
    pub fn train_step(&mut self, x: &[f32], y: &[i32]) -> f32 {
        let loss = self.loss(x, y);
        self.backward(x);
        self.apply();
        loss
    }

    /// Weight and bias gradients of every layer; input gradients of layers 2 and 3.
    fn backward(&mut self, x: &[f32]) {
        let bsz = self.batch;
        for l in (0..3).rev() {
            let (fan_in, fan_out) = (WIDTHS[l], WIDTHS[l + 1]);
            let (below, rest) = self.deltas.split_at_mut(l);
            let delta = &rest[0];
            let input: &[f32] = if l == 0 { x } else { &self.acts[l - 1] };
            // dW = input^T · delta
            gemm(
                input,
                Op::t(bsz, fan_in),
                delta,
                Op::n(bsz, fan_out),
                0.0,
                &mut self.grads.w[l],
            );
            // db = column sums of delta
            col_sums(delta, &mut self.grads.b[l]);
            if l > 0 {
                // d input = delta · W^T, then through the ReLU below.
                let dinput = &mut below[l - 1];
                gemm(
                    delta,
                    Op::n(bsz, fan_out),
                    &self.params.w[l],
                    Op::t(fan_in, fan_out),
                    0.0,
                    dinput,
                );
                for (d, a) in dinput.iter_mut().zip(&self.acts[l - 1]) {
                    if *a <= 0.0 {
                        *d = 0.0;
                    }
                }
            }
        }
    }

    fn apply(&mut self) {
        let grads = self.grads.tensors_mut();
        match &mut self.update {
            Update::Sgd { lr } => {
                for (w, g) in self.params.tensors_mut().zip(grads) {
                    for (w, g) in w.iter_mut().zip(g.iter()) {
                        *w -= *lr * g;
                    }
                }
            }
            Update::Adam {
                lr,
                beta1,
                beta2,
                epsilon,
                beta1_power,
                beta2_power,
                m,
                v,
            } => {
                let alpha = *lr * (1.0 - *beta2_power).sqrt() / (1.0 - *beta1_power);
                let (b1, b2, eps) = (*beta1, *beta2, *epsilon);
                let tensors = self.params.tensors_mut().zip(grads);
                for ((w, g), (m, v)) in tensors.zip(m.tensors_mut().zip(v.tensors_mut())) {
                    for (((w, g), m), v) in w
                        .iter_mut()
                        .zip(g.iter())
                        .zip(m.iter_mut())
                        .zip(v.iter_mut())
                    {
                        *m += (g - *m) * (1.0 - b1);
                        *v += (g * g - *v) * (1.0 - b2);
                        *w -= alpha * *m / (v.sqrt() + eps);
                    }
                }
                *beta1_power *= b1;
                *beta2_power *= b2;
            }
        }
    }
}

/// Full-batch gradient descent on `m x n` data with the gradient written by hand:
/// `theta -= lr * 2/m * X^T (X theta - y)`.
pub struct LinReg {
    x: Vec<f32>,
    y: Vec<f32>,
    pub theta: Vec<f32>,
    error: Vec<f32>,
    grad: Vec<f32>,
    n: usize,
    lr: f32,
}

impl LinReg {
    pub fn new(x: Vec<f32>, y: Vec<f32>, theta: Vec<f32>, lr: f32) -> LinReg {
        let n = theta.len();
        LinReg {
            error: vec![0.0; y.len()],
            grad: vec![0.0; n],
            x,
            y,
            theta,
            n,
            lr,
        }
    }

    /// One epoch: two passes over the data (predictions, then the gradient).
    pub fn epoch(&mut self) {
        let n = self.n;
        for ((e, row), y) in self
            .error
            .iter_mut()
            .zip(self.x.chunks_exact(n))
            .zip(&self.y)
        {
            let pred: f32 = row.iter().zip(&self.theta).map(|(a, t)| a * t).sum();
            *e = pred - y;
        }
        self.grad.fill(0.0);
        for (row, e) in self.x.chunks_exact(n).zip(&self.error) {
            for (g, a) in self.grad.iter_mut().zip(row) {
                *g += a * e;
            }
        }
        let scale = self.lr * 2.0 / self.y.len() as f32;
        for (t, g) in self.theta.iter_mut().zip(&self.grad) {
            *t -= scale * g;
        }
    }

    /// Matmul flops of one epoch.
    pub fn epoch_flops(&self) -> f64 {
        4.0 * self.x.len() as f64
    }
}
