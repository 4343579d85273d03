//! The dtype and shape rule of every op: what the macro checks at compile time.
//!
//! Messages follow TensorFlow's shape functions word for word; the caller appends
//! ` for 'NAME' (TYPE) with input shapes: ...` as TF does ([`InferError::Shape`]).

use crate::op::{Padding, WindowError};
use crate::{shape::ShapeDisplay, BinaryOp, DType, Dim, Op, ReduceKind, UnaryOp};

/// The static type of a tensor: dtype and shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorType {
    /// Element type.
    pub dtype: DType,
    /// Static dims (known rank).
    pub shape: Vec<Dim>,
}

impl TensorType {
    /// A type from its parts.
    pub fn new(dtype: DType, shape: Vec<Dim>) -> Self {
        TensorType { dtype, shape }
    }
}

/// Why an op cannot be built with the given inputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InferError {
    /// A shape error: TF's text, to be followed by the op name and input shapes.
    Shape(String),
    /// A complete message (dtype errors, arity errors).
    Message(String),
}

/// Infers the output type of `op` from its inputs' types.
///
/// Source ops (constants, placeholders, variables, random, fill) carry their type in the
/// node itself; asking for them here is an error of the caller.
pub fn infer(op: &Op, inputs: &[TensorType]) -> Result<TensorType, InferError> {
    match op {
        Op::Identity | Op::PlaceholderWithDefault => one(op, inputs).cloned(),
        Op::Assign { .. } => assign(op, inputs),
        Op::Unary(u) => unary(*u, one(op, inputs)?),
        Op::Binary(b) => binary(*b, inputs),
        Op::MatMul {
            transpose_a,
            transpose_b,
        } => matmul(op, inputs, *transpose_a, *transpose_b),
        Op::Transpose { perm } => {
            let x = one(op, inputs)?;
            if perm.len() != x.shape.len() {
                return Err(InferError::Shape(format!(
                    "Dimension must be {} but is {}",
                    x.shape.len(),
                    perm.len()
                )));
            }
            if !is_permutation(perm) {
                return Err(InferError::Message(format!(
                    "`perm` {perm:?} is not a permutation of the {} dims of the input",
                    perm.len()
                )));
            }
            let shape = perm.iter().map(|&p| x.shape[p]).collect();
            Ok(TensorType::new(x.dtype, shape))
        }
        Op::Reshape { shape } => reshape(one(op, inputs)?, shape),
        Op::Concat { axis } => concat(inputs, *axis),
        Op::MatrixInverse => {
            let x = one(op, inputs)?;
            require_float(op, "input", x.dtype)?;
            let r = x.shape.len();
            if r < 2 {
                return Err(InferError::Shape(format!(
                    "Shape must be at least rank 2 but is rank {r}"
                )));
            }
            merge_dim(x.shape[r - 2], x.shape[r - 1])?;
            Ok(x.clone())
        }
        Op::Reduce {
            kind,
            axes,
            keep_dims,
        } => {
            let x = one(op, inputs.get(..1).unwrap_or(inputs))?;
            if *kind != ReduceKind::Max || x.dtype != DType::Bool {
                require_numeric(op, "input", x.dtype)?;
            }
            reduce(x, axes, *keep_dims)
        }
        Op::AddN => add_n(inputs),
        Op::Softmax => {
            let x = one(op, inputs)?;
            require_float(op, "logits", x.dtype)?;
            if x.shape.is_empty() {
                return Err(InferError::Shape(
                    "Shape must be at least rank 1 but is rank 0".into(),
                ));
            }
            Ok(x.clone())
        }
        Op::ArgMax { axis } => {
            let x = one(op, inputs.get(..1).unwrap_or(inputs))?;
            require_numeric(op, "input", x.dtype)?;
            if *axis >= x.shape.len() {
                return Err(InferError::Shape(format!(
                    "Expected dimension in the range [{}, {}), but got {}",
                    -(x.shape.len() as i64),
                    x.shape.len(),
                    axis
                )));
            }
            let mut shape = x.shape.clone();
            shape.remove(*axis);
            Ok(TensorType::new(DType::Int64, shape))
        }
        Op::NoOp => Ok(TensorType::new(DType::Float32, vec![])),
        Op::OnesLike | Op::StopGradient => one(op, inputs).cloned(),
        Op::LogSoftmax => {
            let x = one(op, inputs)?;
            require_float(op, "logits", x.dtype)?;
            if x.shape.is_empty() {
                return Err(InferError::Shape(
                    "Shape must be at least rank 1 but is rank 0".into(),
                ));
            }
            Ok(x.clone())
        }
        Op::SumToShape | Op::ReshapeLike => {
            let (g, x) = two(op.tf_type(), inputs)?;
            same_dtype(op, g, x)?;
            Ok(x.clone())
        }
        Op::UnaryGrad(_) | Op::ReduceGrad { .. } => {
            let [x, _, dy] = three(op, inputs)?;
            same_dtype(op, dy, x)?;
            Ok(x.clone())
        }
        Op::BinaryGrad { .. } => {
            let [x, _, dz] = three(op, inputs)?;
            same_dtype(op, dz, x)?;
            Ok(dz.clone())
        }
        Op::SoftmaxGrad | Op::LogSoftmaxGrad => {
            let (y, dy) = two(op.tf_type(), inputs)?;
            same_dtype(op, dy, y)?;
            Ok(y.clone())
        }
        Op::ConcatGrad { index, .. } => inputs
            .get(index + 1)
            .cloned()
            .ok_or_else(|| InferError::Message(format!("Slice of input {index} needs that input"))),
        Op::BiasAdd => {
            let (x, b) = two(op.tf_type(), inputs)?;
            same_dtype(op, b, x)?;
            require_numeric(op, "value", x.dtype)?;
            if b.shape.len() != 1 {
                return Err(InferError::Shape(format!(
                    "Shape must be rank 1 but is rank {}",
                    b.shape.len()
                )));
            }
            let Some(last) = x.shape.last() else {
                return Err(InferError::Shape(
                    "Shape must be at least rank 1 but is rank 0".into(),
                ));
            };
            merge_dim(*last, b.shape[0])?;
            Ok(x.clone())
        }
        Op::BiasAddGrad => {
            let dy = one(op, inputs)?;
            match dy.shape.last() {
                Some(d) => Ok(TensorType::new(dy.dtype, vec![*d])),
                None => Err(InferError::Shape(
                    "Shape must be at least rank 1 but is rank 0".into(),
                )),
            }
        }
        Op::SoftmaxCrossEntropy | Op::SparseSoftmaxCrossEntropy | Op::SigmoidCrossEntropy => {
            let (logits, labels) = two(op.tf_type(), inputs)?;
            xent(op, logits, labels)
        }
        Op::SoftmaxCrossEntropyGrad
        | Op::SparseSoftmaxCrossEntropyGrad
        | Op::SigmoidCrossEntropyGrad => {
            let [logits, _, _] = three(op, inputs)?;
            Ok(logits.clone())
        }
        Op::L2Loss => {
            let x = one(op, inputs)?;
            require_float(op, "t", x.dtype)?;
            Ok(TensorType::new(x.dtype, vec![]))
        }
        Op::DropoutMask { .. } => {
            let x = one(op, inputs)?;
            require_float(op, "x", x.dtype)?;
            Ok(x.clone())
        }
        Op::Conv2D { strides, padding } => {
            let (x, f) = two(op.tf_type(), inputs)?;
            require_float(op, "input", x.dtype)?;
            input_dtype(op, "filter", f, "input", x)?;
            let shape = conv2d_shape(&rank4(x)?, &rank4(f)?, *strides, *padding)?;
            Ok(TensorType::new(x.dtype, shape.to_vec()))
        }
        Op::Conv2DBackpropInput { strides, padding }
        | Op::Conv2DBackpropFilter { strides, padding } => {
            conv2d_backprop(op, inputs, *strides, *padding)
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
            let x = one(op, inputs)?;
            let param = if matches!(op, Op::MaxPool { .. }) {
                "input"
            } else {
                "value"
            };
            require_float(op, param, x.dtype)?;
            let shape = pool_shape(&rank4(x)?, *ksize, *strides, *padding)?;
            Ok(TensorType::new(x.dtype, shape.to_vec()))
        }
        Op::MaxPoolGrad {
            ksize,
            strides,
            padding,
        } => {
            let [x, y, dy] = three(op, inputs)?;
            pool_grad(
                op,
                x,
                &[("orig_output", y), ("grad", dy)],
                *ksize,
                *strides,
                *padding,
            )
        }
        Op::AvgPoolGrad {
            ksize,
            strides,
            padding,
        } => {
            let (x, dy) = two(op.tf_type(), inputs)?;
            pool_grad(op, x, &[("grad", dy)], *ksize, *strides, *padding)
        }
        Op::Apply(kind) => apply(op, *kind, inputs),
        Op::ScalarSummary { .. } => {
            let x = one(op, inputs)?;
            require_numeric(op, "values", x.dtype)?;
            if !x.shape.is_empty() {
                return Err(InferError::Shape(format!(
                    "tags and values are not the same shape: [] != {} (tag '{}')",
                    ShapeDisplay::brackets(&x.shape),
                    match op {
                        Op::ScalarSummary { tag } => tag.as_ref(),
                        _ => "",
                    }
                )));
            }
            Ok(TensorType::new(DType::Float32, vec![]))
        }
        Op::HistogramSummary { .. } => {
            let x = one(op, inputs)?;
            require_numeric(op, "values", x.dtype)?;
            Ok(TensorType::new(DType::Float32, vec![]))
        }
        Op::MergeSummary => Ok(TensorType::new(DType::Float32, vec![])),
        Op::Const(_)
        | Op::Placeholder
        | Op::Variable { .. }
        | Op::Random { .. }
        | Op::Fill { .. }
        | Op::Cast => Err(InferError::Message(format!(
            "{} carries its own type",
            op.tf_type()
        ))),
    }
}

