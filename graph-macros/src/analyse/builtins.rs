//! The built-in ops: one table from TF's names to handlers, tensor conversion, and
//! the math and array ops of the op set.

use super::args::{bind, Bound, Call, Sig};
use super::convert::{self, normalize};
use super::graph::GraphB;
use super::value::{Spanned, Value};
use super::{
    batch_norm, conv, nn, optimizers, saver, suggest, summary, toolbox, variables, Interp,
};
use crate::ctxt::{Reported, Sp};
use crate::parse::ast::BinOp;
use staticflow_ir::shape::ShapeDisplay;
use staticflow_ir::{
    infer, BinaryOp, ConstValue, DType, InferError, Op, RandomDist, ReduceKind, TensorType, UnaryOp,
};
use std::borrow::Cow;

type Handler = fn(&mut Interp, &Call) -> Result<Value, Reported>;

/// Every op name the language knows (after stripping `tf.`), with its handler.
const OPS: &[(&str, Handler)] = &[
    ("constant", constant),
    ("placeholder", placeholder),
    ("Variable", variables::variable),
    ("get_variable", variables::get_variable),
    ("assign", variables::assign_fn),
    ("assign_add", variables::assign_fn),
    ("assign_sub", variables::assign_fn),
    ("name_scope", variables::name_scope),
    ("variable_scope", variables::variable_scope),
    ("get_variable_scope", variables::get_variable_scope),
    ("control_dependencies", variables::control_dependencies),
    (
        "global_variables_initializer",
        variables::global_variables_initializer,
    ),
    (
        "initialize_all_variables",
        variables::global_variables_initializer,
    ),
    ("variables_initializer", variables::variables_initializer),
    ("global_variables", variables::global_variables),
    ("trainable_variables", variables::trainable_variables),
    ("get_collection", variables::get_collection),
    ("add_to_collection", variables::add_to_collection),
    ("set_random_seed", variables::set_random_seed),
    ("random.set_seed", variables::set_random_seed),
    ("constant_initializer", variables::initializer),
    ("zeros_initializer", variables::initializer),
    ("ones_initializer", variables::initializer),
    ("random_uniform_initializer", variables::initializer),
    ("random_normal_initializer", variables::initializer),
    ("truncated_normal_initializer", variables::initializer),
    ("glorot_uniform_initializer", variables::initializer),
    ("initializers.constant", variables::initializer),
    ("initializers.zeros", variables::initializer),
    ("initializers.ones", variables::initializer),
    ("initializers.random_uniform", variables::initializer),
    ("initializers.random_normal", variables::initializer),
    ("initializers.truncated_normal", variables::initializer),
    ("initializers.glorot_uniform", variables::initializer),
    ("add", binary_fn),
    ("math.add", binary_fn),
    ("subtract", binary_fn),
    ("math.subtract", binary_fn),
    ("multiply", binary_fn),
    ("math.multiply", binary_fn),
    ("divide", binary_fn),
    ("math.divide", binary_fn),
    ("truediv", binary_fn),
    ("math.truediv", binary_fn),
    ("pow", binary_fn),
    ("math.pow", binary_fn),
    ("maximum", binary_fn),
    ("math.maximum", binary_fn),
    ("minimum", binary_fn),
    ("math.minimum", binary_fn),
    ("equal", binary_fn),
    ("math.equal", binary_fn),
    ("negative", unary_fn),
    ("math.negative", unary_fn),
    ("square", unary_fn),
    ("math.square", unary_fn),
    ("sqrt", unary_fn),
    ("math.sqrt", unary_fn),
    ("exp", unary_fn),
    ("math.exp", unary_fn),
    ("log", unary_fn),
    ("math.log", unary_fn),
    ("abs", unary_fn),
    ("math.abs", unary_fn),
    ("nn.relu", unary_fn),
    ("relu", unary_fn),
    ("sigmoid", unary_fn),
    ("nn.sigmoid", unary_fn),
    ("math.sigmoid", unary_fn),
    ("tanh", unary_fn),
    ("nn.tanh", unary_fn),
    ("math.tanh", unary_fn),
    ("identity", identity),
    ("matmul", matmul),
    ("linalg.matmul", matmul),
    ("transpose", transpose),
    ("linalg.transpose", transpose),
    ("reshape", reshape),
    ("concat", concat),
    ("matrix_inverse", matrix_inverse),
    ("linalg.inv", matrix_inverse),
    ("reduce_sum", reduce),
    ("math.reduce_sum", reduce),
    ("reduce_mean", reduce),
    ("math.reduce_mean", reduce),
    ("reduce_max", reduce),
    ("math.reduce_max", reduce),
    ("add_n", add_n),
    ("math.add_n", add_n),
    ("nn.softmax", softmax),
    ("softmax", softmax),
    ("cast", cast),
    ("argmax", argmax),
    ("math.argmax", argmax),
    ("random_uniform", random),
    ("random.uniform", random),
    ("random_normal", random),
    ("random.normal", random),
    ("truncated_normal", random),
    ("random.truncated_normal", random),
    ("zeros", fill),
    ("ones", fill),
    ("fill", fill),
    ("group", group),
    ("no_op", no_op),
    ("gradients", optimizers::gradients),
    ("stop_gradient", optimizers::stop_gradient),
    ("train.GradientDescentOptimizer", optimizers::optimizer),
    ("train.MomentumOptimizer", optimizers::optimizer),
    ("train.AdamOptimizer", optimizers::optimizer),
    ("train.RMSPropOptimizer", optimizers::optimizer),
    ("train.AdagradOptimizer", optimizers::optimizer),
    ("GradientDescentOptimizer", optimizers::optimizer),
    ("MomentumOptimizer", optimizers::optimizer),
    ("AdamOptimizer", optimizers::optimizer),
    ("RMSPropOptimizer", optimizers::optimizer),
    ("AdagradOptimizer", optimizers::optimizer),
    ("train.get_or_create_global_step", optimizers::global_step),
    ("train.create_global_step", optimizers::global_step),
    ("train.get_global_step", optimizers::global_step),
    (
        "nn.softmax_cross_entropy_with_logits_v2",
        nn::softmax_cross_entropy,
    ),
    (
        "nn.softmax_cross_entropy_with_logits",
        nn::softmax_cross_entropy,
    ),
    (
        "nn.sparse_softmax_cross_entropy_with_logits",
        nn::sparse_softmax_cross_entropy,
    ),
    (
        "nn.sigmoid_cross_entropy_with_logits",
        nn::sigmoid_cross_entropy,
    ),
    ("nn.l2_loss", nn::l2_loss),
    ("losses.mean_squared_error", nn::mean_squared_error),
    ("nn.dropout", nn::dropout),
    ("layers.dense", nn::dense),
    ("nn.log_softmax", nn::log_softmax),
    ("math.log_softmax", nn::log_softmax),
    ("clip_by_global_norm", nn::clip_by_global_norm),
    ("nn.bias_add", nn::bias_add),
    ("summary.scalar", summary::value_summary),
    ("summary.histogram", summary::value_summary),
    ("summary.merge", summary::merge),
    ("summary.merge_all", summary::merge_all),
    (
        "layers.batch_normalization",
        batch_norm::batch_normalization,
    ),
    ("contrib.layers.batch_norm", batch_norm::contrib_batch_norm),
    ("placeholder_with_default", placeholder_with_default),
    ("nn.conv2d", conv::conv2d),
    ("nn.max_pool", conv::pool),
    ("nn.avg_pool", conv::pool),
    ("layers.conv2d", conv::conv2d_layer),
    ("layers.max_pooling2d", conv::pooling_layer),
    ("layers.average_pooling2d", conv::pooling_layer),
    ("layers.flatten", conv::flatten),
    ("layers.dropout", conv::dropout_layer),
    ("arg_scope", toolbox::arg_scope),
    ("contrib.framework.arg_scope", toolbox::arg_scope),
    ("contrib.slim.arg_scope", toolbox::arg_scope),
    ("slim.arg_scope", toolbox::arg_scope),
    ("layers.l1_regularizer", toolbox::regularizer),
    ("layers.l2_regularizer", toolbox::regularizer),
    ("contrib.layers.l1_regularizer", toolbox::regularizer),
    ("contrib.layers.l2_regularizer", toolbox::regularizer),
    (
        "losses.get_regularization_loss",
        toolbox::get_regularization_loss,
    ),
    (
        "losses.get_regularization_losses",
        toolbox::get_regularization_losses,
    ),
    ("tuple", toolbox::tuple),
    ("train.Saver", saver::saver),
    ("Saver", saver::saver),
    ("ones_like", like),
    ("zeros_like", like),
    ("int", py_int),
    ("float", py_float),
    ("len", py_len),
];

