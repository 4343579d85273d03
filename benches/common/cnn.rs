//! The hand-written baseline of the CNN training step: the peers' network (NHWC
//! 28x28x1 input; conv 5x5x32 SAME + bias + ReLU; max-pool 2x2 stride 2; conv 5x5x64
//! SAME + bias + ReLU; max-pool 2x2 stride 2; dense 10; mean sparse softmax
//! cross-entropy) trained by plain SGD. Convolutions and their gradients are im2col
//! of one image at a time + `sgemm`; bias, ReLU, pooling, loss and update are loops
//! over buffers preallocated for one batch size.

use crate::baseline::{col_sums, gemm, sparse_xent, Op};

/// Window side of both convolutions; SAME padding at stride 1 pads 2 on every side.
const KSIZE: usize = 5;
const PAD: usize = 2;
/// Classes of the dense layer.
const CLASSES: usize = 10;

/// One SAME, stride-1 convolution of a square image.
#[derive(Clone, Copy)]
struct Conv {
    side: usize,
    cin: usize,
    cout: usize,
}

impl Conv {
    /// Patch length, the rows of the filter seen as a `k x cout` matrix (HWIO order).
    const fn k(self) -> usize {
        KSIZE * KSIZE * self.cin
    }

    /// Output positions of one image.
    const fn positions(self) -> usize {
        self.side * self.side
    }

    /// Input floats of one image.
    const fn input_len(self) -> usize {
        self.positions() * self.cin
    }

    /// Output floats of one image.
    const fn output_len(self) -> usize {
        self.positions() * self.cout
    }

    /// Matmul flops of its forward pass on one image.
    const fn flops(self) -> usize {
        2 * self.positions() * self.k() * self.cout
    }
}

const CONV1: Conv = Conv {
    side: 28,
    cin: 1,
    cout: 32,
};
const CONV2: Conv = Conv {
    side: 14,
    cin: 32,
    cout: 64,
};
/// Inputs of the dense layer: the second pool's 7x7x64 output, flattened.
const FLAT: usize = 7 * 7 * 64;

/// The variables' TF names, in the order of [`CnnParams::t`].
pub const NAMES: [&str; 6] = [
    "conv1/kernel",
    "conv1/bias",
    "conv2/kernel",
    "conv2/bias",
    "dense/kernel",
    "dense/bias",
];

/// Element counts of the variables, in the order of [`NAMES`].
const LENS: [usize; 6] = [
    CONV1.k() * CONV1.cout,
    CONV1.cout,
    CONV2.k() * CONV2.cout,
    CONV2.cout,
    FLAT * CLASSES,
    CLASSES,
];

/// Matmul flops of one training step of `batch` images, counted as the peers'
/// `cnn_train_flops` does: the forward convolutions and dense layer, their weight
/// gradients (as many flops again) and the input gradients of conv2 and the dense
/// layer (as many again; conv1's input is fed, so it has none). Bias, ReLU, pooling,
/// softmax and the update are not counted.
pub fn cnn_train_flops(batch: usize) -> f64 {
    let dense = 2 * FLAT * CLASSES;
    let forward = CONV1.flops() + CONV2.flops() + dense;
    (batch * (3 * forward - CONV1.flops())) as f64
}

/// The variables, row-major in TF's layouts (kernels HWIO, dense `in x out`).
#[derive(Clone)]
pub struct CnnParams {
    pub t: [Vec<f32>; 6],
}

impl CnnParams {
    pub fn zeros() -> CnnParams {
        CnnParams {
            t: std::array::from_fn(|i| vec![0.0; LENS[i]]),
        }
    }

    /// Every variable, flattened in the order of [`NAMES`].
    pub fn flat(&self) -> Vec<f32> {
        self.t.iter().flatten().copied().collect()
    }
}

/// Patches of one `side x side x cin` image: row `p` holds the 5x5 window around
/// output position `p` (zero outside the image), in (row, column, channel) order.
fn im2col(c: Conv, x: &[f32], cols: &mut [f32]) {
    let (s, cin) = (c.side, c.cin);
    for (p, patch) in cols.chunks_exact_mut(c.k()).enumerate() {
        let (oy, ox) = (p / s, p % s);
        for (ky, row) in patch.chunks_exact_mut(KSIZE * cin).enumerate() {
            // Out-of-image coordinates wrap to huge values and fail the `< s` test.
            let iy = (oy + ky).wrapping_sub(PAD);
            for (kx, dst) in row.chunks_exact_mut(cin).enumerate() {
                let ix = (ox + kx).wrapping_sub(PAD);
                if iy < s && ix < s {
                    dst.copy_from_slice(&x[(iy * s + ix) * cin..][..cin]);
                } else {
                    dst.fill(0.0);
                }
            }
        }
    }
}