/// The four dims of an NHWC tensor (or a `[KH, KW, C, OC]` filter): TF's `WithRank(4)`.
fn rank4(t: &TensorType) -> Result<[Dim; 4], InferError> {
    <[Dim; 4]>::try_from(&t.shape[..]).map_err(|_| {
        InferError::Shape(format!(
            "Shape must be rank 4 but is rank {}",
            t.shape.len()
        ))
    })
}

/// TF's message when input `arg` of `op` has another dtype than argument `base`.
fn input_dtype(
    op: &Op,
    arg: &str,
    t: &TensorType,
    base_arg: &str,
    base: &TensorType,
) -> Result<(), InferError> {
    if t.dtype == base.dtype {
        Ok(())
    } else {
        Err(InferError::Message(dtype_mismatch(
            op.tf_type(),
            arg,
            t.dtype,
            base_arg,
            base.dtype,
        )))
    }
}

/// The output size of one spatial dim of a window op; unknown when the input or the
/// window is.
fn window_dim(padding: Padding, input: Dim, window: Dim, stride: usize) -> Result<Dim, InferError> {
    match (input, window) {
        (Some(i), Some(k)) => padding
            .window(i, k, stride)
            .map(|w| Some(w.output))
            .map_err(|e| InferError::Shape(e.to_string())),
        _ if stride == 0 => Err(InferError::Shape(WindowError::ZeroStride.to_string())),
        _ => Ok(None),
    }
}