/// Every op name, for suggestions.
pub fn op_names() -> impl Iterator<Item = &'static str> {
    OPS.iter().map(|(n, _)| *n)
}

/// Calls the built-in named `path`.
pub fn call(it: &mut Interp, path: &str, call: &Call, func_sp: Sp) -> Result<Value, Reported> {
    let name = normalize(path);
    if let Some((_, handler)) = OPS.iter().find(|(n, _)| *n == name) {
        return handler(it, call);
    }
    let last = name.rsplit('.').next().unwrap_or(&name);
    let hint = suggest::closest(&name, op_names())
        .or_else(|| suggest::closest(last, op_names()))
        .map(|c| {
            let prefix = if path.starts_with("tf.") { "tf." } else { "" };
            format!("; did you mean `{prefix}{c}`?")
        })
        .unwrap_or_default();
    Err(it.cx.error(func_sp, format!("unknown op `{path}`{hint}")))
}

/// Which built-in was called, without prefixes (`reduce_mean`, `random.uniform` → `random_uniform`).
fn op_key(call_name: &str) -> &str {
    call_name
}

/// Rejects any argument (for methods that take none).
pub fn no_args(it: &mut Interp, call: &Call) -> Result<(), Reported> {
    bind(
        &mut it.cx,
        call,
        &Sig {
            params: &[],
            required: 0,
        },
    )
    .map(drop)
}

/// The node a tensor-like value reads (a variable's `read`).
pub fn tensor_node(it: &Interp, v: &Value) -> u32 {
    match v {
        Value::Variable(i) => it.g.vars[*i].read,
        Value::Tensor(n) | Value::Operation(n) => *n,
        _ => 0,
    }
}

/// The `name = ...` argument, if given.
pub fn name_arg(it: &mut Interp, b: &Bound) -> Result<Option<String>, Reported> {
    match b.some("name") {
        Some(s) => Ok(Some(convert::as_str(&mut it.cx, &s.value, s.sp, "name")?)),
        None => Ok(None),
    }
}

/// Converts a value to a tensor: graph tensors as they are, Python literals as a `Const`
/// named `const_name` in the current scope (TF's `convert_to_tensor`).
pub fn to_tensor(
    it: &mut Interp,
    v: &Spanned,
    hint: Option<DType>,
    const_name: &str,
) -> Result<u32, Reported> {
    match &v.value {
        Value::Tensor(n) => Ok(*n),
        Value::Variable(i) => Ok(it.g.vars[*i].read),
        Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::List(_) | Value::Tuple(_) => {
            let lit = convert::flatten_literal(&mut it.cx, &v.value, v.sp)?;
            let dtype = match hint {
                Some(d) => d,
                None => match convert::infer_literal_dtype(&lit.elems) {
                    Some(d) => d,
                    None => {
                        return Err(it.cx.error(
                            v.sp,
                            "cannot convert this value to a tensor: expected numbers or bools",
                        ))
                    }
                },
            };
            let value = convert::literal_to_const(&mut it.cx, &lit.elems, dtype, v.sp)?;
            let shape = lit.shape.iter().map(|&d| Some(d)).collect();
            Ok(it.g.add(
                const_name,
                Op::Const(value),
                vec![],
                TensorType::new(dtype, shape),
            ))
        }
        other => Err(it.cx.error(
            v.sp,
            format!("expected a tensor, found {}", other.kind_name()),
        )),
    }
}