/// The adjoint of [`im2col`]: adds every patch element back onto its input pixel.
fn col2im_add(c: Conv, cols: &[f32], dx: &mut [f32]) {
    let (s, cin) = (c.side, c.cin);
    for (p, patch) in cols.chunks_exact(c.k()).enumerate() {
        let (oy, ox) = (p / s, p % s);
        for (ky, row) in patch.chunks_exact(KSIZE * cin).enumerate() {
            let iy = (oy + ky).wrapping_sub(PAD);
            if iy >= s {
                continue;
            }
            for (kx, src) in row.chunks_exact(cin).enumerate() {
                let ix = (ox + kx).wrapping_sub(PAD);
                if ix < s {
                    let dst = &mut dx[(iy * s + ix) * cin..][..cin];
                    dst.iter_mut().zip(src).for_each(|(d, v)| *d += v);
                }
            }
        }
    }
}

/// `y = relu(conv(x, w) + b)` over the batch, one image's patches at a time.
fn conv_forward(c: Conv, x: &[f32], w: &[f32], b: &[f32], cols: &mut [f32], y: &mut [f32]) {
    let (pos, k) = (c.positions(), c.k());
    for (xi, yi) in x
        .chunks_exact(c.input_len())
        .zip(y.chunks_exact_mut(c.output_len()))
    {
        im2col(c, xi, cols);
        gemm(cols, Op::n(pos, k), w, Op::n(k, c.cout), 0.0, yi);
    }
    for row in y.chunks_exact_mut(c.cout) {
        for (v, b) in row.iter_mut().zip(b) {
            *v = (*v + b).max(0.0);
        }
    }
}

/// The filter gradient `dw = sum over images of colsᵀ · dy` and, when `dx` is given,
/// the input gradient `dx = col2im(dy · wᵀ)`.
fn conv_backward(
    c: Conv,
    x: &[f32],
    w: &[f32],
    dy: &[f32],
    cols: &mut [f32],
    dw: &mut [f32],
    mut dx: Option<&mut [f32]>,
) {
    let (pos, k, oc) = (c.positions(), c.k(), c.cout);
    let images = x
        .chunks_exact(c.input_len())
        .zip(dy.chunks_exact(c.output_len()));
    for (img, (xi, dyi)) in images.enumerate() {
        im2col(c, xi, cols);
        let beta = if img == 0 { 0.0 } else { 1.0 };
        gemm(cols, Op::t(pos, k), dyi, Op::n(pos, oc), beta, dw);
        if let Some(dx) = dx.as_deref_mut() {
            gemm(dyi, Op::n(pos, oc), w, Op::t(k, oc), 0.0, cols);
            let dxi = &mut dx[img * c.input_len()..][..c.input_len()];
            dxi.fill(0.0);
            col2im_add(c, cols, dxi);
        }
    }
}

/// 2x2 stride-2 max-pool of `side x side x ch` images; `arg` gets the index in `x` of
/// each output's maximum (the first one on ties).
fn max_pool(side: usize, ch: usize, x: &[f32], y: &mut [f32], arg: &mut [u32]) {
    let half = side / 2;
    let mut out = y.iter_mut().zip(arg.iter_mut());
    for img in 0..x.len() / (side * side * ch) {
        for oy in 0..half {
            for ox in 0..half {
                let corner = ((img * side + 2 * oy) * side + 2 * ox) * ch;
                for c in 0..ch {
                    let mut best = corner + c;
                    for at in [ch, side * ch, (side + 1) * ch] {
                        if x[corner + c + at] > x[best] {
                            best = corner + c + at;
                        }
                    }
                    let (y, a) = out.next().expect("y and arg sized for the pool");
                    *y = x[best];
                    *a = best as u32;
                }
            }
        }
    }
}

/// The gradient of [`max_pool`] (windows do not overlap), then of the ReLU before it:
/// `dx` is zero except at each window's maximum where that is positive.
fn max_pool_relu_backward(dy: &[f32], arg: &[u32], relu_out: &[f32], dx: &mut [f32]) {
    dx.fill(0.0);
    for (d, &a) in dy.iter().zip(arg) {
        let a = a as usize;
        if relu_out[a] > 0.0 {
            dx[a] = *d;
        }
    }
}

