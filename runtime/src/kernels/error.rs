//! [`KernelError`]: why a kernel refused its inputs, in TensorFlow's run-time wording
//! where TensorFlow has a message for the same failure.

use super::MAX_RANK;
use staticflow_ir::op::WindowError;
use staticflow_ir::shape::python_concrete;
use staticflow_ir::{DType, Dim, ShapeDisplay};

/// A kernel failure. Messages copy TF's run-time text (`OP_REQUIRES` messages) where TF
/// has one; the executor adds the node's name and op type around them.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub(crate) enum KernelError {
    /// Two shapes that do not broadcast.
    #[error("Incompatible shapes: {} vs. {}", dims(.a), dims(.b))]
    IncompatibleShapes {
        /// Shape of input 0.
        a: Vec<usize>,
        /// Shape of input 1.
        b: Vec<usize>,
    },
    /// MatMul's inner dims differ (shapes as stored, before any transpose).
    #[error("Matrix size-incompatible: In[0]: {}, In[1]: {}", dims(.a), dims(.b))]
    MatMulSize {
        /// Shape of input 0.
        a: Vec<usize>,
        /// Shape of input 1.
        b: Vec<usize>,
    },
    /// A MatMul input of rank other than 2.
    #[error("In[{index}] is not a matrix. Instead it has shape {}", dims(.shape))]
    NotMatrix {
        /// Which input.
        index: usize,
        /// Its shape.
        shape: Vec<usize>,
    },
    /// Reshape without `-1` to a shape of another element count.
    #[error("Input to reshape is a tensor with {values} values, but the requested shape has {requested}")]
    ReshapeCount {
        /// Elements of the input.
        values: usize,
        /// Elements of the target shape.
        requested: usize,
    },
    /// Reshape with `-1` where the known dims do not divide the element count.
    #[error("Input to reshape is a tensor with {values} values, but the requested shape requires a multiple of {multiple}")]
    ReshapeMultiple {
        /// Elements of the input.
        values: usize,
        /// Product of the known target dims.
        multiple: usize,
    },
    /// Reshape with `-1` and a zero among the known dims.
    #[error("Reshape cannot infer the missing input size for an empty tensor unless all specified input sizes are non-zero")]
    ReshapeInferEmpty,
    /// Reshape with two `-1`s.
    #[error("Only one input size may be -1, not both {first} and {second}")]
    ReshapeTwoUnknown {
        /// Index of the first `-1`.
        first: usize,
        /// Index of the second `-1`.
        second: usize,
    },
    /// Reshape with a dim below `-1`.
    #[error("Size {index} must be non-negative, not {size}")]
    ReshapeNegative {
        /// Index of the bad dim.
        index: usize,
        /// Its value.
        size: i64,
    },
    /// A permutation whose length is not the input's rank.
    #[error("transpose expects a vector of size {rank}. But input(1) is a vector of size {len}")]
    TransposeRank {
        /// Rank of the input.
        rank: usize,
        /// Length of the permutation.
        len: usize,
    },
    /// A permutation entry past the rank.
    #[error("{dim} is out of range [0 .. {rank})")]
    TransposeOutOfRange {
        /// The bad entry.
        dim: usize,
        /// Rank of the input.
        rank: usize,
    },
    /// A permutation that repeats an entry, so misses another.
    #[error("{dim} is missing from {{{}}}.", join(.perm))]
    TransposeMissing {
        /// The dim no entry names.
        dim: usize,
        /// The permutation.
        perm: Vec<usize>,
    },
    /// Concat axis past the inputs' rank.
    #[error("ConcatOp : Expected concatenating dimensions in the range [{}, {rank}), but got {axis}", neg(.rank))]
    ConcatAxis {
        /// The axis.
        axis: usize,
        /// Rank of input 0.
        rank: usize,
    },
    /// Concat of rank-0 inputs.
    #[error("ConcatOp : Can't concatenate scalars (use tf.stack instead)")]
    ConcatScalars,
    /// Concat inputs of different ranks.
    #[error("ConcatOp : Ranks of all input tensors should match: shape[0] = {} vs. shape[{index}] = {}", dims(.first), dims(.other))]
    ConcatRank {
        /// Index of the mismatching input.
        index: usize,
        /// Shape of input 0.
        first: Vec<usize>,
        /// Shape of input `index`.
        other: Vec<usize>,
    },
    /// Concat inputs that differ off the concat axis.
    #[error("ConcatOp : Dimension {dim} in both shapes must be equal: shape[0] = {} vs. shape[{index}] = {}", dims(.first), dims(.other))]
    ConcatDim {
        /// The dim that differs.
        dim: usize,
        /// Index of the mismatching input.
        index: usize,
        /// Shape of input 0.
        first: Vec<usize>,
        /// Shape of input `index`.
        other: Vec<usize>,
    },
    /// A singular matrix given to MatrixInverse.
    #[error("Input is not invertible.")]
    NotInvertible,
    /// MatrixInverse of a tensor of rank below 2.
    #[error("Input tensor 0 must have rank >= 2, but has shape {}", dims(.shape))]
    MatrixRank {
        /// Shape of the input.
        shape: Vec<usize>,
    },
    /// MatrixInverse of non-square matrices.
    #[error("Input matrix must be square. Input shape: {}", dims(.shape))]
    NotSquare {
        /// Shape of the input.
        shape: Vec<usize>,
    },
    /// A reduction axis past the rank.
    #[error("Invalid reduction dimension ({axis} for input with {rank} dimension(s)")]
    ReductionAxis {
        /// The axis.
        axis: usize,
        /// Rank of the input.
        rank: usize,
    },
    /// Max over a set of zero elements.
    #[error("reduce_max over zero elements: axes {} of shape {} are empty", join(.axes), dims(.shape))]
    EmptyMax {
        /// The reduced axes.
        axes: Vec<usize>,
        /// Shape of the input.
        shape: Vec<usize>,
    },
    /// ArgMax axis past the rank.
    #[error("Expected dimension in the range [{}, {rank}), but got {axis}", neg(.rank))]
    ArgMaxAxis {
        /// The axis.
        axis: usize,
        /// Rank of the input.
        rank: usize,
    },
    /// ArgMax along an axis of size 0.
    #[error("Reduction axis {axis} is empty in shape {}", dims(.shape))]
    ArgMaxEmpty {
        /// The axis.
        axis: usize,
        /// Shape of the input.
        shape: Vec<usize>,
    },
    /// Softmax of a scalar.
    #[error("logits must have >= 1 dimension, got {}", dims(.shape))]
    SoftmaxRank {
        /// Shape of the input.
        shape: Vec<usize>,
    },
    /// AddN inputs of different shapes.
    #[error("Inputs to operation AddN of type AddN must have the same size and shape.  Input 0: {} != input {index}: {}", dims(.first), dims(.other))]
    AddNShape {
        /// Index of the mismatching input.
        index: usize,
        /// Shape of input 0.
        first: Vec<usize>,
        /// Shape of input `index`.
        other: Vec<usize>,
    },
    /// Integer Pow with a negative exponent.
    #[error("Integers to negative integer powers are not allowed")]
    NegativePower,
    /// `assign` of a value whose shape differs from the initialized variable's.
    #[error("Assign requires shapes of both tensors to match. lhs shape= {} rhs shape= {}", dims(.lhs), dims(.rhs))]
    AssignShape {
        /// The variable's shape.
        lhs: Vec<usize>,
        /// The value's shape.
        rhs: Vec<usize>,
    },
    /// `assign_add`/`assign_sub` of a value whose shape differs from the variable's.
    #[error("Cannot update variable with shape {} using a Tensor with shape {}, shapes must be equal.", dims(.lhs), dims(.rhs))]
    UpdateShape {
        /// The variable's shape.
        lhs: Vec<usize>,
        /// The value's shape.
        rhs: Vec<usize>,
    },
    /// An input dtype the op has no kernel for.
    #[error("no {op} kernel for dtype {dtype}")]
    UnsupportedDtype {
        /// TF op type.
        op: &'static str,
        /// The dtype given.
        dtype: DType,
    },
    /// An input whose dtype differs from the one the op expects there.
    #[error("{op} expects input {index} of dtype {expected}, got {got}")]
    DtypeMismatch {
        /// TF op type.
        op: &'static str,
        /// Which input.
        index: usize,
        /// The dtype required.
        expected: DType,
        /// The dtype given.
        got: DType,
    },
    /// Too few or too many inputs.
    #[error("{op} takes {expected} input(s) but got {got}")]
    InputCount {
        /// TF op type.
        op: &'static str,
        /// How many it takes, in words (`2`, `at least 1`).
        expected: &'static str,
        /// How many it got.
        got: usize,
    },
    /// An input view whose element count does not match its shape.
    #[error("{op} input {index} holds {len} elements but its shape {} needs {}", dims(.shape), count(.shape))]
    InconsistentView {
        /// TF op type.
        op: &'static str,
        /// Which input.
        index: usize,
        /// Elements held.
        len: usize,
        /// The shape claimed.
        shape: Vec<usize>,
    },
    /// A tensor of higher rank than the strided kernels support.
    #[error("{op} supports tensors of rank at most {MAX_RANK}, got rank {rank}")]
    RankTooLarge {
        /// TF op type.
        op: &'static str,
        /// The rank given.
        rank: usize,
    },
    /// An output with more elements than memory can address.
    #[error("{op} output of shape {} has too many elements", dims(.shape))]
    TooLarge {
        /// TF op type.
        op: &'static str,
        /// The output shape.
        shape: Vec<usize>,
    },
    /// A source op whose static shape is not fully known.
    #[error("{op} needs a fully known static shape, got {}", ShapeDisplay::brackets(.shape))]
    UnknownShape {
        /// TF op type.
        op: &'static str,
        /// The static shape.
        shape: Vec<Dim>,
    },
    /// A constant whose value count does not match its static shape.
    #[error("Const holds {len} values but its shape {} needs {}", dims(.shape), count(.shape))]
    ConstSize {
        /// Values held.
        len: usize,
        /// The static shape.
        shape: Vec<usize>,
    },
    /// An op that the executor runs itself (placeholders, variables, assignments, no-ops).
    #[error("{op} is run by the executor, not by a kernel")]
    ExecutorOp {
        /// TF op type.
        op: &'static str,
    },
    /// An input whose shape differs from the one the op needs there.
    #[error("{op} expects input {index} of shape {}, got {}", dims(.expected), dims(.got))]
    ShapeMismatch {
        /// TF op type.
        op: &'static str,
        /// Which input.
        index: usize,
        /// The shape required.
        expected: Vec<usize>,
        /// The shape given.
        got: Vec<usize>,
    },
    /// A gradient op asked for an input the forward op has no gradient for.
    #[error("{op} has no gradient with respect to input {wrt}")]
    NoGradient {
        /// TF op type of the gradient op.
        op: &'static str,
        /// The input asked for.
        wrt: u8,
    },
    /// A concat gradient for an input the concat does not have.
    #[error("concat gradient for input {index}, but the concat has {inputs} input(s)")]
    ConcatGradIndex {
        /// The input asked for.
        index: usize,
        /// How many inputs the concat has.
        inputs: usize,
    },
    /// A concat input whose shape does not fit the concat's gradient.
    #[error("concat gradient of shape {} does not fit concat input {index} of shape {} along axis {axis}", dims(.grad), dims(.input))]
    ConcatGradShape {
        /// Shape of the gradient.
        grad: Vec<usize>,
        /// Which concat input.
        index: usize,
        /// Its shape.
        input: Vec<usize>,
        /// The concat axis.
        axis: usize,
    },
    /// Concat inputs whose sizes along the axis do not add up to the gradient's.
    #[error("concat gradient of shape {} does not split into its inputs along axis {axis}: they add up to {total}", dims(.grad))]
    ConcatGradSize {
        /// Shape of the gradient.
        grad: Vec<usize>,
        /// The concat axis.
        axis: usize,
        /// The inputs' total size along it.
        total: usize,
    },
    /// BiasAdd or BiasAddGrad of a scalar.
    #[error("Input tensor must be at least 1D: {}", dims(.shape))]
    BiasInputRank {
        /// Shape of the input.
        shape: Vec<usize>,
    },
    /// A bias of rank other than 1.
    #[error("Biases must be 1D: {}", dims(.shape))]
    BiasRank {
        /// Shape of the bias.
        shape: Vec<usize>,
    },
    /// A bias whose length is not the input's last dim.
    #[error("Must provide as many biases as the last dimension of the input tensor: {} vs. {}", dims(.bias), dims(.input))]
    BiasSize {
        /// Shape of the bias.
        bias: Vec<usize>,
        /// Shape of the input.
        input: Vec<usize>,
    },
    /// Softmax cross entropy of inputs that are not matrices.
    #[error("logits and labels must be either 2-dimensional, or broadcasted to be 2-dimensional")]
    XentRank,
    /// Softmax cross entropy of logits and labels of different shapes.
    #[error("logits and labels must be broadcastable: logits_size={} labels_size={}", dims(.logits), dims(.labels))]
    XentShape {
        /// Shape of the logits.
        logits: Vec<usize>,
        /// Shape of the labels.
        labels: Vec<usize>,
    },
    /// Sparse softmax cross entropy of logits that are not a matrix.
    #[error("logits must be 2-D, but got shape {}", dims(.shape))]
    SparseLogitsRank {
        /// Shape of the logits.
        shape: Vec<usize>,
    },
    /// Sparse softmax cross entropy of labels that are not a vector.
    #[error("labels must be 1-D, but got shape {}", dims(.shape))]
    SparseLabelsRank {
        /// Shape of the labels.
        shape: Vec<usize>,
    },
    /// Sparse softmax cross entropy with one label count and another row count.
    #[error("logits and labels must have the same first dimension, got logits shape {} and labels shape {}", dims(.logits), dims(.labels))]
    SparseBatch {
        /// Shape of the logits.
        logits: Vec<usize>,
        /// Shape of the labels.
        labels: Vec<usize>,
    },
    /// Sparse softmax cross entropy over zero classes.
    #[error("Must have at least one class, but got logits shape {}", dims(.shape))]
    NoClasses {
        /// Shape of the logits.
        shape: Vec<usize>,
    },
    /// A class index outside `[0, classes)`.
    #[error(
        "Received a label value of {label} which is outside the valid range of [0, {classes})."
    )]
    LabelOutOfRange {
        /// The bad label.
        label: i64,
        /// Number of classes.
        classes: usize,
    },
    /// Sigmoid cross entropy of logits and labels of different shapes.
    #[error("logits and labels must have the same shape ({} vs {})", python_concrete(.logits), python_concrete(.labels))]
    SigmoidXentShape {
        /// Shape of the logits.
        logits: Vec<usize>,
        /// Shape of the labels.
        labels: Vec<usize>,
    },
    /// A dropout rate outside `[0, 1)`.
    #[error("rate must be a scalar tensor or a float in the range [0, 1), got {rate}")]
    DropoutRate {
        /// The rate.
        rate: f64,
    },
    /// An optimizer op given another number of variables than it updates.
    #[error("{op} updates {expected} variable(s) but got {got}")]
    RefCount {
        /// TF op type.
        op: &'static str,
        /// How many it updates.
        expected: usize,
        /// How many it got.
        got: usize,
    },
    /// An optimizer slot or gradient whose shape differs from the variable's.
    #[error("var and {name} do not have the same shape{} {}", dims(.var), dims(.other))]
    ApplyShape {
        /// TF's name of the argument (`accum`, `m`, `grad`, ...).
        name: &'static str,
        /// Shape of the variable.
        var: Vec<usize>,
        /// Shape of the argument.
        other: Vec<usize>,
    },
    /// An optimizer hyperparameter that is not a scalar.
    #[error("{name} is not a scalar: {}", dims(.shape))]
    NotScalar {
        /// TF's name of the argument (`lr`, `beta1`, ...).
        name: &'static str,
        /// Its shape.
        shape: Vec<usize>,
    },
    /// An optimizer op on a variable or slot that holds no value yet.
    #[error("Attempting to use uninitialized variables: {name}")]
    Uninitialized {
        /// TF's name of the argument (`var`, `accum`, `m`, ...).
        name: &'static str,
    },
    /// A random op called without its random state.
    #[error("{op} needs its random state")]
    MissingRng {
        /// TF op type.
        op: &'static str,
    },
    /// A convolution or pooling whose output size cannot be computed (zero stride or
    /// ksize, a VALID window larger than the input).
    #[error("{0}")]
    Window(WindowError),
    /// A convolution or pooling input of rank other than 4, in the words of the op's TF
    /// kernel.
    #[error("{}", not_4d(.op, .arg, .shape))]
    Not4d {
        /// TF op type.
        op: &'static str,
        /// TF's name of the argument (`input`, `filter`, `out_backprop`, `tensor_in`).
        arg: &'static str,
        /// Its shape.
        shape: Vec<usize>,
    },
    /// A Conv2D input depth that is not a multiple of the filter's input depth.
    #[error("input depth must be evenly divisible by filter depth: {input} vs {filter}")]
    ConvDepth {
        /// Depth (channels) of the input.
        input: usize,
        /// Input depth of the filter.
        filter: usize,
    },
    /// A convolution input depth that is a multiple of, but not equal to, the filter's
    /// (a grouped convolution, which TF's CPU kernel does not run either).
    #[error("The Conv2D op currently does not support grouped convolutions on the CPU. A grouped convolution was attempted to be run because the input depth of {input} does not match the filter input depth of {filter}")]
    GroupedConv {
        /// Depth (channels) of the input.
        input: usize,
        /// Input depth of the filter.
        filter: usize,
    },
    /// A convolution gradient whose input and filter disagree on depth.
    #[error("{op}: input depth must be evenly divisible by filter depth")]
    BackpropDepth {
        /// TF op type.
        op: &'static str,
    },
    /// A convolution gradient whose input and `dy` differ in batch size.
    #[error("{op}: input and out_backprop must have the same batch size. Input batch: {input}, outbackprop batch: {dy}, batch_dim: 0")]
    BackpropBatch {
        /// TF op type.
        op: &'static str,
        /// Batch of the input.
        input: usize,
        /// Batch of `dy`.
        dy: usize,
    },
    /// A convolution gradient whose filter and `dy` differ in output depth.
    #[error("{op}: filter and out_backprop must have the same out_depth")]
    BackpropOutDepth {
        /// TF op type.
        op: &'static str,
    },
    /// A convolution gradient whose `dy` does not have the forward output's size.
    #[error("{op}: Size of out_backprop doesn't match computed: actual = {actual}, computed = {computed} spatial_dim: {dim} input: {input} filter: {filter} output: {actual} stride: {stride} dilation: 1")]
    BackpropSize {
        /// TF op type.
        op: &'static str,
        /// The NHWC dim (1 or 2).
        dim: usize,
        /// Size of `dy` along it.
        actual: usize,
        /// The forward output's size along it.
        computed: usize,
        /// The input's size along it.
        input: usize,
        /// The filter's size along it.
        filter: usize,
        /// The stride along it.
        stride: usize,
    },
}