/// The dtype of a graph tensor value, if it is one.
fn graph_dtype(it: &Interp, v: &Value) -> Option<DType> {
    match v {
        Value::Tensor(n) => Some(it.g.ty(*n).dtype),
        Value::Variable(i) => Some(it.g.vars[*i].dtype),
        _ => None,
    }
}

/// Infers an op's output type, reporting TF's message with the op's name and input shapes.
pub fn infer_node(
    it: &mut Interp,
    name: &str,
    op: &Op,
    inputs: &[u32],
    sp: Sp,
) -> Result<TensorType, Reported> {
    let tys: Vec<TensorType> = inputs.iter().map(|&n| it.g.ty(n).clone()).collect();
    infer(op, &tys).map_err(|e| match e {
        InferError::Shape(m) => {
            let shapes: Vec<String> = tys
                .iter()
                .map(|t| ShapeDisplay::brackets(&t.shape).to_string())
                .collect();
            it.cx.error(
                sp,
                format!(
                    "{m} for '{name}' ({}) with input shapes: {}.",
                    op.tf_type(),
                    shapes.join(", ")
                ),
            )
        }
        InferError::Message(m) => it.cx.error(sp, m),
    })
}

/// Builds an op TF-style: opens the name scope `name` (or `default`), converts the
/// arguments inside it (literals become `scope/ARG` constants of the first tensor's
/// dtype), infers the type and adds the node named after the scope.
pub fn build_op(
    it: &mut Interp,
    name: Option<&str>,
    default: &str,
    op: Op,
    args: &[(&str, &Spanned)],
    sp: Sp,
) -> Result<u32, Reported> {
    let scope = it.g.unique_name(name.unwrap_or(default));
    let prev = it.g.push_name_scope(Some(&format!("{scope}/")));
    let hint = args.iter().find_map(|(_, v)| graph_dtype(it, &v.value));
    let mut inputs = Vec::with_capacity(args.len());
    let mut failed = None;
    for (arg_name, v) in args {
        match to_tensor(it, v, hint, arg_name) {
            Ok(n) => inputs.push(n),
            Err(r) => failed = Some(r),
        }
    }
    it.g.pop_name_scope(prev);
    if let Some(r) = failed {
        return Err(r);
    }
    add_node(it, scope, op, &inputs, sp)
}

/// Infers and adds a node with an exact name and tensor inputs.
pub fn add_node(
    it: &mut Interp,
    name: String,
    op: Op,
    inputs: &[u32],
    sp: Sp,
) -> Result<u32, Reported> {
    let ty = infer_node(it, &name, &op, inputs, sp)?;
    let refs = inputs.iter().map(|&n| GraphB::out(n)).collect();
    Ok(it.g.add_exact(name, op, refs, ty))
}

fn sig1(it: &mut Interp, call: &Call, params: &[&str], required: usize) -> Result<Bound, Reported> {
    bind(&mut it.cx, call, &Sig { params, required })
}

fn constant(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig1(
        it,
        call,
        &["value", "dtype", "shape", "name", "verify_shape"],
        1,
    )?;
    let dtype = match b.some("dtype") {
        Some(d) => Some(convert::as_dtype(&mut it.cx, &d.value, d.sp)?),
        None => None,
    };
    let name = name_arg(it, &b)?.unwrap_or_else(|| "Const".into());
    let value = b.req("value");
    if let Value::Tensor(n) = value.value {
        // `constant(data)` of a graph parameter: the data is already a tensor.
        if dtype.is_some_and(|d| d != it.g.ty(n).dtype) {
            return Err(it.cx.error(
                value.sp,
                "constant() of a tensor cannot change its dtype; use cast()",
            ));
        }
        let ty = it.g.ty(n).clone();
        let node = it.g.add(&name, Op::Identity, vec![GraphB::out(n)], ty);
        return Ok(Value::Tensor(node));
    }
    if value.value.is_graph_tensor() {
        return Err(it.cx.error(
            value.sp,
            "constant() takes a Python value or a graph parameter",
        ));
    }
    let lit = convert::flatten_literal(&mut it.cx, &value.value, value.sp)?;
    let dtype = match dtype.or_else(|| convert::infer_literal_dtype(&lit.elems)) {
        Some(d) => d,
        None => return Err(it.cx.error(value.sp, "constant() needs numbers or bools")),
    };
    let (data, shape) = match b.some("shape") {
        Some(s) => {
            let shape = convert::known_shape_of(&mut it.cx, &s.value, s.sp)?;
            let Some(count) = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)) else {
                return Err(it
                    .cx
                    .error(s.sp, "this shape has more elements than fit in memory"));
            };
            let elems: Vec<Value> = match lit.elems.len() {
                1 => vec![lit.elems[0].clone(); count],
                n if n == count => lit.elems.clone(),
                n => {
                    return Err(it.cx.error(
                        s.sp,
                        format!(
                            "Too many elements provided. Needed at most {count}, but received {n}"
                        ),
                    ))
                }
            };
            (
                convert::literal_to_const(&mut it.cx, &elems, dtype, value.sp)?,
                shape,
            )
        }
        None => (
            convert::literal_to_const(&mut it.cx, &lit.elems, dtype, value.sp)?,
            lit.shape,
        ),
    };
    let shape = shape.into_iter().map(Some).collect();
    let node = it.g.add(
        &name,
        Op::Const(data),
        vec![],
        TensorType::new(dtype, shape),
    );
    Ok(Value::Tensor(node))
}

/// `placeholder_with_default(input, shape, name = None)`: fed or else `input`.
fn placeholder_with_default(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig1(it, call, &["input", "shape", "name"], 2)?;
    let name = name_arg(it, &b)?;
    let scope =
        it.g.unique_name(name.as_deref().unwrap_or("PlaceholderWithDefault"));
    let prev = it.g.push_name_scope(Some(&format!("{scope}/")));
    let input = to_tensor(it, b.req("input"), None, "input");
    it.g.pop_name_scope(prev);
    let input = input?;
    let s = b.req("shape");
    let shape = convert::shape_of(&mut it.cx, &s.value, s.sp)?;
    let have = it.g.ty(input).clone();
    let fits = have.shape.len() == shape.len()
        && have
            .shape
            .iter()
            .zip(&shape)
            .all(|(h, w)| w.is_none() || h == w);
    if !fits {
        return Err(it.cx.error(
            s.sp,
            format!(
                "Cannot use default of shape {} for shape {}",
                ShapeDisplay::brackets(&have.shape),
                ShapeDisplay::brackets(&shape)
            ),
        ));
    }
    let node = it.g.add_exact(
        scope,
        Op::PlaceholderWithDefault,
        vec![GraphB::out(input)],
        TensorType::new(have.dtype, shape),
    );
    Ok(Value::Tensor(node))
}

