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

/// One op of the set, with its static attributes.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// A constant; its shape is the node's static shape.
    Const(ConstValue),
    /// A value fed at run time.
    Placeholder,
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
