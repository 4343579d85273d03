//! The op set: one variant per TF op, carrying its static attributes.

use crate::{ConstValue, DType};
use std::borrow::Cow;

/// Elementwise ops of one input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `x * x`
    Square,
    /// `sqrt(x)`
    Sqrt,
    /// `exp(x)`
    Exp,
    /// `log(x)`
    Log,
    /// `|x|`
    Abs,
    /// `max(x, 0)`
    Relu,
    /// `1 / (1 + exp(-x))`
    Sigmoid,
    /// `tanh(x)`
    Tanh,
}

impl UnaryOp {
    /// TF's op type.
    pub fn tf_type(self) -> &'static str {
        match self {
            UnaryOp::Neg => "Neg",
            UnaryOp::Square => "Square",
            UnaryOp::Sqrt => "Sqrt",
            UnaryOp::Exp => "Exp",
            UnaryOp::Log => "Log",
            UnaryOp::Abs => "Abs",
            UnaryOp::Relu => "Relu",
            UnaryOp::Sigmoid => "Sigmoid",
            UnaryOp::Tanh => "Tanh",
        }
    }

    /// True when TF defines the op on floats only.
    pub fn float_only(self) -> bool {
        matches!(
            self,
            UnaryOp::Sqrt | UnaryOp::Exp | UnaryOp::Log | UnaryOp::Sigmoid | UnaryOp::Tanh
        )
    }
}

/// Elementwise ops of two inputs, with NumPy broadcasting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `a + b` (TF type `AddV2`).
    AddV2,
    /// `tf.add(a, b)` (TF type `Add`).
    Add,
    /// `a - b`
    Sub,
    /// `a * b`
    Mul,
    /// `a / b` on floats (TF type `RealDiv`).
    RealDiv,
    /// `a ** b`
    Pow,
    /// `max(a, b)`
    Maximum,
    /// `min(a, b)`
    Minimum,
    /// `a == b`, a bool result.
    Equal,
}

impl BinaryOp {
    /// TF's op type.
    pub fn tf_type(self) -> &'static str {
        match self {
            BinaryOp::AddV2 => "AddV2",
            BinaryOp::Add => "Add",
            BinaryOp::Sub => "Sub",
            BinaryOp::Mul => "Mul",
            BinaryOp::RealDiv => "RealDiv",
            BinaryOp::Pow => "Pow",
            BinaryOp::Maximum => "Maximum",
            BinaryOp::Minimum => "Minimum",
            BinaryOp::Equal => "Equal",
        }
    }
}

/// Which reduction a [`Op::Reduce`] computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReduceKind {
    /// `reduce_sum`
    Sum,
    /// `reduce_mean`
    Mean,
    /// `reduce_max`
    Max,
}

/// The distribution of a random op. Parameters `a`, `b` of [`Op::Random`] are
/// (min, max) for uniform and (mean, stddev) for the normals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RandomDist {
    /// `random_uniform`
    Uniform,
    /// `random_normal`
    Normal,
    /// `truncated_normal`: normal values more than two stddevs from the mean are redrawn.
    TruncatedNormal,
}

/// How an assignment combines the new value with the old.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AssignMode {
    /// `assign`
    Set,
    /// `assign_add`
    Add,
    /// `assign_sub`
    Sub,
}

/// The update an [`Op::Apply`] performs: TF's `Apply*` training ops.
///
/// Inputs follow TF's argument order: the variable and its slots (refs) first, then
/// the hyperparameters and the gradient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ApplyKind {
    /// `(var, lr, grad)`: `var -= lr * grad`.
    GradientDescent,
    /// `(var, accum, lr, grad, momentum)`.
    Momentum {
        /// Nesterov momentum.
        nesterov: bool,
    },
    /// `(var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad)`.
    Adam,
    /// `(var, ms, mom, lr, rho, momentum, epsilon, grad)`.
    RMSProp,
    /// `(var, accum, lr, grad)`.
    Adagrad,
}