/// TF's rank-4 messages: Conv2D's own wording (shape glued on, as TF prints it), the
/// gradients' `ConvBackpropComputeDimensions` wording, the pooling kernels' wording.
fn not_4d(op: &str, arg: &str, shape: &[usize]) -> String {
    match (op, arg) {
        ("Conv2D", "input") => format!("input must be 4-dimensional{}", dims(shape)),
        ("Conv2D", _) => format!("{arg} must be 4-dimensional: {}", dims(shape)),
        ("Conv2DBackpropInput" | "Conv2DBackpropFilter", _) => {
            format!("{op}: {arg} must be 4-dimensional")
        }
        _ => format!("{arg} must be 4-dimensional"),
    }
}

/// `[2,3]`, as TF's `TensorShape::DebugString` prints run-time shapes.
fn dims(d: &[usize]) -> String {
    format!("[{}]", join(d))
}

/// `-rank`, the lower end of TF's axis ranges.
fn neg(rank: &usize) -> i64 {
    -i64::try_from(*rank).unwrap_or(i64::MAX)
}

/// `2,3`
fn join(d: &[usize]) -> String {
    d.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Element count of a shape, or `too many` on overflow.
fn count(d: &[usize]) -> String {
    d.iter()
        .try_fold(1usize, |acc, &x| acc.checked_mul(x))
        .map_or_else(|| "too many".to_string(), |n| n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_use_tf_wording() {
        let e = KernelError::IncompatibleShapes {
            a: vec![2, 3],
            b: vec![4],
        };
        assert_eq!(e.to_string(), "Incompatible shapes: [2,3] vs. [4]");
        let e = KernelError::MatMulSize {
            a: vec![2, 3],
            b: vec![4, 5],
        };
        assert_eq!(
            e.to_string(),
            "Matrix size-incompatible: In[0]: [2,3], In[1]: [4,5]"
        );
        let e = KernelError::ConcatDim {
            dim: 1,
            index: 1,
            first: vec![2, 3],
            other: vec![2, 4],
        };
        assert_eq!(
            e.to_string(),
            "ConcatOp : Dimension 1 in both shapes must be equal: shape[0] = [2,3] vs. shape[1] = [2,4]"
        );
        let e = KernelError::TransposeMissing {
            dim: 2,
            perm: vec![0, 1, 1],
        };
        assert_eq!(e.to_string(), "2 is missing from {0,1,1}.");
        let e = KernelError::ConcatAxis { axis: 2, rank: 2 };
        assert_eq!(
            e.to_string(),
            "ConcatOp : Expected concatenating dimensions in the range [-2, 2), but got 2"
        );
        let e = KernelError::ReshapeCount {
            values: 6,
            requested: 4,
        };
        assert_eq!(
            e.to_string(),
            "Input to reshape is a tensor with 6 values, but the requested shape has 4"
        );
        let e = KernelError::UnknownShape {
            op: "Fill",
            shape: vec![None, Some(3)],
        };
        assert_eq!(
            e.to_string(),
            "Fill needs a fully known static shape, got [?,3]"
        );
        let e = KernelError::InconsistentView {
            op: "Neg",
            index: 0,
            len: 5,
            shape: vec![usize::MAX, 2],
        };
        assert!(e.to_string().ends_with("needs too many"));
    }
}