fn placeholder(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig1(it, call, &["dtype", "shape", "name"], 1)?;
    let d = b.req("dtype");
    let dtype = convert::as_dtype(&mut it.cx, &d.value, d.sp)?;
    let shape = match b.some("shape") {
        Some(s) => convert::shape_of(&mut it.cx, &s.value, s.sp)?,
        None => {
            return Err(it.cx.error(
                call.sp,
                "placeholder() needs `shape = [...]` here (use None for unknown dims): staticflow checks ranks at compile time",
            ))
        }
    };
    let name = name_arg(it, &b)?.unwrap_or_else(|| "Placeholder".into());
    let node = it.g.add(
        &name,
        Op::Placeholder,
        vec![],
        TensorType::new(dtype, shape),
    );
    Ok(Value::Tensor(node))
}

/// `a + b`, `a - b`, `a * b`, `a / b` with a tensor operand (TF's operator overloads).
pub fn binary_operator(
    it: &mut Interp,
    op: BinOp,
    l: Spanned,
    r: Spanned,
    sp: Sp,
) -> Result<Value, Reported> {
    let (bop, scope_name) = match op {
        BinOp::Add => (BinaryOp::AddV2, "add"),
        BinOp::Sub => (BinaryOp::Sub, "sub"),
        BinOp::Mul => (BinaryOp::Mul, "mul"),
        _ => (BinaryOp::RealDiv, "truediv"),
    };
    binary_common(it, None, scope_name, bop, &l, &r, sp)
}

/// Shared body of binary ops: scope, literal conversion (`x`/`y`), int true division.
fn binary_common(
    it: &mut Interp,
    name: Option<&str>,
    default: &str,
    bop: BinaryOp,
    l: &Spanned,
    r: &Spanned,
    sp: Sp,
) -> Result<Value, Reported> {
    let scope = it.g.unique_name(name.unwrap_or(default));
    let prev = it.g.push_name_scope(Some(&format!("{scope}/")));
    let converted = (|| {
        // The tensor operand fixes the literal's dtype, as TF's operator wrappers do.
        let (x, y) = if graph_dtype(it, &l.value).is_some() {
            let x = to_tensor(it, l, None, "x")?;
            let y = to_tensor(it, r, Some(it.g.ty(x).dtype), "y")?;
            (x, y)
        } else {
            let y = to_tensor(it, r, None, "y")?;
            let x = to_tensor(it, l, Some(it.g.ty(y).dtype), "x")?;
            (x, y)
        };
        let (dx, dy) = (it.g.ty(x).dtype, it.g.ty(y).dtype);
        if bop == BinaryOp::RealDiv && dx == dy && dx.is_integer() {
            // TF's truediv casts integer operands to float64.
            let cx = cast_node(it, x, DType::Float64, "Cast");
            let cy = cast_node(it, y, DType::Float64, "Cast");
            return Ok((cx, cy));
        }
        Ok((x, y))
    })();
    it.g.pop_name_scope(prev);
    let (x, y) = converted?;
    let node = add_node(it, scope, Op::Binary(bop), &[x, y], sp)?;
    Ok(Value::Tensor(node))
}

fn cast_node(it: &mut Interp, x: u32, to: DType, name: &str) -> u32 {
    let shape = it.g.ty(x).shape.clone();
    it.g.add(
        name,
        Op::Cast,
        vec![GraphB::out(x)],
        TensorType::new(to, shape),
    )
}

fn binary_fn(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig1(it, call, &["x", "y", "name"], 2)?;
    let name = name_arg(it, &b)?;
    let (bop, default) = match op_key(&call.name) {
        "add" => (BinaryOp::Add, "Add"),
        "subtract" => (BinaryOp::Sub, "Sub"),
        "multiply" => (BinaryOp::Mul, "Mul"),
        "divide" | "truediv" => (BinaryOp::RealDiv, "truediv"),
        "pow" => (BinaryOp::Pow, "Pow"),
        "maximum" => (BinaryOp::Maximum, "Maximum"),
        "minimum" => (BinaryOp::Minimum, "Minimum"),
        _ => (BinaryOp::Equal, "Equal"),
    };
    let (x, y) = (b.req("x").clone(), b.req("y").clone());
    binary_common(it, name.as_deref(), default, bop, &x, &y, call.sp)
}

/// `-x` on a tensor.
pub fn neg(it: &mut Interp, x: Spanned, sp: Sp) -> Result<Value, Reported> {
    build_op(it, None, "Neg", Op::Unary(UnaryOp::Neg), &[("x", &x)], sp).map(Value::Tensor)
}

fn unary_fn(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let arg = if call.name == "relu" { "features" } else { "x" };
    let b = sig1(it, call, &[arg, "name"], 1)?;
    let name = name_arg(it, &b)?;
    let u = match op_key(&call.name) {
        "negative" => UnaryOp::Neg,
        "square" => UnaryOp::Square,
        "sqrt" => UnaryOp::Sqrt,
        "exp" => UnaryOp::Exp,
        "log" => UnaryOp::Log,
        "abs" => UnaryOp::Abs,
        "relu" => UnaryOp::Relu,
        "sigmoid" => UnaryOp::Sigmoid,
        _ => UnaryOp::Tanh,
    };
    let x = b.req(arg).clone();
    build_op(
        it,
        name.as_deref(),
        u.tf_type(),
        Op::Unary(u),
        &[(arg, &x)],
        call.sp,
    )
    .map(Value::Tensor)
}