/// `[N, OH, OW, OC]` of a convolution, after TF's depth checks (staticflow has no
/// grouped convolutions, so a depth that is a multiple but not equal is refused too,
/// with the text of TF's CPU kernel).
fn conv2d_shape(
    x: &[Dim; 4],
    f: &[Dim; 4],
    strides: [usize; 2],
    padding: Padding,
) -> Result<[Dim; 4], InferError> {
    if let (Some(c), Some(fc)) = (x[3], f[2]) {
        if c != fc {
            if c.checked_rem(fc) != Some(0) {
                return Err(InferError::Shape(format!(
                    "Depth of input ({c}) is not a multiple of input depth of filter ({fc})"
                )));
            }
            return Err(InferError::Message(format!(
                "The Conv2D op currently does not support grouped convolutions on the CPU. A grouped convolution was attempted to be run because the input depth of {c} does not match the filter input depth of {fc}"
            )));
        }
    }
    Ok([
        x[0],
        window_dim(padding, x[1], f[0], strides[0])?,
        window_dim(padding, x[2], f[1], strides[1])?,
        f[3],
    ])
}

/// `(input, filter, dy)` of a convolution's gradients: the forward checks, then `dy`
/// against the forward's output in the words of TF's `ConvBackpropComputeDimensions`.
fn conv2d_backprop(
    op: &Op,
    inputs: &[TensorType],
    strides: [usize; 2],
    padding: Padding,
) -> Result<TensorType, InferError> {
    let [x, f, dy] = three(op, inputs)?;
    require_float(op, "input", x.dtype)?;
    input_dtype(op, "filter", f, "input", x)?;
    input_dtype(op, "out_backprop", dy, "input", x)?;
    let (xs, fs, ds) = (rank4(x)?, rank4(f)?, rank4(dy)?);
    let out = conv2d_shape(&xs, &fs, strides, padding)?;
    let label = op.tf_type();
    if let (Some(a), Some(b)) = (xs[0], ds[0]) {
        if a != b {
            return Err(InferError::Shape(format!(
                "{label}: input and out_backprop must have the same batch size. Input batch: {a}, outbackprop batch: {b}, batch_dim: 0"
            )));
        }
    }
    if let (Some(a), Some(b)) = (fs[3], ds[3]) {
        if a != b {
            return Err(InferError::Shape(format!(
                "{label}: filter and out_backprop must have the same out_depth"
            )));
        }
    }
    for (i, stride) in [(1, strides[0]), (2, strides[1])] {
        if let (Some(actual), Some(computed), Some(input), Some(filter)) =
            (ds[i], out[i], xs[i], fs[i - 1])
        {
            if actual != computed {
                return Err(InferError::Shape(format!(
                    "{label}: Size of out_backprop doesn't match computed: actual = {actual}, computed = {computed} spatial_dim: {i} input: {input} filter: {filter} output: {actual} stride: {stride} dilation: 1"
                )));
            }
        }
    }
    Ok(match op {
        Op::Conv2DBackpropFilter { .. } => f.clone(),
        _ => x.clone(),
    })
}

/// `[N, OH, OW, C]` of a pooling op.
fn pool_shape(
    x: &[Dim; 4],
    ksize: [usize; 2],
    strides: [usize; 2],
    padding: Padding,
) -> Result<[Dim; 4], InferError> {
    if let Some(i) = ksize.iter().position(|&k| k == 0) {
        return Err(InferError::Shape(
            WindowError::ZeroKsize { dim: i + 1 }.to_string(),
        ));
    }
    Ok([
        x[0],
        window_dim(padding, x[1], Some(ksize[0]), strides[0])?,
        window_dim(padding, x[2], Some(ksize[1]), strides[1])?,
        x[3],
    ])
}

/// A pooling gradient: `x`, and the named tensors that must have the pooled shape.
fn pool_grad(
    op: &Op,
    x: &TensorType,
    pooled: &[(&str, &TensorType)],
    ksize: [usize; 2],
    strides: [usize; 2],
    padding: Padding,
) -> Result<TensorType, InferError> {
    require_float(op, "orig_input", x.dtype)?;
    let want = pool_shape(&rank4(x)?, ksize, strides, padding)?;
    for (name, t) in pooled {
        input_dtype(op, name, t, "orig_input", x)?;
        for (a, b) in want.iter().zip(&rank4(t)?) {
            merge_dim(*a, *b)?;
        }
    }
    Ok(x.clone())
}

fn one<'a>(op: &Op, inputs: &'a [TensorType]) -> Result<&'a TensorType, InferError> {
    match inputs {
        [x] => Ok(x),
        _ => Err(InferError::Message(format!(
            "{} takes 1 input but got {}",
            op.tf_type(),
            inputs.len()
        ))),
    }
}

fn three<'a>(op: &Op, inputs: &'a [TensorType]) -> Result<[&'a TensorType; 3], InferError> {
    match inputs {
        [a, b, c] => Ok([a, b, c]),
        _ => Err(InferError::Message(format!(
            "{} takes 3 inputs but got {}",
            op.tf_type(),
            inputs.len()
        ))),
    }
}

fn same_dtype(op: &Op, a: &TensorType, b: &TensorType) -> Result<(), InferError> {
    if a.dtype == b.dtype {
        Ok(())
    } else {
        Err(InferError::Message(dtype_mismatch(
            op.tf_type(),
            "y",
            a.dtype,
            "x",
            b.dtype,
        )))
    }
}

