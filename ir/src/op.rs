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
        }
    }

    /// False for ops with no output tensor (NoOp).
    pub fn has_output(&self) -> bool {
        !matches!(self, Op::NoOp)
    }

    /// The default name TF gives an op of this kind when none is asked for.
    pub fn default_name(&self) -> &'static str {
        self.tf_type()
    }

    /// The dtype a `Const` holds, or `None` for other ops.
    pub fn const_dtype(&self) -> Option<DType> {
        match self {
            Op::Const(v) => Some(v.dtype()),
            _ => None,
        }
    }
}