fn identity(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig1(it, call, &["input", "name"], 1)?;
    let name = name_arg(it, &b)?;
    let x = b.req("input").clone();
    build_op(
        it,
        name.as_deref(),
        "Identity",
        Op::Identity,
        &[("input", &x)],
        call.sp,
    )
    .map(Value::Tensor)
}

fn flag(it: &mut Interp, b: &Bound, key: &str) -> Result<bool, Reported> {
    match b.some(key) {
        Some(s) => convert::as_bool(&mut it.cx, &s.value, s.sp, key),
        None => Ok(false),
    }
}

/// The source of a rank-2 `transpose` node, with the transpose flag flipped.
fn fold_transpose(it: &Interp, v: Spanned, flag: bool) -> (Spanned, bool) {
    if let Value::Tensor(n) = v.value {
        let node = &it.g.nodes[n as usize];
        if let (Op::Transpose { perm }, Some(src)) = (&node.op, node.inputs.first()) {
            if perm.as_ref() == [1, 0] {
                let value = Value::Tensor(src.node);
                return (Spanned { value, sp: v.sp }, !flag);
            }
        }
    }
    (v, flag)
}

fn matmul(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig1(
        it,
        call,
        &[
            "a",
            "b",
            "transpose_a",
            "transpose_b",
            "adjoint_a",
            "adjoint_b",
            "a_is_sparse",
            "b_is_sparse",
            "name",
        ],
        2,
    )?;
    let transpose_a = flag(it, &b, "transpose_a")? || flag(it, &b, "adjoint_a")?;
    let transpose_b = flag(it, &b, "transpose_b")? || flag(it, &b, "adjoint_b")?;
    let name = name_arg(it, &b)?;
    // `matmul(transpose(X), e)` reads X with a transposed stride instead of the copy the
    // Transpose op makes; the Transpose node keeps its name and is pruned when unused.
    let (x, transpose_a) = fold_transpose(it, b.req("a").clone(), transpose_a);
    let (y, transpose_b) = fold_transpose(it, b.req("b").clone(), transpose_b);
    build_op(
        it,
        name.as_deref(),
        "MatMul",
        Op::MatMul {
            transpose_a,
            transpose_b,
        },
        &[("a", &x), ("b", &y)],
        call.sp,
    )
    .map(Value::Tensor)
}

fn transpose(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig1(it, call, &["a", "perm", "name", "conjugate"], 1)?;
    let name = name_arg(it, &b)?;
    let x = b.req("a").clone();
    let rank = match &x.value {
        Value::Tensor(_) | Value::Variable(_) => it.g.ty(tensor_node(it, &x.value)).shape.len(),
        _ => {
            let lit = convert::flatten_literal(&mut it.cx, &x.value, x.sp)?;
            lit.shape.len()
        }
    };
    let perm: Vec<usize> = match b.some("perm") {
        Some(p) => {
            let dims = match &p.value {
                Value::List(items) | Value::Tuple(items) => items.clone(),
                other => {
                    return Err(it.cx.error(
                        p.sp,
                        format!("`perm` must be a list, found {}", other.kind_name()),
                    ))
                }
            };
            let mut perm = Vec::new();
            for d in dims {
                let i = convert::as_int(&mut it.cx, &d, p.sp, "perm")?;
                let k = if i < 0 { i + rank as i64 } else { i };
                if k < 0 || k as usize >= rank {
                    return Err(it.cx.error(
                        p.sp,
                        format!("perm dim {i} is out of range of input rank {rank} for 'transpose' (Transpose)"),
                    ));
                }
                perm.push(k as usize);
            }
            perm
        }
        None => (0..rank).rev().collect(),
    };
    build_op(
        it,
        name.as_deref(),
        "transpose",
        Op::Transpose {
            perm: Cow::Owned(perm),
        },
        &[("a", &x)],
        call.sp,
    )
    .map(Value::Tensor)
}

fn reshape(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig1(it, call, &["tensor", "shape", "name"], 2)?;
    let name = name_arg(it, &b)?;
    let s = b.req("shape").clone();
    let items = match &s.value {
        Value::List(items) | Value::Tuple(items) => items.clone(),
        Value::Int(i) => vec![Value::Int(*i)],
        other => {
            return Err(it.cx.error(
                s.sp,
                format!(
                    "`shape` must be a list of ints, found {}",
                    other.kind_name()
                ),
            ))
        }
    };
    let mut shape = Vec::new();
    for d in &items {
        shape.push(convert::as_int(&mut it.cx, d, s.sp, "shape")?);
    }
    let x = b.req("tensor").clone();
    build_op(
        it,
        name.as_deref(),
        "Reshape",
        Op::Reshape {
            shape: Cow::Owned(shape),
        },
        &[("tensor", &x)],
        call.sp,
    )
    .map(Value::Tensor)
}

/// A list argument of tensors (`values`, `inputs`).
fn tensor_list(it: &mut Interp, v: &Spanned, what: &str) -> Result<Vec<Spanned>, Reported> {
    match &v.value {
        Value::List(items) | Value::Tuple(items) => Ok(items
            .iter()
            .map(|i| Spanned {
                value: i.clone(),
                sp: v.sp,
            })
            .collect()),
        other => Err(it.cx.error(
            v.sp,
            format!(
                "`{what}` must be a list of tensors, found {}",
                other.kind_name()
            ),
        )),
    }
}

/// A (possibly negative) axis made non-negative for `rank`.
/// A (possibly negative) axis made non-negative for `rank`; `message` words the error
/// for an axis out of range the way TF's shape function for the op does.
fn axis_of(
    it: &mut Interp,
    v: &Spanned,
    rank: usize,
    message: impl FnOnce(i64) -> String,
) -> Result<usize, Reported> {
    let a = convert::as_int(&mut it.cx, &v.value, v.sp, "axis")?;
    let k = if a < 0 { a + rank as i64 } else { a };
    if k < 0 || k as usize >= rank.max(1) {
        return Err(it.cx.error(v.sp, message(a)));
    }
    Ok(k as usize)
}