/// Cross-entropy losses: rank-2 logits; labels of the same shape (dense) or rank 1
/// class indices (sparse). Sigmoid is elementwise over any rank.
fn xent(op: &Op, logits: &TensorType, labels: &TensorType) -> Result<TensorType, InferError> {
    require_float(op, "logits", logits.dtype)?;
    match op {
        Op::SigmoidCrossEntropy => {
            same_dtype(op, labels, logits)?;
            if logits.shape.len() != labels.shape.len() {
                return Err(InferError::Shape(format!(
                    "logits and labels must have the same shape ({} vs {})",
                    ShapeDisplay::python(&logits.shape),
                    ShapeDisplay::python(&labels.shape)
                )));
            }
            let mut shape = logits.shape.clone();
            for (o, l) in shape.iter_mut().zip(&labels.shape) {
                *o = merge_dim(*o, *l)?;
            }
            Ok(TensorType::new(logits.dtype, shape))
        }
        Op::SparseSoftmaxCrossEntropy => {
            if !labels.dtype.is_integer() {
                return Err(not_allowed(
                    op.tf_type(),
                    "labels",
                    labels.dtype,
                    "int32, int64",
                ));
            }
            if logits.shape.len() != 2 || labels.shape.len() != 1 {
                return Err(InferError::Shape(format!(
                    "Rank mismatch: Rank of labels (received {}) should equal rank of logits minus 1 (received {}).",
                    labels.shape.len(),
                    logits.shape.len()
                )));
            }
            let n = merge_dim(logits.shape[0], labels.shape[0])?;
            Ok(TensorType::new(logits.dtype, vec![n]))
        }
        _ => {
            same_dtype(op, labels, logits)?;
            if logits.shape.len() != 2 || labels.shape.len() != 2 {
                return Err(InferError::Shape(format!(
                    "Shape must be rank 2 but is rank {}",
                    if logits.shape.len() != 2 {
                        logits.shape.len()
                    } else {
                        labels.shape.len()
                    }
                )));
            }
            let n = merge_dim(logits.shape[0], labels.shape[0])?;
            merge_dim(logits.shape[1], labels.shape[1])?;
            Ok(TensorType::new(logits.dtype, vec![n]))
        }
    }
}

fn apply(op: &Op, kind: crate::ApplyKind, inputs: &[TensorType]) -> Result<TensorType, InferError> {
    if inputs.len() != kind.num_inputs() {
        return Err(InferError::Message(format!(
            "{} takes {} inputs but got {}",
            kind.tf_type(),
            kind.num_inputs(),
            inputs.len()
        )));
    }
    let var = &inputs[0];
    require_float(op, "var", var.dtype)?;
    for (i, t) in inputs.iter().enumerate() {
        same_dtype(op, t, var)?;
        let is_tensor = i < kind.num_refs() || i == kind.grad_index();
        if is_tensor {
            if t.shape.len() != var.shape.len() {
                return Err(InferError::Shape(format!(
                    "Shapes must be equal rank, but are {} and {}",
                    var.shape.len(),
                    t.shape.len()
                )));
            }
            for (a, b) in var.shape.iter().zip(&t.shape) {
                merge_dim(*a, *b)?;
            }
        } else if !t.shape.is_empty() {
            return Err(InferError::Shape(format!(
                "Shape must be rank 0 but is rank {}",
                t.shape.len()
            )));
        }
    }
    Ok(var.clone())
}

fn two<'a>(
    op_type: &str,
    inputs: &'a [TensorType],
) -> Result<(&'a TensorType, &'a TensorType), InferError> {
    match inputs {
        [a, b] => Ok((a, b)),
        _ => Err(InferError::Message(format!(
            "{op_type} takes 2 inputs but got {}",
            inputs.len()
        ))),
    }
}

/// TF's message when two inputs of one op disagree on dtype.
pub fn dtype_mismatch(op_type: &str, arg_y: &str, y: DType, arg_x: &str, x: DType) -> String {
    format!("Input '{arg_y}' of '{op_type}' Op has type {y} that does not match type {x} of argument '{arg_x}'.")
}

fn require_float(op: &Op, param: &str, dtype: DType) -> Result<(), InferError> {
    if dtype.is_float() {
        Ok(())
    } else {
        Err(not_allowed(op.tf_type(), param, dtype, "float32, float64"))
    }
}

fn require_numeric(op: &Op, param: &str, dtype: DType) -> Result<(), InferError> {
    if dtype.is_numeric() {
        Ok(())
    } else {
        Err(not_allowed(
            op.tf_type(),
            param,
            dtype,
            "float32, float64, int32, int64",
        ))
    }
}

fn not_allowed(op_type: &str, param: &str, dtype: DType, allowed: &str) -> InferError {
    InferError::Message(format!(
        "Value passed to parameter '{param}' has DataType {dtype} not in list of allowed values: {allowed} (op {op_type})"
    ))
}

/// Merges two dims that must be equal (unknown merges with anything).
pub fn merge_dim(a: Dim, b: Dim) -> Result<Dim, InferError> {
    match (a, b) {
        (Some(x), Some(y)) if x != y => Err(InferError::Shape(format!(
            "Dimensions must be equal, but are {x} and {y}"
        ))),
        (Some(x), _) | (_, Some(x)) => Ok(Some(x)),
        (None, None) => Ok(None),
    }
}