/// The CNN with its buffers for one batch size.
pub struct Cnn {
    pub params: CnnParams,
    grads: CnnParams,
    lr: f32,
    /// Patches of one image for each convolution (reused as their gradient).
    cols: [Vec<f32>; 2],
    /// ReLU outputs of the convolutions.
    act: [Vec<f32>; 2],
    /// Pool outputs and their maxima's indices.
    pool: [Vec<f32>; 2],
    arg: [Vec<u32>; 2],
    logits: Vec<f32>,
    /// Gradients of the loss with respect to the logits, the pool outputs and the
    /// convolutions' pre-activations.
    dlogits: Vec<f32>,
    dpool: [Vec<f32>; 2],
    dact: [Vec<f32>; 2],
}

impl Cnn {
    pub fn new(params: CnnParams, batch: usize, lr: f32) -> Cnn {
        let convs = [CONV1, CONV2];
        let act = convs.map(|c| vec![0.0; batch * c.output_len()]);
        let pooled = convs.map(|c| batch * c.output_len() / 4);
        Cnn {
            params,
            grads: CnnParams::zeros(),
            lr,
            cols: convs.map(|c| vec![0.0; c.positions() * c.k()]),
            dact: act.clone(),
            act,
            pool: pooled.map(|n| vec![0.0; n]),
            arg: pooled.map(|n| vec![0; n]),
            dpool: pooled.map(|n| vec![0.0; n]),
            logits: vec![0.0; batch * CLASSES],
            dlogits: vec![0.0; batch * CLASSES],
        }
    }

    /// Back to `params`.
    pub fn reset(&mut self, params: &CnnParams) {
        for (w, p) in self.params.t.iter_mut().zip(&params.t) {
            w.copy_from_slice(p);
        }
    }

    /// The logits of `x` (`batch x 28 x 28 x 1`).
    fn forward(&mut self, x: &[f32]) {
        let [w1, b1, w2, b2, wd, bd] = &self.params.t;
        let [a1, a2] = &mut self.act;
        let [p1, p2] = &mut self.pool;
        let [arg1, arg2] = &mut self.arg;
        let [cols1, cols2] = &mut self.cols;
        conv_forward(CONV1, x, w1, b1, cols1, a1);
        max_pool(CONV1.side, CONV1.cout, a1, p1, arg1);
        conv_forward(CONV2, p1, w2, b2, cols2, a2);
        max_pool(CONV2.side, CONV2.cout, a2, p2, arg2);
        let batch = self.logits.len() / CLASSES;
        gemm(
            p2,
            Op::n(batch, FLAT),
            wd,
            Op::n(FLAT, CLASSES),
            0.0,
            &mut self.logits,
        );
        for row in self.logits.chunks_exact_mut(CLASSES) {
            row.iter_mut().zip(bd).for_each(|(v, b)| *v += b);
        }
    }

    /// The loss of one batch, without training; leaves its gradient with respect to
    /// the logits in `dlogits`.
    pub fn loss(&mut self, x: &[f32], y: &[i32]) -> f32 {
        self.forward(x);
        sparse_xent(&self.logits, y, CLASSES, &mut self.dlogits)
    }

    /// One SGD step; returns the loss before the update.
    pub fn train_step(&mut self, x: &[f32], y: &[i32]) -> f32 {
        let loss = self.loss(x, y);
        self.backward(x);
        for (w, g) in self.params.t.iter_mut().zip(&self.grads.t) {
            w.iter_mut().zip(g).for_each(|(w, g)| *w -= self.lr * g);
        }
        loss
    }

    fn backward(&mut self, x: &[f32]) {
        let [w1, _, w2, _, wd, _] = &self.params.t;
        let [dw1, db1, dw2, db2, dwd, dbd] = &mut self.grads.t;
        let [a1, a2] = &self.act;
        let [p1, p2] = &self.pool;
        let [arg1, arg2] = &self.arg;
        let [cols1, cols2] = &mut self.cols;
        let [dp1, dp2] = &mut self.dpool;
        let [da1, da2] = &mut self.dact;
        let batch = self.dlogits.len() / CLASSES;
        let dl = &self.dlogits;
        gemm(p2, Op::t(batch, FLAT), dl, Op::n(batch, CLASSES), 0.0, dwd);
        col_sums(dl, dbd);
        gemm(
            dl,
            Op::n(batch, CLASSES),
            wd,
            Op::t(FLAT, CLASSES),
            0.0,
            dp2,
        );
        max_pool_relu_backward(dp2, arg2, a2, da2);
        col_sums(da2, db2);
        conv_backward(CONV2, p1, w2, da2, cols2, dw2, Some(dp1));
        max_pool_relu_backward(dp1, arg1, a1, da1);
        col_sums(da1, db1);
        conv_backward(CONV1, x, w1, da1, cols1, dw1, None);
    }
}