/// ` for 'NAME' (TYPE) with input shapes: [..], [..].`, the tail of TF's shape errors.
fn for_op(it: &Interp, name: &str, op_type: &str, inputs: &[u32], extra: &[&str]) -> String {
    let mut shapes: Vec<String> = inputs
        .iter()
        .map(|&n| ShapeDisplay::brackets(&it.g.ty(n).shape).to_string())
        .collect();
    shapes.extend(extra.iter().map(|e| e.to_string()));
    format!(
        " for '{name}' ({op_type}) with input shapes: {}.",
        shapes.join(", ")
    )
}

fn concat(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig1(it, call, &["values", "axis", "name"], 2)?;
    let name = name_arg(it, &b)?.unwrap_or_else(|| "concat".into());
    let values = tensor_list(it, b.req("values"), "values")?;
    let scope = it.g.unique_name(&name);
    let prev = it.g.push_name_scope(Some(&format!("{scope}/")));
    let hint = values.iter().find_map(|v| graph_dtype(it, &v.value));
    let mut inputs = Vec::new();
    let mut failed = None;
    for (i, v) in values.iter().enumerate() {
        match to_tensor(it, v, hint, &format!("values_{i}")) {
            Ok(n) => inputs.push(n),
            Err(r) => failed = Some(r),
        }
    }
    it.g.pop_name_scope(prev);
    if let Some(r) = failed {
        return Err(r);
    }
    let rank = inputs.first().map_or(0, |&n| it.g.ty(n).shape.len());
    let tail = for_op(it, &scope, "ConcatV2", &inputs, &["[]"]);
    let axis = axis_of(it, b.req("axis"), rank, |a| {
        let need = if a < 0 { -a } else { a + 1 };
        format!("Shape must be at least rank {need} but is rank {rank}{tail}")
    })?;
    add_node(it, scope, Op::Concat { axis }, &inputs, call.sp).map(Value::Tensor)
}

fn matrix_inverse(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig1(it, call, &["input", "adjoint", "name"], 1)?;
    let name = name_arg(it, &b)?;
    let x = b.req("input").clone();
    build_op(
        it,
        name.as_deref(),
        "MatrixInverse",
        Op::MatrixInverse,
        &[("input", &x)],
        call.sp,
    )
    .map(Value::Tensor)
}

fn reduce(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig1(
        it,
        call,
        &[
            "input_tensor",
            "axis",
            "keepdims",
            "name",
            "reduction_indices",
            "keep_dims",
        ],
        1,
    )?;
    let (kind, default) = match call.name.as_str() {
        "reduce_sum" => (ReduceKind::Sum, "Sum"),
        "reduce_mean" => (ReduceKind::Mean, "Mean"),
        _ => (ReduceKind::Max, "Max"),
    };
    let name = name_arg(it, &b)?;
    let keep_dims = flag(it, &b, "keepdims")? || flag(it, &b, "keep_dims")?;
    let x = b.req("input_tensor").clone();
    let xn = to_tensor(it, &x, None, "input_tensor")?;
    let rank = it.g.ty(xn).shape.len();
    let axis_arg = b.some("axis").or(b.some("reduction_indices")).cloned();
    let (axes, axes_node) = match &axis_arg {
        None => {
            // TF's _ReductionDims: a `Const` of range(rank) made before the op's scope.
            let all: Vec<usize> = (0..rank).collect();
            let value = ConstValue::Int32(all.iter().map(|&a| a as i32).collect());
            let node = it.g.add(
                "Const",
                Op::Const(value),
                vec![],
                TensorType::new(DType::Int32, vec![Some(rank)]),
            );
            (all, Some(node))
        }
        Some(_) => (Vec::new(), None),
    };
    let scope = it.g.unique_name(name.as_deref().unwrap_or(default));
    let (axes, axes_node) = match (&axis_arg, axes_node) {
        (Some(a), _) => {
            let list = match &a.value {
                Value::List(items) | Value::Tuple(items) => items.clone(),
                single => vec![single.clone()],
            };
            let mut axes = Vec::new();
            let n = list.len();
            for item in list {
                let tail = for_op(it, &scope, default, &[xn], &[&format!("[{n}]")]);
                axes.push(axis_of(
                    it,
                    &Spanned {
                        value: item,
                        sp: a.sp,
                    },
                    rank,
                    |a| format!("Invalid reduction dimension {a} for input with {rank} dimensions.{tail}"),
                )?);
            }
            axes.sort_unstable();
            axes.dedup();
            let value = ConstValue::Int32(axes.iter().map(|&a| a as i32).collect());
            let node = it.g.add_exact(
                format!("{scope}/reduction_indices"),
                Op::Const(value),
                vec![],
                TensorType::new(DType::Int32, vec![Some(axes.len())]),
            );
            (axes, node)
        }
        (None, Some(n)) => (axes, n),
        (None, None) => (axes, 0),
    };
    let op = Op::Reduce {
        kind,
        axes: Cow::Owned(axes),
        keep_dims,
    };
    let ty = infer_node(it, &scope, &op, &[xn], call.sp)?;
    let node =
        it.g.add_exact(scope, op, vec![GraphB::out(xn), GraphB::out(axes_node)], ty);
    Ok(Value::Tensor(node))
}

fn add_n(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig1(it, call, &["inputs", "name"], 1)?;
    let name = name_arg(it, &b)?;
    let inputs = tensor_list(it, b.req("inputs"), "inputs")?;
    if inputs.is_empty() {
        return Err(it.cx.error(
            call.sp,
            "inputs must be a list of at least one Tensor with the same dtype and shape",
        ));
    }
    let named: Vec<(String, &Spanned)> = inputs
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("inputs_{i}"), v))
        .collect();
    let refs: Vec<(&str, &Spanned)> = named.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    build_op(it, name.as_deref(), "AddN", Op::AddN, &refs, call.sp).map(Value::Tensor)
}