/// NumPy broadcasting of two static shapes, as TF's `BroadcastBinaryOpShapeFn`.
pub fn broadcast(a: &[Dim], b: &[Dim]) -> Result<Vec<Dim>, InferError> {
    let rank = a.len().max(b.len());
    let mut out = vec![None; rank];
    for (i, slot) in out.iter_mut().enumerate() {
        let da = dim_from_right(a, rank - 1 - i);
        let db = dim_from_right(b, rank - 1 - i);
        *slot = match (da, db) {
            (Some(1), d) | (d, Some(1)) => d,
            (Some(x), Some(y)) if x != y => {
                return Err(InferError::Shape(format!(
                    "Dimensions must be equal, but are {x} and {y}"
                )))
            }
            (Some(x), _) | (_, Some(x)) => Some(x),
            (None, None) => None,
        };
    }
    Ok(out)
}

/// Dim `k` counted from the right, or `Some(1)` past the rank (broadcast padding).
fn dim_from_right(s: &[Dim], k: usize) -> Dim {
    if k < s.len() {
        s[s.len() - 1 - k]
    } else {
        Some(1)
    }
}

fn unary(u: UnaryOp, x: &TensorType) -> Result<TensorType, InferError> {
    if u.float_only() && !x.dtype.is_float() {
        return Err(not_allowed(
            u.tf_type(),
            "x",
            x.dtype,
            "bfloat16, float16, float32, float64, complex64, complex128",
        ));
    }
    if !x.dtype.is_numeric() {
        return Err(not_allowed(
            u.tf_type(),
            "x",
            x.dtype,
            "float32, float64, int32, int64",
        ));
    }
    Ok(x.clone())
}

fn binary(b: BinaryOp, inputs: &[TensorType]) -> Result<TensorType, InferError> {
    let (x, y) = two(b.tf_type(), inputs)?;
    if x.dtype != y.dtype {
        return Err(InferError::Message(dtype_mismatch(
            b.tf_type(),
            "y",
            y.dtype,
            "x",
            x.dtype,
        )));
    }
    if b != BinaryOp::Equal && !x.dtype.is_numeric() {
        return Err(not_allowed(
            b.tf_type(),
            "x",
            x.dtype,
            "float32, float64, int32, int64",
        ));
    }
    if b == BinaryOp::RealDiv && !x.dtype.is_float() {
        return Err(not_allowed(b.tf_type(), "x", x.dtype, "float32, float64"));
    }
    let shape = broadcast(&x.shape, &y.shape)?;
    let dtype = if b == BinaryOp::Equal {
        DType::Bool
    } else {
        x.dtype
    };
    Ok(TensorType::new(dtype, shape))
}

fn assign(op: &Op, inputs: &[TensorType]) -> Result<TensorType, InferError> {
    let (var, value) = two(op.tf_type(), inputs)?;
    if var.dtype != value.dtype {
        return Err(InferError::Message(dtype_mismatch(
            op.tf_type(),
            "value",
            value.dtype,
            "ref",
            var.dtype,
        )));
    }
    if var.shape.len() != value.shape.len() {
        return Err(InferError::Shape(format!(
            "Shapes must be equal rank, but are {} and {}",
            var.shape.len(),
            value.shape.len()
        )));
    }
    for (i, (a, b)) in var.shape.iter().zip(&value.shape).enumerate() {
        if let (Some(a), Some(b)) = (a, b) {
            if a != b {
                return Err(InferError::Shape(format!(
                    "Dimension {i} in both shapes must be equal, but are {a} and {b}. Shapes are {} and {}.",
                    ShapeDisplay::brackets(&var.shape),
                    ShapeDisplay::brackets(&value.shape)
                )));
            }
        }
    }
    Ok(var.clone())
}

fn matmul(op: &Op, inputs: &[TensorType], ta: bool, tb: bool) -> Result<TensorType, InferError> {
    let (a, b) = two(op.tf_type(), inputs)?;
    for t in [a, b] {
        if t.shape.len() > 2 {
            return Err(InferError::Message(format!(
                "batch matmul is not supported: matmul takes rank-2 tensors, got rank {}",
                t.shape.len()
            )));
        }
        if t.shape.len() != 2 {
            return Err(InferError::Shape(format!(
                "Shape must be rank 2 but is rank {}",
                t.shape.len()
            )));
        }
    }
    if a.dtype != b.dtype {
        return Err(InferError::Message(dtype_mismatch(
            "MatMul", "b", b.dtype, "a", a.dtype,
        )));
    }
    require_numeric(op, "a", a.dtype)?;
    let (m, ka) = if ta {
        (a.shape[1], a.shape[0])
    } else {
        (a.shape[0], a.shape[1])
    };
    let (kb, n) = if tb {
        (b.shape[1], b.shape[0])
    } else {
        (b.shape[0], b.shape[1])
    };
    merge_dim(ka, kb)?;
    Ok(TensorType::new(a.dtype, vec![m, n]))
}

fn is_permutation(perm: &[usize]) -> bool {
    let mut seen = vec![false; perm.len()];
    perm.iter()
        .all(|&p| p < perm.len() && !std::mem::replace(&mut seen[p], true))
}