impl ApplyKind {
    /// TF's op type.
    pub fn tf_type(self) -> &'static str {
        match self {
            ApplyKind::GradientDescent => "ApplyGradientDescent",
            ApplyKind::Momentum { .. } => "ApplyMomentum",
            ApplyKind::Adam => "ApplyAdam",
            ApplyKind::RMSProp => "ApplyRMSProp",
            ApplyKind::Adagrad => "ApplyAdagrad",
        }
    }

    /// How many leading inputs are variables updated in place (the variable, its slots).
    pub fn num_refs(self) -> usize {
        match self {
            ApplyKind::GradientDescent => 1,
            ApplyKind::Momentum { .. } | ApplyKind::Adagrad => 2,
            ApplyKind::Adam | ApplyKind::RMSProp => 3,
        }
    }

    /// How many inputs the op takes in all.
    pub fn num_inputs(self) -> usize {
        match self {
            ApplyKind::GradientDescent => 3,
            ApplyKind::Momentum { .. } => 5,
            ApplyKind::Adam => 10,
            ApplyKind::RMSProp => 8,
            ApplyKind::Adagrad => 4,
        }
    }

    /// The index of the gradient among the inputs.
    pub fn grad_index(self) -> usize {
        match self {
            ApplyKind::GradientDescent => 2,
            ApplyKind::Momentum { .. } => 3,
            ApplyKind::Adam => 9,
            ApplyKind::RMSProp => 7,
            ApplyKind::Adagrad => 3,
        }
    }
}

/// How a window op (convolution, pooling) covers its input: TF's `padding` attr.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Padding {
    /// `"SAME"`: `ceil(input / stride)` outputs, zeros (or nothing, for pooling) padded
    /// around the input, the odd one after.
    Same,
    /// `"VALID"`: only windows that lie inside the input.
    Valid,
}

/// One spatial dim of a window op: how many outputs, and how much padding comes before
/// the input (the rest comes after).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Output size along the dim.
    pub output: usize,
    /// Padding before the input along the dim.
    pub pad_before: usize,
}

/// Why a window op's output size cannot be computed; `Display` gives TF's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowError {
    /// A stride of 0.
    ZeroStride,
    /// A pooling window of size 0 along NHWC dim `dim`.
    ZeroKsize {
        /// The NHWC dim (1 for rows, 2 for columns).
        dim: usize,
    },
    /// A `VALID` window larger than the input (by more than the stride).
    Negative {
        /// The computed output size, below 0.
        output: i64,
        /// The input size.
        input: usize,
        /// The window (filter) size.
        window: usize,
        /// The stride.
        stride: usize,
    },
}

impl std::fmt::Display for WindowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WindowError::ZeroStride => write!(f, "Stride must be > 0, but got 0"),
            WindowError::ZeroKsize { dim } => {
                write!(f, "Sliding window ksize for dimension {dim} was zero.")
            }
            WindowError::Negative {
                output,
                input,
                window,
                stride,
            } => write!(
                f,
                "Computed output size would be negative: {output} [input_size: {input}, effective_filter_size: {window}, stride: {stride}]"
            ),
        }
    }
}

impl std::error::Error for WindowError {}

impl Padding {
    /// TF's attr value: `"SAME"` or `"VALID"`.
    pub fn tf_name(self) -> &'static str {
        match self {
            Padding::Same => "SAME",
            Padding::Valid => "VALID",
        }
    }

    /// The output size and leading padding of one spatial dim, as TF's
    /// `GetWindowedOutputSize` computes them: `VALID` gives
    /// `(input - window + stride) / stride` (truncating, as C++ does, so a window larger
    /// than the input by less than the stride gives 0), `SAME` gives
    /// `ceil(input / stride)` with `max((output - 1) * stride + window - input, 0)`
    /// padding, half of it (rounded down) before.
    ///
    /// # Errors
    /// [`WindowError::ZeroStride`], or [`WindowError::Negative`] for a `VALID` window
    /// that does not fit.
    pub fn window(self, input: usize, window: usize, stride: usize) -> Result<Window, WindowError> {
        if stride == 0 {
            return Err(WindowError::ZeroStride);
        }
        // i128 holds every usize difference exactly, so nothing here can overflow.
        let (i, k, s) = (input as i128, window as i128, stride as i128);
        match self {
            Padding::Valid => {
                let output = (i - k + s) / s;
                if output < 0 {
                    return Err(WindowError::Negative {
                        output: i64::try_from(output).unwrap_or(i64::MIN),
                        input,
                        window,
                        stride,
                    });
                }
                Ok(Window {
                    output: output as usize,
                    pad_before: 0,
                })
            }
            Padding::Same => {
                let output = (i + s - 1) / s;
                let needed = ((output - 1) * s + k - i).max(0);
                // Both fit: output <= input, and needed < window (output - 1 < input / s).
                Ok(Window {
                    output: output as usize,
                    pad_before: (needed / 2) as usize,
                })
            }
        }
    }
}

