//! Kernels: one function per op family over row-major slices.
//!
//! [`compute`] runs one node's op into its output [`Buffer`], reusing the buffer's
//! capacity so that a steady-state run allocates nothing; [`assign()`] updates a
//! variable's storage and [`apply()`] runs an optimizer update of a variable and its
//! slots in place. Every input is checked (count, dtype, shape, element count) before
//! it is read: bad inputs give a [`KernelError`], never a panic.
//!
//! One family per file: `unary`, `binary` (broadcasting), `add_n`, `matmul` (with
//! `matmul/gemm`), `reduce` (with `reduce/plan`), `argmax`, `softmax` (softmax,
//! log-softmax and their gradients), `transpose`, `array` (const, reshape, concat),
//! `cast` (cast, fill, ones-like), `linalg` (matrix inverse), `random` (with `philox`),
//! `dropout`, `assign` and `optim` (the `Apply*` updates). Gradients: `unary_grad`,
//! `binary_grad`, `reduce_grad` (reduction gradients and sums back to a broadcast
//! input's shape), `concat_grad`, `bias` (BiasAdd and its gradient); losses: `xent`
//! (softmax cross entropy, dense and sparse) and `loss` (sigmoid cross entropy, L2).
//! Window ops (NHWC): `conv` (Conv2D and its two gradients, im2col + gemm) and `pool`
//! (max and average pooling and their gradients), over the geometry of `window`.
//! `layout` holds the shared stride arithmetic, `num` the per-dtype scalar semantics
//! and `vmath` the vectorised f32 `exp`/`tanh` and the AVX2 dispatch (the only
//! ISA-specific code).

mod add_n;
mod argmax;
mod array;
mod assign;
mod bias;
mod binary;
mod binary_grad;
mod cast;
mod concat_grad;
mod context;
mod conv;
mod dropout;
mod error;
mod layout;
mod linalg;
mod loss;
mod matmul;
mod num;
mod optim;
pub(crate) mod packed;
mod philox;
mod pool;
mod random;
mod reduce;
mod reduce_grad;
mod softmax;
#[cfg(test)]
mod testutil;
mod transpose;
mod unary;
mod unary_grad;
mod vmath;
mod window;
mod xent;

pub(crate) use assign::assign;
pub(crate) use context::KernelContext;
pub(crate) use error::KernelError;
// The session's Apply step that calls this is being written alongside.
pub(crate) use optim::apply;
pub(crate) use random::RngState;

use crate::tensor::{Buffer, Element, TensorView};
use staticflow_ir::{DType, Dim, Op};

/// The highest rank the strided kernels (broadcast, transpose, reduce) accept; their
/// index arithmetic lives in fixed arrays of this size.
pub(crate) const MAX_RANK: usize = 8;

/// Result of a kernel.
pub(crate) type Result<T = ()> = std::result::Result<T, KernelError>;