fn reshape(x: &TensorType, target: &[i64]) -> Result<TensorType, InferError> {
    let target_text = format!(
        "[{}]",
        target
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    let minus_ones: Vec<usize> = (0..target.len()).filter(|&i| target[i] == -1).collect();
    if let [first, second, ..] = minus_ones[..] {
        return Err(InferError::Shape(format!(
            "Only one input size may be -1, not both {first} and {second}"
        )));
    }
    if let Some((i, d)) = target.iter().enumerate().find(|(_, &d)| d < -1) {
        return Err(InferError::Shape(format!(
            "Size {i} must be non-negative, not {d}"
        )));
    }
    let too_big = || InferError::Shape("the shape has more elements than fit in memory".into());
    let known = target
        .iter()
        .filter(|&&d| d >= 0)
        .try_fold(1usize, |a, &d| a.checked_mul(d as usize))
        .ok_or_else(too_big)?;
    let input_count = match x.shape.iter().copied().collect::<Option<Vec<usize>>>() {
        Some(dims) => Some(
            dims.iter()
                .try_fold(1usize, |a, &d| a.checked_mul(d))
                .ok_or_else(too_big)?,
        ),
        None => None,
    };
    let minus_ones = minus_ones.len();
    let mut shape: Vec<Dim> = target
        .iter()
        .map(|&d| if d >= 0 { Some(d as usize) } else { None })
        .collect();
    if let Some(count) = input_count {
        if minus_ones == 1 {
            if known == 0 || count % known != 0 {
                return Err(InferError::Shape(format!(
                    "Dimension size must be evenly divisible by {known} but is {count}"
                )));
            }
            if let Some(slot) = shape.iter_mut().find(|d| d.is_none()) {
                *slot = Some(count / known);
            }
        } else if count != known {
            return Err(InferError::Shape(format!(
                "Cannot reshape a tensor with {count} elements to shape {target_text} ({known} elements)"
            )));
        }
    }
    Ok(TensorType::new(x.dtype, shape))
}

fn concat(inputs: &[TensorType], axis: usize) -> Result<TensorType, InferError> {
    let Some(first) = inputs.first() else {
        return Err(InferError::Message(
            "ConcatV2 needs at least one input".into(),
        ));
    };
    let rank = first.shape.len();
    if axis >= rank {
        return Err(InferError::Shape(format!(
            "Shape must be at least rank {} but is rank {rank}",
            axis + 1
        )));
    }
    let mut out = first.shape.clone();
    for t in &inputs[1..] {
        if t.dtype != first.dtype {
            return Err(InferError::Message(format!(
                "ConcatV2 inputs must have one dtype, got {} and {}",
                first.dtype, t.dtype
            )));
        }
        if t.shape.len() != rank {
            return Err(InferError::Shape(format!(
                "Shape must be rank {rank} but is rank {}",
                t.shape.len()
            )));
        }
        for (i, (o, d)) in out.iter_mut().zip(&t.shape).enumerate() {
            if i == axis {
                *o = o.zip(*d).map(|(a, b)| a + b);
            } else if let (Some(a), Some(b)) = (*o, *d) {
                if a != b {
                    return Err(InferError::Shape(format!(
                        "Dimension {i} in both shapes must be equal, but are {a} and {b}. Shapes are {} and {}.",
                        ShapeDisplay::brackets(&first.shape),
                        ShapeDisplay::brackets(&t.shape)
                    )));
                }
            } else {
                *o = o.or(*d);
            }
        }
    }
    Ok(TensorType::new(first.dtype, out))
}

fn reduce(x: &TensorType, axes: &[usize], keep_dims: bool) -> Result<TensorType, InferError> {
    let rank = x.shape.len();
    if let Some(bad) = axes.iter().find(|&&a| a >= rank) {
        return Err(InferError::Shape(format!(
            "Invalid reduction dimension {bad} for input with {rank} dimensions"
        )));
    }
    let shape = x
        .shape
        .iter()
        .enumerate()
        .filter_map(|(i, d)| match (axes.contains(&i), keep_dims) {
            (false, _) => Some(*d),
            (true, true) => Some(Some(1)),
            (true, false) => None,
        })
        .collect();
    Ok(TensorType::new(x.dtype, shape))
}

fn add_n(inputs: &[TensorType]) -> Result<TensorType, InferError> {
    let Some(first) = inputs.first() else {
        return Err(InferError::Message("add_n needs at least one input".into()));
    };
    let mut out = first.shape.clone();
    for t in &inputs[1..] {
        if t.dtype != first.dtype {
            return Err(InferError::Message(dtype_mismatch(
                "AddN",
                "inputs",
                t.dtype,
                "inputs",
                first.dtype,
            )));
        }
        if t.shape.len() != out.len() {
            return Err(InferError::Shape(format!(
                "Shapes must be equal rank, but are {} and {}",
                out.len(),
                t.shape.len()
            )));
        }
        for (i, (o, d)) in out.iter_mut().zip(&t.shape).enumerate() {
            match (*o, *d) {
                (Some(a), Some(b)) if a != b => {
                    return Err(InferError::Shape(format!(
                        "Dimension {i} in both shapes must be equal, but are {a} and {b}. Shapes are {} and {}.",
                        ShapeDisplay::brackets(&first.shape),
                        ShapeDisplay::brackets(&t.shape)
                    )))
                }
                (a, b) => *o = a.or(b),
            }
        }
    }
    Ok(TensorType::new(first.dtype, out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn t(dtype: DType, dims: &[Dim]) -> TensorType {
        TensorType::new(dtype, dims.to_vec())
    }
    const F: DType = DType::Float32;

    #[test]
    fn broadcasting_follows_numpy() {
        assert_eq!(
            broadcast(&[None, Some(3)], &[Some(3)]).unwrap(),
            vec![None, Some(3)]
        );
        assert_eq!(broadcast(&[Some(1)], &[None]).unwrap(), vec![None]);
        assert_eq!(
            broadcast(&[Some(2), Some(3)], &[Some(4)]),
            Err(InferError::Shape(
                "Dimensions must be equal, but are 3 and 4".into()
            ))
        );
    }

    #[test]
    fn matmul_checks_inner_dims_with_transposes() {
        let op = Op::MatMul {
            transpose_a: false,
            transpose_b: false,
        };
        let x = t(F, &[None, Some(9)]);
        let w = t(F, &[Some(8), Some(1)]);
        assert_eq!(
            infer(&op, &[x.clone(), w]),
            Err(InferError::Shape(
                "Dimensions must be equal, but are 9 and 8".into()
            ))
        );
        let xt = Op::MatMul {
            transpose_a: true,
            transpose_b: false,
        };
        let out = infer(&xt, &[x.clone(), x]).unwrap();
        assert_eq!(out.shape, vec![Some(9), Some(9)]);
    }

    #[test]
    fn dtype_mismatch_uses_tf_wording() {
        let err = infer(
            &Op::Binary(BinaryOp::AddV2),
            &[t(DType::Int32, &[]), t(F, &[])],
        );
        assert_eq!(
            err,
            Err(InferError::Message(
                "Input 'y' of 'AddV2' Op has type float32 that does not match type int32 of argument 'x'.".into()
            ))
        );
    }

    #[test]
    fn reshape_infers_minus_one_and_checks_counts() {
        let x = t(F, &[Some(2), Some(3)]);
        let op = |s: &'static [i64]| Op::Reshape {
            shape: Cow::Borrowed(s),
        };
        assert_eq!(
            infer(&op(&[-1]), std::slice::from_ref(&x)).unwrap().shape,
            vec![Some(6)]
        );
        assert!(matches!(
            infer(&op(&[4]), std::slice::from_ref(&x)),
            Err(InferError::Shape(m)) if m == "Cannot reshape a tensor with 6 elements to shape [4] (4 elements)"
        ));
        let unknown = t(F, &[None, Some(3)]);
        assert_eq!(
            infer(&op(&[-1, 3]), &[unknown]).unwrap().shape,
            vec![None, Some(3)]
        );
    }

    #[test]
    fn reductions_and_concat() {
        let x = t(F, &[None, Some(3)]);
        let mean = Op::Reduce {
            kind: ReduceKind::Mean,
            axes: Cow::Borrowed(&[1]),
            keep_dims: true,
        };
        assert_eq!(
            infer(&mean, std::slice::from_ref(&x)).unwrap().shape,
            vec![None, Some(1)]
        );
        let cat = Op::Concat { axis: 1 };
        let y = t(F, &[Some(2), Some(4)]);
        assert_eq!(infer(&cat, &[x, y]).unwrap().shape, vec![Some(2), Some(7)]);
    }

    fn shape_err(op: &Op, inputs: &[TensorType]) -> String {
        match infer(op, inputs) {
            Err(InferError::Shape(m) | InferError::Message(m)) => m,
            Ok(t) => panic!("{op:?} inferred {t:?}"),
        }
    }

    const SAME: Padding = Padding::Same;
    const VALID: Padding = Padding::Valid;

    #[test]
    fn conv2d_shapes_follow_tf() {
        let conv = |s, p| Op::Conv2D {
            strides: [s, s],
            padding: p,
        };
        let x = t(F, &[None, Some(28), Some(28), Some(1)]);
        let w = t(F, &[Some(5), Some(5), Some(1), Some(32)]);
        let out = |op, x: &TensorType, w: &TensorType| infer(&op, &[x.clone(), w.clone()]);
        assert_eq!(
            out(conv(1, SAME), &x, &w).unwrap(),
            t(F, &[None, Some(28), Some(28), Some(32)])
        );
        assert_eq!(
            out(conv(2, SAME), &x, &w).unwrap().shape,
            vec![None, Some(14), Some(14), Some(32)]
        );
        assert_eq!(
            out(conv(2, VALID), &x, &w).unwrap().shape,
            vec![None, Some(12), Some(12), Some(32)]
        );
        // Unknown spatial dims stay unknown; unknown filter dims too.
        let xu = t(F, &[Some(2), None, Some(7), None]);
        let wu = t(F, &[Some(3), None, Some(3), Some(4)]);
        assert_eq!(
            out(conv(2, SAME), &xu, &wu).unwrap().shape,
            vec![Some(2), None, None, Some(4)]
        );
        let w3 = t(F, &[Some(3), Some(3), Some(4), Some(8)]);
        let x3 = t(F, &[Some(1), Some(9), Some(9), Some(3)]);
        assert_eq!(
            shape_err(&conv(1, SAME), &[x3.clone(), w3]),
            "Depth of input (3) is not a multiple of input depth of filter (4)"
        );
        let w2 = t(F, &[Some(3), Some(3), Some(1), Some(8)]);
        assert!(shape_err(&conv(1, SAME), &[x3.clone(), w2])
            .starts_with("The Conv2D op currently does not support grouped convolutions"));
        assert_eq!(
            shape_err(
                &conv(1, SAME),
                &[t(F, &[Some(9), Some(9), Some(3)]), w.clone()]
            ),
            "Shape must be rank 4 but is rank 3"
        );
        let small = t(F, &[Some(1), Some(2), Some(2), Some(1)]);
        let w4 = t(F, &[Some(4), Some(4), Some(1), Some(1)]);
        assert_eq!(
            shape_err(&conv(1, VALID), &[small.clone(), w4.clone()]),
            "Computed output size would be negative: -1 [input_size: 2, effective_filter_size: 4, stride: 1]"
        );
        assert_eq!(
            out(conv(1, SAME), &small, &w4).unwrap().shape,
            vec![Some(1), Some(2), Some(2), Some(1)]
        );
        assert_eq!(
            shape_err(&conv(0, SAME), &[xu, w.clone()]),
            "Stride must be > 0, but got 0"
        );
        assert_eq!(
            shape_err(&conv(1, SAME), &[x.clone(), t(DType::Float64, &[Some(5), Some(5), Some(1), Some(32)])]),
            "Input 'filter' of 'Conv2D' Op has type float64 that does not match type float32 of argument 'input'."
        );
        let xi = t(DType::Int32, &[Some(1), Some(5), Some(5), Some(1)]);
        assert!(shape_err(&conv(1, SAME), &[xi.clone(), xi]).starts_with(
            "Value passed to parameter 'input' has DataType int32 not in list of allowed values: float32, float64"
        ));
    }

    #[test]
    fn conv2d_backprops_check_dy_against_the_forward() {
        let x = t(F, &[Some(2), Some(7), Some(5), Some(3)]);
        let w = t(F, &[Some(3), Some(3), Some(3), Some(4)]);
        let dy = t(F, &[Some(2), Some(4), Some(3), Some(4)]);
        let bi = Op::Conv2DBackpropInput {
            strides: [2, 2],
            padding: SAME,
        };
        let bf = Op::Conv2DBackpropFilter {
            strides: [2, 2],
            padding: SAME,
        };
        let args = [x.clone(), w.clone(), dy.clone()];
        assert_eq!(infer(&bi, &args).unwrap(), x);
        assert_eq!(infer(&bf, &args).unwrap(), w);
        let bad = t(F, &[Some(2), Some(3), Some(3), Some(4)]);
        assert_eq!(
            shape_err(&bi, &[x.clone(), w.clone(), bad]),
            "Conv2DBackpropInput: Size of out_backprop doesn't match computed: actual = 3, computed = 4 spatial_dim: 1 input: 7 filter: 3 output: 3 stride: 2 dilation: 1"
        );
        let bad = t(F, &[Some(3), Some(4), Some(3), Some(4)]);
        assert_eq!(
            shape_err(&bf, &[x.clone(), w.clone(), bad]),
            "Conv2DBackpropFilter: input and out_backprop must have the same batch size. Input batch: 2, outbackprop batch: 3, batch_dim: 0"
        );
        let bad = t(F, &[Some(2), Some(4), Some(3), Some(5)]);
        assert_eq!(
            shape_err(&bf, &[x.clone(), w.clone(), bad]),
            "Conv2DBackpropFilter: filter and out_backprop must have the same out_depth"
        );
        let unknown = t(F, &[None, None, None, None]);
        assert_eq!(infer(&bi, &[x.clone(), w.clone(), unknown]).unwrap(), x);
        assert_eq!(
            shape_err(&bi, &[x.clone(), w.clone()]),
            "Conv2DBackpropInput takes 3 inputs but got 2"
        );
        assert_eq!(
            shape_err(&bi, &[x, w, t(DType::Float64, &[None; 4])]),
            "Input 'out_backprop' of 'Conv2DBackpropInput' Op has type float64 that does not match type float32 of argument 'input'."
        );
    }

    #[test]
    fn pools_follow_tf() {
        let x = t(F, &[None, Some(28), Some(28), Some(32)]);
        let max = |k, s, p| Op::MaxPool {
            ksize: [k, k],
            strides: [s, s],
            padding: p,
        };
        let avg = |k, s, p| Op::AvgPool {
            ksize: [k, k],
            strides: [s, s],
            padding: p,
        };
        for op in [max(2, 2, SAME), avg(2, 2, VALID)] {
            assert_eq!(
                infer(&op, std::slice::from_ref(&x)).unwrap().shape,
                vec![None, Some(14), Some(14), Some(32)]
            );
        }
        assert_eq!(
            infer(&max(3, 2, VALID), std::slice::from_ref(&x))
                .unwrap()
                .shape,
            vec![None, Some(13), Some(13), Some(32)]
        );
        assert_eq!(
            shape_err(&max(2, 2, SAME), &[t(F, &[Some(4), Some(4), Some(1)])]),
            "Shape must be rank 4 but is rank 3"
        );
        assert_eq!(
            shape_err(&avg(0, 1, SAME), std::slice::from_ref(&x)),
            "Sliding window ksize for dimension 1 was zero."
        );
        assert_eq!(
            shape_err(&max(30, 1, VALID), std::slice::from_ref(&x)),
            "Computed output size would be negative: -1 [input_size: 28, effective_filter_size: 30, stride: 1]"
        );
        assert!(shape_err(&avg(2, 2, SAME), &[t(DType::Int64, &[None; 4])])
            .starts_with("Value passed to parameter 'value' has DataType int64"));
        let mg = Op::MaxPoolGrad {
            ksize: [2, 2],
            strides: [2, 2],
            padding: SAME,
        };
        let y = t(F, &[None, Some(14), Some(14), Some(32)]);
        assert_eq!(infer(&mg, &[x.clone(), y.clone(), y.clone()]).unwrap(), x);
        let bad = t(F, &[None, Some(13), Some(14), Some(32)]);
        assert_eq!(
            shape_err(&mg, &[x.clone(), y.clone(), bad.clone()]),
            "Dimensions must be equal, but are 14 and 13"
        );
        let ag = Op::AvgPoolGrad {
            ksize: [2, 2],
            strides: [2, 2],
            padding: SAME,
        };
        assert_eq!(infer(&ag, &[x.clone(), y]).unwrap(), x);
        assert_eq!(
            shape_err(&ag, &[x, bad]),
            "Dimensions must be equal, but are 14 and 13"
        );
    }
}