/// One op of the set, with its static attributes.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// A constant; its shape is the node's static shape.
    Const(ConstValue),
    /// A value fed at run time.
    Placeholder,
    /// `(default)`: a placeholder that reads its input when nothing is fed.
    PlaceholderWithDefault,
    /// A variable: state held by the session in slot `slot`.
    Variable {
        /// Index of the variable's storage in a session.
        slot: u32,
    },
    /// Writes input 1 into the variable of input 0; outputs the new value.
    Assign {
        /// The variable's storage slot.
        slot: u32,
        /// Set, add or subtract.
        mode: AssignMode,
    },
    /// Passes its input through.
    Identity,
    /// An elementwise op of one input.
    Unary(UnaryOp),
    /// An elementwise op of two inputs, broadcasting.
    Binary(BinaryOp),
    /// Matrix product of two rank-2 tensors.
    MatMul {
        /// Use the transpose of input 0.
        transpose_a: bool,
        /// Use the transpose of input 1.
        transpose_b: bool,
    },
    /// Permutes the dims.
    Transpose {
        /// Output dim `i` is input dim `perm[i]`.
        perm: Cow<'static, [usize]>,
    },
    /// Reshapes to `shape`, where one `-1` is inferred.
    Reshape {
        /// The target shape as written.
        shape: Cow<'static, [i64]>,
    },
    /// Concatenates its inputs along `axis`.
    Concat {
        /// The axis, already made non-negative.
        axis: usize,
    },
    /// Inverse of a square matrix.
    MatrixInverse,
    /// A reduction over `axes`.
    Reduce {
        /// Sum, mean or max.
        kind: ReduceKind,
        /// The reduced axes, sorted and non-negative.
        axes: Cow<'static, [usize]>,
        /// Keep reduced axes as size 1.
        keep_dims: bool,
    },
    /// Sum of several tensors of one shape.
    AddN,
    /// Softmax over the last axis.
    Softmax,
    /// Converts to another dtype (the node's dtype).
    Cast,
    /// Index of the largest value along `axis` (int64).
    ArgMax {
        /// The axis, non-negative.
        axis: usize,
    },
    /// Random values of the node's static shape.
    Random {
        /// The distribution.
        dist: RandomDist,
        /// The effective graph-level seed (TF's `seed` attr).
        seed: i64,
        /// The effective op-level seed (TF's `seed2` attr).
        seed2: i64,
        /// min (uniform) or mean (normals).
        a: f64,
        /// max (uniform) or stddev (normals).
        b: f64,
    },
    /// A tensor of the node's static shape filled with one value.
    Fill {
        /// The value, cast to the node's dtype.
        value: f64,
    },
    /// Does nothing; runs its control inputs (`group`, initializers).
    NoOp,
    /// Ones of its input's run-time shape (default `grad_ys`).
    OnesLike,
    /// Passes its input through and blocks gradients.
    StopGradient,
    /// `(grad, x)`: sums a broadcast gradient back to `x`'s run-time shape.
    SumToShape,
    /// `(grad, x)`: reshapes a gradient to `x`'s run-time shape.
    ReshapeLike,
    /// `(x, y, dy)`: the gradient of a unary op, given its input and output.
    UnaryGrad(UnaryOp),
    /// `(x, y, dz)`: the gradient of a binary op with respect to input `wrt`, at the
    /// broadcast shape (reduced afterwards by [`Op::SumToShape`]).
    BinaryGrad {
        /// The forward op (RealDiv, Pow, Maximum, Minimum).
        op: BinaryOp,
        /// 0 for `x`, 1 for `y`.
        wrt: u8,
    },
    /// `(x, y, dy)`: the gradient of a reduction.
    ReduceGrad {
        /// The forward reduction.
        kind: ReduceKind,
        /// Its axes.
        axes: Cow<'static, [usize]>,
        /// Its keep_dims.
        keep_dims: bool,
    },
    /// `(y, dy)`: the gradient of softmax given its output.
    SoftmaxGrad,
    /// Log-softmax over the last axis.
    LogSoftmax,
    /// `(y, dy)`: the gradient of log-softmax given its output.
    LogSoftmaxGrad,
    /// `(dy, x_0, .., x_n)`: the slice of a concat's gradient for input `index`.
    ConcatGrad {
        /// The concat axis.
        axis: usize,
        /// Which input.
        index: usize,
    },
    /// `(x, bias)`: adds a rank-1 bias along the last axis.
    BiasAdd,
    /// `(dy)`: sums over every axis but the last.
    BiasAddGrad,
    /// `(logits, labels)`: per-row softmax cross entropy of rank-2 inputs.
    SoftmaxCrossEntropy,
    /// `(logits, labels, dloss)`.
    SoftmaxCrossEntropyGrad,
    /// `(logits, labels)`: labels are class indices (int32/int64).
    SparseSoftmaxCrossEntropy,
    /// `(logits, labels, dloss)`.
    SparseSoftmaxCrossEntropyGrad,
    /// `(logits, labels)`: elementwise, numerically stable.
    SigmoidCrossEntropy,
    /// `(logits, labels, dloss)`.
    SigmoidCrossEntropyGrad,
    /// `sum(x ** 2) / 2`.
    L2Loss,
    /// `(x)`: a random mask of `x`'s shape, 0 with probability `rate`, else `1 / (1 - rate)`.
    DropoutMask {
        /// The drop probability.
        rate: f64,
        /// Graph-level seed.
        seed: i64,
        /// Op-level seed.
        seed2: i64,
    },
    /// `(input, filter)`: 2-D convolution (cross-correlation, as TF's) of an NHWC
    /// `[N, H, W, C]` input with a `[KH, KW, C, OC]` filter; `[N, OH, OW, OC]`.
    Conv2D {
        /// Strides along (rows, columns).
        strides: [usize; 2],
        /// SAME or VALID.
        padding: Padding,
    },
    /// `(input, filter, dy)`: the gradient of [`Op::Conv2D`] with respect to its input,
    /// of the input's shape (TF passes the input's shape; staticflow passes the input).
    Conv2DBackpropInput {
        /// The forward op's strides.
        strides: [usize; 2],
        /// The forward op's padding.
        padding: Padding,
    },
    /// `(input, filter, dy)`: the gradient of [`Op::Conv2D`] with respect to its
    /// filter, of the filter's shape (the filter is passed for its shape only).
    Conv2DBackpropFilter {
        /// The forward op's strides.
        strides: [usize; 2],
        /// The forward op's padding.
        padding: Padding,
    },
    /// `(x)`: the maximum over each `ksize` window of an NHWC input, per channel.
    MaxPool {
        /// Window size along (rows, columns).
        ksize: [usize; 2],
        /// Strides along (rows, columns).
        strides: [usize; 2],
        /// SAME or VALID (SAME pads with nothing: padding never wins).
        padding: Padding,
    },
    /// `(x, y, dy)`: the gradient of [`Op::MaxPool`]: each `dy` goes to the first
    /// maximum (row-major) of its window in `x`, as TF's CPU kernel does.
    MaxPoolGrad {
        /// The forward op's ksize.
        ksize: [usize; 2],
        /// The forward op's strides.
        strides: [usize; 2],
        /// The forward op's padding.
        padding: Padding,
    },
    /// `(x)`: the mean over each `ksize` window of an NHWC input, per channel; SAME
    /// windows average over the elements inside the input only.
    AvgPool {
        /// Window size along (rows, columns).
        ksize: [usize; 2],
        /// Strides along (rows, columns).
        strides: [usize; 2],
        /// SAME or VALID.
        padding: Padding,
    },
    /// `(x, dy)`: the gradient of [`Op::AvgPool`] (TF passes `x`'s shape; staticflow
    /// passes `x`): each `dy` spread evenly over its window's elements inside `x`.
    AvgPoolGrad {
        /// The forward op's ksize.
        ksize: [usize; 2],
        /// The forward op's strides.
        strides: [usize; 2],
        /// The forward op's padding.
        padding: Padding,
    },
    /// An optimizer update of a variable and its slots, in place.
    Apply(ApplyKind),
    /// `(x)`: a serialized `Summary` with one scalar value tagged `tag`.
    ScalarSummary {
        /// The tag TensorBoard shows (the op's name, scope included).
        tag: Cow<'static, str>,
    },
    /// `(x)`: a serialized `Summary` with a histogram of `x`'s values.
    HistogramSummary {
        /// The tag TensorBoard shows.
        tag: Cow<'static, str>,
    },
    /// `(s_0, .., s_n)`: the summaries merged into one serialized `Summary`.
    MergeSummary,
}