fn softmax(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig1(it, call, &["logits", "axis", "name", "dim"], 1)?;
    let name = name_arg(it, &b)?;
    let x = b.req("logits").clone();
    let scope = it.g.unique_name(name.as_deref().unwrap_or("Softmax"));
    let prev = it.g.push_name_scope(Some(&format!("{scope}/")));
    let xn = to_tensor(it, &x, None, "logits");
    it.g.pop_name_scope(prev);
    let xn = xn?;
    if let Some(a) = b.some("axis").or(b.some("dim")) {
        let rank = it.g.ty(xn).shape.len();
        let axis = axis_of(it, a, rank, |a| {
            format!("`axis` must be in the range [-{rank}, {rank}) where {rank} is the number of dimensions in the input. Received: axis={a}")
        })?;
        if axis + 1 != rank {
            return Err(it.cx.error(
                a.sp,
                "softmax over an axis other than the last is not supported yet",
            ));
        }
    }
    add_node(it, scope, Op::Softmax, &[xn], call.sp).map(Value::Tensor)
}

fn cast(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig1(it, call, &["x", "dtype", "name"], 2)?;
    let name = name_arg(it, &b)?;
    let d = b.req("dtype");
    let to = convert::as_dtype(&mut it.cx, &d.value, d.sp)?;
    let x = b.req("x").clone();
    let scope = it.g.unique_name(name.as_deref().unwrap_or("Cast"));
    let prev = it.g.push_name_scope(Some(&format!("{scope}/")));
    let xn = to_tensor(it, &x, None, "x");
    it.g.pop_name_scope(prev);
    let xn = xn?;
    if it.g.ty(xn).dtype == to {
        // TF returns the input itself when no conversion is needed.
        return Ok(Value::Tensor(xn));
    }
    let shape = it.g.ty(xn).shape.clone();
    let node = it.g.add_exact(
        scope,
        Op::Cast,
        vec![GraphB::out(xn)],
        TensorType::new(to, shape),
    );
    Ok(Value::Tensor(node))
}

fn argmax(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig1(
        it,
        call,
        &["input", "axis", "name", "dimension", "output_type"],
        1,
    )?;
    let name = name_arg(it, &b)?;
    let x = b.req("input").clone();
    let xn = to_tensor(it, &x, None, "input")?;
    let rank = it.g.ty(xn).shape.len();
    let scope = it.g.unique_name(name.as_deref().unwrap_or("ArgMax"));
    let tail = for_op(it, &scope, "ArgMax", &[xn], &["[]"]);
    let axis = match b.some("axis").or(b.some("dimension")) {
        Some(a) => axis_of(it, a, rank, |a| {
            format!("Expected dimension in the range [-{rank}, {rank}), but got {a}{tail}")
        })?,
        None => 0,
    };
    let dim = it.g.add_exact(
        format!("{scope}/dimension"),
        Op::Const(ConstValue::Int32(vec![axis as i32].into())),
        vec![],
        TensorType::new(DType::Int32, vec![]),
    );
    let op = Op::ArgMax { axis };
    let mut ty = infer_node(it, &scope, &op, &[xn], call.sp)?;
    if let Some(o) = b.some("output_type") {
        ty.dtype = convert::as_dtype(&mut it.cx, &o.value, o.sp)?;
    }
    let node =
        it.g.add_exact(scope, op, vec![GraphB::out(xn), GraphB::out(dim)], ty);
    Ok(Value::Tensor(node))
}

fn random(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let uniform = call.name == "random_uniform" || call.name == "uniform";
    let params: &[&str] = if uniform {
        &["shape", "minval", "maxval", "dtype", "seed", "name"]
    } else {
        &["shape", "mean", "stddev", "dtype", "seed", "name"]
    };
    let b = sig1(it, call, params, 1)?;
    let (dist, default) = match call.name.as_str() {
        "random_uniform" | "uniform" => (RandomDist::Uniform, "random_uniform"),
        "random_normal" | "normal" => (RandomDist::Normal, "random_normal"),
        _ => (RandomDist::TruncatedNormal, "truncated_normal"),
    };
    let s = b.req("shape");
    let shape = convert::known_shape_of(&mut it.cx, &s.value, s.sp)?;
    let dtype = match b.some("dtype") {
        Some(d) => convert::as_dtype(&mut it.cx, &d.value, d.sp)?,
        None => DType::Float32,
    };
    if !dtype.is_float() {
        return Err(it.cx.error(
            call.sp,
            format!("random ops here need a float dtype, got {dtype}"),
        ));
    }
    let number = |it: &mut Interp, key: &str, default: f64| -> Result<f64, Reported> {
        match b.some(key) {
            Some(v) => convert::as_number(&mut it.cx, &v.value, v.sp, key),
            None => Ok(default),
        }
    };
    let (a, bb) = if uniform {
        (number(it, "minval", 0.0)?, number(it, "maxval", 1.0)?)
    } else {
        (number(it, "mean", 0.0)?, number(it, "stddev", 1.0)?)
    };
    let seed = match b.some("seed") {
        Some(v) => Some(convert::as_int(&mut it.cx, &v.value, v.sp, "seed")?),
        None => None,
    };
    let name = name_arg(it, &b)?;
    let node = random_node(
        it,
        name.as_deref().unwrap_or(default),
        dist,
        &shape,
        dtype,
        a,
        bb,
        seed,
    );
    Ok(Value::Tensor(node))
}

/// Adds one random node (TF's several ops for scaling are fused into its attributes).
#[allow(clippy::too_many_arguments)]
pub fn random_node(
    it: &mut Interp,
    name: &str,
    dist: RandomDist,
    shape: &[usize],
    dtype: DType,
    a: f64,
    b: f64,
    op_seed: Option<i64>,
) -> u32 {
    let (seed, seed2) = it.g.random_seeds(op_seed);
    let ty = TensorType::new(dtype, shape.iter().map(|&d| Some(d)).collect());
    it.g.add(
        name,
        Op::Random {
            dist,
            seed,
            seed2,
            a,
            b,
        },
        vec![],
        ty,
    )
}