/// `relu(x + b)` for the inputs `[x, b]` of a `BiasAdd` whose only reader is a `Relu`
/// (the plan's fusion), checked as `BiasAdd` checks them.
///
/// # Errors
/// As `BiasAdd`.
pub(crate) fn bias_add_relu(inputs: &[TensorView<'_>], out: &mut Buffer) -> Result {
    for (index, x) in inputs.iter().enumerate() {
        check_view("BiasAdd", index, x)?;
    }
    let [x, b] = exactly("BiasAdd", inputs)?;
    bias::bias_add_relu(*x, *b, out)
}

/// [`compute_with`] on a fresh single-threaded context (kernel tests).
#[cfg(test)]
pub(crate) fn compute(
    op: &Op,
    dtype: DType,
    static_shape: &[Dim],
    inputs: &[TensorView<'_>],
    out: &mut Buffer,
    rng: Option<&mut RngState>,
) -> Result {
    compute_with(
        op,
        dtype,
        static_shape,
        inputs,
        out,
        rng,
        &mut KernelContext::default(),
    )
}

/// Computes one node's output into `out`, reusing its capacity; matmul and convolution
/// use `ctx`'s thread pool and packing scratch.
///
/// `dtype` is the node's output dtype (used by Cast, Fill, Random and Const);
/// `static_shape` its static shape (fully known for Random, Fill and Const); `rng` is
/// `Some` for [`Op::Random`] and [`Op::DropoutMask`] only.
///
/// # Errors
/// A [`KernelError`] when the inputs do not fit the op (count, dtype, shape), when the
/// op fails at run time (singular matrix, bad reshape, label out of range), or when the
/// op is one the executor runs itself (Placeholder, Variable, Assign, NoOp, and Apply,
/// which goes through [`apply()`]).
pub(crate) fn compute_with(
    op: &Op,
    dtype: DType,
    static_shape: &[Dim],
    inputs: &[TensorView<'_>],
    out: &mut Buffer,
    rng: Option<&mut RngState>,
    ctx: &mut KernelContext,
) -> Result {
    let name = op.tf_type();
    for (index, x) in inputs.iter().enumerate() {
        check_view(name, index, x)?;
    }
    match op {
        Op::Const(value) => array::constant(value, static_shape, out),
        Op::Identity | Op::StopGradient | Op::PlaceholderWithDefault => {
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
            matmul::matmul(*a, *b, *transpose_a, *transpose_b, out, ctx)
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
        Op::OnesLike => {
            let [x] = exactly(name, inputs)?;
            cast::ones_like(*x, out)
        }
        Op::SumToShape => {
            let [g, x] = exactly(name, inputs)?;
            reduce_grad::sum_to_shape(*g, *x, out)
        }
        Op::ReshapeLike => {
            let [g, x] = exactly(name, inputs)?;
            array::reshape_like(*g, *x, out)
        }
        Op::UnaryGrad(u) => {
            let [x, y, dy] = exactly(name, inputs)?;
            unary_grad::unary_grad(*u, name, *x, *y, *dy, out)
        }
        Op::BinaryGrad { op, wrt } => {
            let [x, y, dz] = exactly(name, inputs)?;
            binary_grad::binary_grad(*op, *wrt, name, *x, *y, *dz, out)
        }
        Op::ReduceGrad {
            kind,
            axes,
            keep_dims,
        } => {
            let [x, y, dy] = exactly(name, inputs)?;
            let forward = reduce_grad::Forward {
                kind: *kind,
                axes,
                keep_dims: *keep_dims,
            };
            reduce_grad::reduce_grad(&forward, name, *x, *y, *dy, out)
        }
        Op::SoftmaxGrad => {
            let [y, dy] = exactly(name, inputs)?;
            softmax::softmax_grad(*y, *dy, out)
        }
        Op::LogSoftmax => {
            let [x] = exactly(name, inputs)?;
            softmax::log_softmax(*x, out)
        }
        Op::LogSoftmaxGrad => {
            let [y, dy] = exactly(name, inputs)?;
            softmax::log_softmax_grad(*y, *dy, out)
        }
        Op::ConcatGrad { axis, index } => concat_grad::concat_grad(inputs, *axis, *index, out),
        Op::BiasAdd => {
            let [x, b] = exactly(name, inputs)?;
            bias::bias_add(*x, *b, out)
        }
        Op::BiasAddGrad => {
            let [dy] = exactly(name, inputs)?;
            bias::bias_add_grad(*dy, out)
        }
        Op::SoftmaxCrossEntropy => {
            let [logits, labels] = exactly(name, inputs)?;
            xent::softmax_xent(*logits, *labels, out)
        }
        Op::SoftmaxCrossEntropyGrad => {
            let [logits, labels, dloss] = exactly(name, inputs)?;
            xent::softmax_xent_grad(*logits, *labels, *dloss, out)
        }
        Op::SparseSoftmaxCrossEntropy => {
            let [logits, labels] = exactly(name, inputs)?;
            xent::sparse_xent(*logits, *labels, out)
        }
        Op::SparseSoftmaxCrossEntropyGrad => {
            let [logits, labels, dloss] = exactly(name, inputs)?;
            xent::sparse_xent_grad(*logits, *labels, *dloss, out)
        }
        Op::SigmoidCrossEntropy => {
            let [logits, labels] = exactly(name, inputs)?;
            loss::sigmoid_xent(*logits, *labels, out)
        }
        Op::SigmoidCrossEntropyGrad => {
            let [logits, labels, dloss] = exactly(name, inputs)?;
            loss::sigmoid_xent_grad(*logits, *labels, *dloss, out)
        }
        Op::L2Loss => {
            let [x] = exactly(name, inputs)?;
            loss::l2_loss(*x, out)
        }
        Op::DropoutMask { rate, .. } => {
            let [x] = exactly(name, inputs)?;
            let rng = rng.ok_or(KernelError::MissingRng { op: name })?;
            dropout::dropout_mask(*rate, *x, rng, out)
        }
        Op::Conv2D { strides, padding } => {
            let [x, f] = exactly(name, inputs)?;
            conv::conv2d(*x, *f, *strides, *padding, out, ctx)
        }
        Op::Conv2DBackpropInput { strides, padding } => {
            let [x, f, dy] = exactly(name, inputs)?;
            conv::conv2d_backprop_input(*x, *f, *dy, *strides, *padding, out, ctx)
        }
        Op::Conv2DBackpropFilter { strides, padding } => {
            let [x, f, dy] = exactly(name, inputs)?;
            conv::conv2d_backprop_filter(*x, *f, *dy, *strides, *padding, out, ctx)
        }
        Op::MaxPool {
            ksize,
            strides,
            padding,
        }
        | Op::AvgPool {
            ksize,
            strides,
            padding,
        } => {
            let [x] = exactly(name, inputs)?;
            let kind = if matches!(op, Op::MaxPool { .. }) {
                pool::Kind::Max
            } else {
                pool::Kind::Avg
            };
            let p = pool::Pool {
                ksize: *ksize,
                strides: *strides,
                padding: *padding,
            };
            pool::pool(kind, &p, *x, out)
        }
        Op::MaxPoolGrad {
            ksize,
            strides,
            padding,
        } => {
            let [x, y, dy] = exactly(name, inputs)?;
            let p = pool::Pool {
                ksize: *ksize,
                strides: *strides,
                padding: *padding,
            };
            pool::max_pool_grad(&p, *x, *y, *dy, out)
        }
        Op::AvgPoolGrad {
            ksize,
            strides,
            padding,
        } => {
            let [x, dy] = exactly(name, inputs)?;
            let p = pool::Pool {
                ksize: *ksize,
                strides: *strides,
                padding: *padding,
            };
            pool::avg_pool_grad(&p, *x, *dy, out)
        }
        Op::Placeholder
        | Op::Variable { .. }
        | Op::Assign { .. }
        | Op::NoOp
        | Op::ScalarSummary { .. }
        | Op::HistogramSummary { .. }
        | Op::MergeSummary
        | Op::Apply(_) => Err(KernelError::ExecutorOp { op: name }),
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

/// Input counts in words, for [`KernelError::InputCount`].
const COUNTS: [&str; 11] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"];

/// `n` in words, for [`KernelError::InputCount`].
fn count_text(n: usize) -> &'static str {
    COUNTS.get(n).copied().unwrap_or("more")
}

/// The inputs as an array of exactly `N`.
fn exactly<'s, 'a, const N: usize>(
    op: &'static str,
    inputs: &'s [TensorView<'a>],
) -> Result<&'s [TensorView<'a>; N]> {
    inputs.try_into().map_err(|_| KernelError::InputCount {
        op,
        expected: count_text(N),
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

/// Input `index` as a slice of `T`, or [`KernelError::DtypeMismatch`].
fn typed<'a, T: Element>(op: &'static str, index: usize, x: TensorView<'a>) -> Result<&'a [T]> {
    T::slice(x.data).ok_or(KernelError::DtypeMismatch {
        op,
        index,
        expected: T::DTYPE,
        got: x.dtype(),
    })
}

/// Fails with [`KernelError::ShapeMismatch`] unless input `index` has shape `expected`.
fn same_shape(op: &'static str, index: usize, expected: &[usize], got: &[usize]) -> Result {
    if expected == got {
        Ok(())
    } else {
        Err(KernelError::ShapeMismatch {
            op,
            index,
            expected: expected.to_vec(),
            got: got.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests;