impl Op {
    /// TF's op type name, as `get_operations()` and GraphDef show it.
    pub fn tf_type(&self) -> &'static str {
        match self {
            Op::Const(_) => "Const",
            Op::Placeholder => "Placeholder",
            Op::PlaceholderWithDefault => "PlaceholderWithDefault",
            Op::Variable { .. } => "VariableV2",
            Op::Assign { mode, .. } => match mode {
                AssignMode::Set => "Assign",
                AssignMode::Add => "AssignAdd",
                AssignMode::Sub => "AssignSub",
            },
            Op::Identity => "Identity",
            Op::Unary(u) => u.tf_type(),
            Op::Binary(b) => b.tf_type(),
            Op::MatMul { .. } => "MatMul",
            Op::Transpose { .. } => "Transpose",
            Op::Reshape { .. } => "Reshape",
            Op::Concat { .. } => "ConcatV2",
            Op::MatrixInverse => "MatrixInverse",
            Op::Reduce { kind, .. } => match kind {
                ReduceKind::Sum => "Sum",
                ReduceKind::Mean => "Mean",
                ReduceKind::Max => "Max",
            },
            Op::AddN => "AddN",
            Op::Softmax => "Softmax",
            Op::Cast => "Cast",
            Op::ArgMax { .. } => "ArgMax",
            Op::Random { dist, .. } => match dist {
                RandomDist::Uniform => "RandomUniform",
                RandomDist::Normal => "RandomStandardNormal",
                RandomDist::TruncatedNormal => "TruncatedNormal",
            },
            Op::Fill { .. } => "Fill",
            Op::NoOp => "NoOp",
            Op::OnesLike => "OnesLike",
            Op::StopGradient => "StopGradient",
            Op::SumToShape => "SumToShape",
            Op::ReshapeLike => "Reshape",
            Op::UnaryGrad(u) => match u {
                UnaryOp::Neg => "NegGrad",
                UnaryOp::Square => "SquareGrad",
                UnaryOp::Sqrt => "SqrtGrad",
                UnaryOp::Exp => "ExpGrad",
                UnaryOp::Log => "LogGrad",
                UnaryOp::Abs => "AbsGrad",
                UnaryOp::Relu => "ReluGrad",
                UnaryOp::Sigmoid => "SigmoidGrad",
                UnaryOp::Tanh => "TanhGrad",
            },
            Op::BinaryGrad { op, .. } => match op {
                BinaryOp::RealDiv => "RealDivGrad",
                BinaryOp::Pow => "PowGrad",
                BinaryOp::Maximum => "MaximumGrad",
                BinaryOp::Minimum => "MinimumGrad",
                _ => "BinaryGrad",
            },
            Op::ReduceGrad { kind, .. } => match kind {
                ReduceKind::Sum => "SumGrad",
                ReduceKind::Mean => "MeanGrad",
                ReduceKind::Max => "MaxGrad",
            },
            Op::SoftmaxGrad => "SoftmaxGrad",
            Op::LogSoftmax => "LogSoftmax",
            Op::LogSoftmaxGrad => "LogSoftmaxGrad",
            Op::ConcatGrad { .. } => "Slice",
            Op::BiasAdd => "BiasAdd",
            Op::BiasAddGrad => "BiasAddGrad",
            Op::SoftmaxCrossEntropy => "SoftmaxCrossEntropyWithLogits",
            Op::SoftmaxCrossEntropyGrad => "SoftmaxCrossEntropyWithLogitsGrad",
            Op::SparseSoftmaxCrossEntropy => "SparseSoftmaxCrossEntropyWithLogits",
            Op::SparseSoftmaxCrossEntropyGrad => "SparseSoftmaxCrossEntropyWithLogitsGrad",
            Op::SigmoidCrossEntropy => "SigmoidCrossEntropyWithLogits",
            Op::SigmoidCrossEntropyGrad => "SigmoidCrossEntropyWithLogitsGrad",
            Op::L2Loss => "L2Loss",
            Op::DropoutMask { .. } => "DropoutMask",
            Op::Conv2D { .. } => "Conv2D",
            Op::Conv2DBackpropInput { .. } => "Conv2DBackpropInput",
            Op::Conv2DBackpropFilter { .. } => "Conv2DBackpropFilter",
            Op::MaxPool { .. } => "MaxPool",
            Op::MaxPoolGrad { .. } => "MaxPoolGrad",
            Op::AvgPool { .. } => "AvgPool",
            Op::AvgPoolGrad { .. } => "AvgPoolGrad",
            Op::Apply(kind) => kind.tf_type(),
            Op::ScalarSummary { .. } => "ScalarSummary",
            Op::HistogramSummary { .. } => "HistogramSummary",
            Op::MergeSummary => "MergeSummary",
        }
    }

    /// False for ops with no output tensor (NoOp).
    pub fn has_output(&self) -> bool {
        !matches!(self, Op::NoOp)
    }

    /// True for ops whose value differs between runs with equal inputs (random ops) or
    /// that change session state.
    pub fn is_stateful(&self) -> bool {
        matches!(
            self,
            Op::Random { .. }
                | Op::DropoutMask { .. }
                | Op::Variable { .. }
                | Op::Assign { .. }
                | Op::Apply(_)
        )
    }

    /// The default name TF gives an op of this kind when none is asked for.
    pub fn default_name(&self) -> &'static str {
        self.tf_type()
    }

    /// True for the summary ops, whose output is a serialized `Summary` (TF's `string`).
    pub fn is_summary(&self) -> bool {
        matches!(
            self,
            Op::ScalarSummary { .. } | Op::HistogramSummary { .. } | Op::MergeSummary
        )
    }

    /// The dtype a `Const` holds, or `None` for other ops.
    pub fn const_dtype(&self) -> Option<DType> {
        match self {
            Op::Const(v) => Some(v.dtype()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_follow_tf() {
        let w = |p: Padding, i, k, s| p.window(i, k, s).map(|w| (w.output, w.pad_before));
        // SAME: ceil(input / stride), half the padding (rounded down) before.
        assert_eq!(w(Padding::Same, 7, 3, 1), Ok((7, 1)));
        assert_eq!(w(Padding::Same, 7, 3, 2), Ok((4, 1)));
        assert_eq!(w(Padding::Same, 4, 2, 2), Ok((2, 0)));
        assert_eq!(w(Padding::Same, 5, 5, 2), Ok((3, 2)));
        assert_eq!(w(Padding::Same, 2, 5, 1), Ok((2, 2)));
        // VALID: windows inside the input; C++'s truncating division.
        assert_eq!(w(Padding::Valid, 7, 3, 2), Ok((3, 0)));
        assert_eq!(w(Padding::Valid, 3, 3, 1), Ok((1, 0)));
        assert_eq!(w(Padding::Valid, 2, 4, 2), Ok((0, 0)));
        let err = Padding::Valid.window(2, 4, 1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Computed output size would be negative: -1 [input_size: 2, effective_filter_size: 4, stride: 1]"
        );
        assert_eq!(
            Padding::Same.window(2, 2, 0).unwrap_err().to_string(),
            "Stride must be > 0, but got 0"
        );
        assert_eq!(
            w(Padding::Valid, 3, usize::MAX, usize::MAX),
            Ok((0, 0)),
            "no overflow on huge attrs"
        );
        assert_eq!(w(Padding::Same, usize::MAX, 3, usize::MAX), Ok((1, 0)));
        assert_eq!(Padding::Same.tf_name(), "SAME");
    }
}