fn fill(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let (shape_v, value, dtype, name, default) = if call.name == "fill" {
        let b = sig1(it, call, &["dims", "value", "name"], 2)?;
        let v = b.req("value").clone();
        let value = convert::as_number(&mut it.cx, &v.value, v.sp, "value")?;
        let dtype = match v.value {
            Value::Float(_) => DType::Float32,
            _ => DType::Int32,
        };
        (
            b.req("dims").clone(),
            value,
            dtype,
            name_arg(it, &b)?,
            "Fill",
        )
    } else {
        let b = sig1(it, call, &["shape", "dtype", "name"], 1)?;
        let dtype = match b.some("dtype") {
            Some(d) => convert::as_dtype(&mut it.cx, &d.value, d.sp)?,
            None => DType::Float32,
        };
        let (value, default) = if call.name == "zeros" {
            (0.0, "zeros")
        } else {
            (1.0, "ones")
        };
        (
            b.req("shape").clone(),
            value,
            dtype,
            name_arg(it, &b)?,
            default,
        )
    };
    let shape = convert::known_shape_of(&mut it.cx, &shape_v.value, shape_v.sp)?;
    let node = fill_node(it, name.as_deref().unwrap_or(default), &shape, dtype, value);
    Ok(Value::Tensor(node))
}

/// Adds a node of `shape` filled with `value`.
pub fn fill_node(it: &mut Interp, name: &str, shape: &[usize], dtype: DType, value: f64) -> u32 {
    let ty = TensorType::new(dtype, shape.iter().map(|&d| Some(d)).collect());
    it.g.add(name, Op::Fill { value }, vec![], ty)
}

fn group(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let mut deps = Vec::new();
    let mut name = None;
    for a in &call.args {
        match &a.name {
            Some((k, _)) if k == "name" => {
                name = Some(convert::as_str(
                    &mut it.cx,
                    &a.value.value,
                    a.value.sp,
                    "name",
                )?)
            }
            Some((k, ksp)) => {
                return Err(it.cx.error(
                    *ksp,
                    format!("group() got an unexpected keyword argument '{k}'"),
                ))
            }
            None => collect_deps(it, &a.value, &mut deps)?,
        }
    }
    let name = it.g.unique_name(name.as_deref().unwrap_or("group_deps"));
    let node = it.g.add_exact(
        name,
        Op::NoOp,
        vec![],
        TensorType::new(DType::Float32, vec![]),
    );
    it.g.nodes[node as usize].control.extend(deps);
    Ok(Value::Operation(node))
}

/// The nodes a list of ops/tensors/variables stands for, as control inputs.
pub fn collect_deps(it: &mut Interp, v: &Spanned, out: &mut Vec<u32>) -> Result<(), Reported> {
    match &v.value {
        Value::Tensor(n) | Value::Operation(n) => out.push(*n),
        Value::Variable(i) => out.push(it.g.vars[*i].node),
        Value::List(items) | Value::Tuple(items) => {
            for i in items {
                collect_deps(
                    it,
                    &Spanned {
                        value: i.clone(),
                        sp: v.sp,
                    },
                    out,
                )?;
            }
        }
        Value::None => {}
        other => {
            return Err(it.cx.error(
                v.sp,
                format!("expected an op or tensor, found {}", other.kind_name()),
            ))
        }
    }
    Ok(())
}

fn no_op(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig1(it, call, &["name"], 0)?;
    let name = name_arg(it, &b)?.unwrap_or_else(|| "NoOp".into());
    let node = it.g.add(
        &name,
        Op::NoOp,
        vec![],
        TensorType::new(DType::Float32, vec![]),
    );
    Ok(Value::Operation(node))
}

/// `ones_like(tensor)`, `zeros_like(tensor)`: of the input's run-time shape.
fn like(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig1(it, call, &["tensor", "dtype", "name", "optimize"], 1)?;
    let name = name_arg(it, &b)?;
    let x = b.req("tensor").clone();
    let ones = call.name == "ones_like";
    let default = if ones { "ones_like" } else { "zeros_like" };
    let scope = it.g.unique_name(name.as_deref().unwrap_or(default));
    let prev = it.g.push_name_scope(Some(&format!("{scope}/")));
    let result = (|| {
        let xn = to_tensor(it, &x, None, "tensor")?;
        if ones {
            return Ok(xn);
        }
        let dtype = it.g.ty(xn).dtype;
        let o = it.g.unique_name("OnesLike");
        let o = add_node(it, o, Op::OnesLike, &[xn], call.sp)?;
        let zero = it.g.add(
            "Const",
            Op::Const(ConstValue::from_f64s(dtype, &[0.0])),
            vec![],
            TensorType::new(dtype, vec![]),
        );
        let name = it.g.unique_name("mul");
        add_node(it, name, Op::Binary(BinaryOp::Mul), &[o, zero], call.sp)
    })();
    it.g.pop_name_scope(prev);
    let node = result?;
    if ones {
        add_node(it, scope, Op::OnesLike, &[node], call.sp).map(Value::Tensor)
    } else {
        let ty = it.g.ty(node).clone();
        Ok(Value::Tensor(it.g.add_exact(
            scope,
            Op::Identity,
            vec![GraphB::out(node)],
            ty,
        )))
    }
}

fn py_int(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig1(it, call, &["x"], 1)?;
    let x = b.req("x");
    match &x.value {
        Value::Int(i) => Ok(Value::Int(*i)),
        Value::Float(f) if f.is_finite() => Ok(Value::Int(f.trunc() as i64)),
        Value::Bool(v) => Ok(Value::Int(i64::from(*v))),
        other => Err(it.cx.error(
            x.sp,
            format!("int() argument must be a number, not {}", other.kind_name()),
        )),
    }
}

fn py_float(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig1(it, call, &["x"], 1)?;
    let x = b.req("x");
    match convert::as_f64(&x.value) {
        Some(f) => Ok(Value::Float(f)),
        None => Err(it.cx.error(
            x.sp,
            format!(
                "float() argument must be a number, not {}",
                x.value.kind_name()
            ),
        )),
    }
}

fn py_len(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig1(it, call, &["x"], 1)?;
    let x = b.req("x");
    match &x.value {
        Value::List(items) | Value::Tuple(items) => Ok(Value::Int(items.len() as i64)),
        Value::Str(s) => Ok(Value::Int(s.chars().count() as i64)),
        other => Err(it.cx.error(
            x.sp,
            format!("object of type {} has no len()", other.kind_name()),
        )),
    }
}
