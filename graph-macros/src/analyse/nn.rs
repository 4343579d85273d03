//! The losses and layers a first model needs: cross entropies, `l2_loss`,
//! `losses.mean_squared_error`, `nn.dropout`, `layers.dense`, `log_softmax`,
//! `clip_by_global_norm`, `bias_add`.

use super::args::{bind, ArgVal, Bound, Call, Sig};
use super::builtins::{self, add_node, build_op, name_arg, to_tensor};
use super::convert;
use super::graph::{GraphB, Member};
use super::scopes::{Reuse, VarScopeTarget};
use super::value::{Spanned, Value};
use super::Interp;
use crate::ctxt::{Reported, Sp};
use staticflow_ir::{BinaryOp, ConstValue, DType, Op, ReduceKind, TensorType, UnaryOp};
use std::borrow::Cow;

fn sig(it: &mut Interp, call: &Call, params: &[&str], required: usize) -> Result<Bound, Reported> {
    bind(&mut it.cx, call, &Sig { params, required })
}

/// A required argument that TF declares with a default (`labels = None`).
fn needed<'b>(
    it: &mut Interp,
    b: &'b Bound,
    key: &str,
    call: &Call,
) -> Result<&'b Spanned, Reported> {
    match b.some(key) {
        Some(v) => Ok(v),
        None => Err(it
            .cx
            .error(call.sp, format!("{}() needs `{key}`", call.name))),
    }
}

/// A loss op on (logits, labels) named `name` (or `default`) with the labels converted
/// to the logits' dtype (dense losses) or kept (sparse).
fn loss_op(
    it: &mut Interp,
    call: &Call,
    default: &str,
    op: Op,
    inner: Option<&str>,
) -> Result<Value, Reported> {
    let b = sig(
        it,
        call,
        &["_sentinel", "labels", "logits", "dim", "name", "axis"],
        0,
    )?;
    let logits = needed(it, &b, "logits", call)?.clone();
    let labels = needed(it, &b, "labels", call)?.clone();
    let name = name_arg(it, &b)?;
    let scope = it.g.unique_name(name.as_deref().unwrap_or(default));
    let prev = it.g.push_name_scope(Some(&format!("{scope}/")));
    let converted = (|| {
        let x = to_tensor(it, &logits, None, "logits")?;
        let hint = if matches!(op, Op::SparseSoftmaxCrossEntropy) {
            None
        } else {
            Some(it.g.ty(x).dtype)
        };
        let z = to_tensor(it, &labels, hint, "labels")?;
        Ok((x, z))
    })();
    let result = converted.and_then(|(x, z)| {
        let node_name = match inner {
            Some(inner) => it.g.unique_name(inner),
            None => scope.clone(),
        };
        add_node(it, node_name, op, &[x, z], call.sp)
    });
    it.g.pop_name_scope(prev);
    result.map(Value::Tensor)
}

/// `nn.softmax_cross_entropy_with_logits_v2(labels, logits)`: per-row loss.
pub fn softmax_cross_entropy(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    loss_op(
        it,
        call,
        "softmax_cross_entropy_with_logits",
        Op::SoftmaxCrossEntropy,
        None,
    )
}

/// `nn.sparse_softmax_cross_entropy_with_logits(labels, logits)`: class-index labels.
pub fn sparse_softmax_cross_entropy(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    loss_op(
        it,
        call,
        "SparseSoftmaxCrossEntropyWithLogits",
        Op::SparseSoftmaxCrossEntropy,
        Some("SparseSoftmaxCrossEntropyWithLogits"),
    )
}

/// `nn.sigmoid_cross_entropy_with_logits(labels, logits)`: elementwise (`logistic_loss`).
pub fn sigmoid_cross_entropy(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    loss_op(it, call, "logistic_loss", Op::SigmoidCrossEntropy, None)
}

/// `nn.l2_loss(t)`: `sum(t ** 2) / 2`.
pub fn l2_loss(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(it, call, &["t", "name"], 1)?;
    let name = name_arg(it, &b)?;
    let t = b.req("t").clone();
    build_op(
        it,
        name.as_deref(),
        "L2Loss",
        Op::L2Loss,
        &[("t", &t)],
        call.sp,
    )
    .map(Value::Tensor)
}

/// `nn.log_softmax(logits)`.
pub fn log_softmax(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(it, call, &["logits", "axis", "name", "dim"], 1)?;
    let name = name_arg(it, &b)?;
    let x = b.req("logits").clone();
    build_op(
        it,
        name.as_deref(),
        "LogSoftmax",
        Op::LogSoftmax,
        &[("logits", &x)],
        call.sp,
    )
    .map(Value::Tensor)
}

/// `nn.bias_add(value, bias)`.
pub fn bias_add(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(it, call, &["value", "bias", "data_format", "name"], 2)?;
    let name = name_arg(it, &b)?;
    let (x, bias) = (b.req("value").clone(), b.req("bias").clone());
    build_op(
        it,
        name.as_deref(),
        "BiasAdd",
        Op::BiasAdd,
        &[("value", &x), ("bias", &bias)],
        call.sp,
    )
    .map(Value::Tensor)
}

/// A mean over every axis of `x`, with TF's axes constant, named `name` in the scope.
fn mean_all(it: &mut Interp, x: u32, name: &str, sp: Sp) -> Result<u32, Reported> {
    let rank = it.g.ty(x).shape.len();
    let axes: Vec<usize> = (0..rank).collect();
    let c = it.g.add(
        "Const",
        Op::Const(ConstValue::Int32(axes.iter().map(|&a| a as i32).collect())),
        vec![],
        TensorType::new(DType::Int32, vec![Some(rank)]),
    );
    let op = Op::Reduce {
        kind: ReduceKind::Mean,
        axes: Cow::Owned(axes),
        keep_dims: false,
    };
    let name = it.g.unique_name(name);
    let ty = builtins::infer_node(it, &name, &op, &[x], sp)?;
    Ok(it
        .g
        .add_exact(name, op, vec![GraphB::out(x), GraphB::out(c)], ty))
}

/// `losses.mean_squared_error(labels, predictions)`: the mean of the squared
/// differences, added to the `losses` collection.
pub fn mean_squared_error(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(
        it,
        call,
        &[
            "labels",
            "predictions",
            "weights",
            "scope",
            "loss_collection",
            "reduction",
        ],
        2,
    )?;
    if let Some(w) = b.some("weights") {
        if convert::as_f64(&w.value) != Some(1.0) {
            return Err(it
                .cx
                .error(w.sp, "mean_squared_error supports only weights = 1.0 here"));
        }
    }
    let scope_name = match b.some("scope") {
        Some(s) => convert::as_str(&mut it.cx, &s.value, s.sp, "scope")?,
        None => "mean_squared_error".into(),
    };
    let (labels, predictions) = (b.req("labels").clone(), b.req("predictions").clone());
    let scope = it.g.unique_name(&scope_name);
    let prev = it.g.push_name_scope(Some(&format!("{scope}/")));
    let result = (|| {
        let p = to_tensor(it, &predictions, None, "predictions")?;
        let l = to_tensor(it, &labels, Some(it.g.ty(p).dtype), "labels")?;
        let name = it.g.unique_name("sub");
        let diff = add_node(it, name, Op::Binary(BinaryOp::Sub), &[p, l], call.sp)?;
        let name = it.g.unique_name("SquaredDifference");
        let sq = add_node(it, name, Op::Unary(UnaryOp::Square), &[diff], call.sp)?;
        mean_all(it, sq, "value", call.sp)
    })();
    it.g.pop_name_scope(prev);
    let loss = result?;
    it.g.add_to_collection("losses", Member::Tensor(loss));
    Ok(Value::Tensor(loss))
}

/// `nn.dropout(x, keep_prob = None, seed = None, rate = None)`: `x * mask`, the mask
/// 0 with probability `rate` and `1 / (1 - rate)` otherwise, drawn per run.
pub fn dropout(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(
        it,
        call,
        &["x", "keep_prob", "noise_shape", "seed", "name", "rate"],
        1,
    )?;
    let rate = match (b.some("rate"), b.some("keep_prob")) {
        (Some(r), None) => number(it, r, "rate")?,
        (None, Some(k)) => 1.0 - number(it, k, "keep_prob")?,
        (None, None) => {
            return Err(it
                .cx
                .error(call.sp, "dropout() needs `rate` (or `keep_prob`)"))
        }
        (Some(r), Some(_)) => {
            return Err(it.cx.error(r.sp, "give `rate` or `keep_prob`, not both"))
        }
    };
    if !(0.0..1.0).contains(&rate) {
        return Err(it.cx.error(
            call.sp,
            format!("rate must be a scalar tensor or a float in the range [0, 1), got {rate}"),
        ));
    }
    let op_seed = match b.some("seed") {
        Some(s) => Some(convert::as_int(&mut it.cx, &s.value, s.sp, "seed")?),
        None => None,
    };
    let name = name_arg(it, &b)?;
    let x = b.req("x").clone();
    let scope = it.g.unique_name(name.as_deref().unwrap_or("dropout"));
    let prev = it.g.push_name_scope(Some(&format!("{scope}/")));
    let result = (|| {
        let xn = to_tensor(it, &x, None, "x")?;
        let (seed, seed2) = it.g.random_seeds(op_seed);
        let mask_name = it.g.unique_name("mask");
        let mask = add_node(
            it,
            mask_name,
            Op::DropoutMask { rate, seed, seed2 },
            &[xn],
            call.sp,
        )?;
        let mul = it.g.unique_name("mul");
        add_node(it, mul, Op::Binary(BinaryOp::Mul), &[xn, mask], call.sp)
    })();
    it.g.pop_name_scope(prev);
    result.map(Value::Tensor)
}

fn number(it: &mut Interp, v: &Spanned, what: &str) -> Result<f64, Reported> {
    if v.value.is_graph_tensor() {
        return Err(it.cx.error(
            v.sp,
            format!("a tensor `{what}` is not supported yet: give a number"),
        ));
    }
    convert::as_number(&mut it.cx, &v.value, v.sp, what)
}

/// Calls a built-in op or graph function value on one tensor (an `activation`).
pub(super) fn apply_activation(
    it: &mut Interp,
    f: &Spanned,
    x: u32,
    sp: Sp,
) -> Result<u32, Reported> {
    let call = Call {
        name: String::new(),
        sp,
        args: vec![ArgVal {
            name: None,
            value: Spanned {
                value: Value::Tensor(x),
                sp,
            },
        }],
        defaults: Vec::new(),
    };
    let out = match &f.value {
        Value::Path(p) => {
            let call = Call {
                name: p.rsplit('.').next().unwrap_or(p).to_string(),
                ..call
            };
            builtins::call(it, p, &call, f.sp)?
        }
        Value::Func(def) => {
            let def = def.clone();
            let call = Call {
                name: def.name.to_string(),
                ..call
            };
            it.call_fn(&def, &call)?
        }
        other => {
            return Err(it.cx.error(
                f.sp,
                format!(
                    "`activation` must be an op or a graph function, found {}",
                    other.kind_name()
                ),
            ))
        }
    };
    match out {
        Value::Tensor(n) => Ok(n),
        other => Err(it.cx.error(
            f.sp,
            format!(
                "the activation returned {}, not a tensor",
                other.kind_name()
            ),
        )),
    }
}

/// Calls `get_variable(name, shape, initializer = ..)` in the current variable scope.
#[allow(clippy::too_many_arguments)]
pub(super) fn layer_variable(
    it: &mut Interp,
    name: &str,
    shape: Vec<usize>,
    dtype: DType,
    init: Option<Spanned>,
    regularizer: Option<Spanned>,
    trainable: bool,
    sp: Sp,
) -> Result<Value, Reported> {
    let arg = |name: Option<&str>, value: Value| ArgVal {
        name: name.map(|n| (n.to_string(), sp)),
        value: Spanned { value, sp },
    };
    let mut args = vec![
        arg(None, Value::Str(name.to_string())),
        arg(
            None,
            Value::List(shape.into_iter().map(|d| Value::Int(d as i64)).collect()),
        ),
    ];
    if let Some(init) = init {
        args.push(ArgVal {
            name: Some(("initializer".into(), init.sp)),
            value: init,
        });
    }
    if let Some(r) = regularizer.filter(|r| !matches!(r.value, Value::None)) {
        args.push(ArgVal {
            name: Some(("regularizer".into(), r.sp)),
            value: r,
        });
    }
    args.push(arg(Some("trainable"), Value::Bool(trainable)));
    args.push(arg(Some("dtype"), Value::DType(dtype)));
    let call = Call {
        name: "get_variable".into(),
        sp,
        args,
        defaults: Vec::new(),
    };
    super::variables::get_variable(it, &call)
}

/// `layers.dense(inputs, units, activation = None, use_bias = True, ...)`: variables
/// `dense/kernel` and `dense/bias` (`dense_1/...` for the next layer), ops
/// `dense/MatMul`, `dense/BiasAdd` and the activation's.
pub fn dense(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(
        it,
        call,
        &[
            "inputs",
            "units",
            "activation",
            "use_bias",
            "kernel_initializer",
            "bias_initializer",
            "kernel_regularizer",
            "bias_regularizer",
            "activity_regularizer",
            "kernel_constraint",
            "bias_constraint",
            "trainable",
            "name",
            "reuse",
        ],
        2,
    )?;
    for unsupported in [
        "activity_regularizer",
        "kernel_constraint",
        "bias_constraint",
    ] {
        if let Some(v) = b.some(unsupported) {
            return Err(it
                .cx
                .error(v.sp, format!("`{unsupported}` is not supported yet")));
        }
    }
    let u = b.req("units");
    let units = convert::as_int(&mut it.cx, &u.value, u.sp, "units")?;
    if units <= 0 {
        return Err(it
            .cx
            .error(u.sp, format!("`units` must be positive, got {units}")));
    }
    let trainable = match b.some("trainable") {
        Some(v) => convert::as_bool(&mut it.cx, &v.value, v.sp, "trainable")?,
        None => true,
    };
    let reuse = reuse_arg(&b);
    let x = to_tensor(it, b.req("inputs"), None, "inputs")?;
    let xs = it.g.ty(x).shape.clone();
    let dtype = it.g.ty(x).dtype;
    let Some(Some(in_dim)) = xs.last().copied().filter(|_| xs.len() == 2) else {
        return Err(it.cx.error(
            b.req("inputs").sp,
            format!(
                "layers.dense needs rank-2 inputs with a known last dim, got {}",
                staticflow_ir::ShapeDisplay::python(&xs)
            ),
        ));
    };
    let target = match name_arg(it, &b)? {
        Some(n) => VarScopeTarget::Name(n),
        None => VarScopeTarget::Default("dense".into()),
    };
    let result = in_layer_scope(it, target, reuse, call.sp, |it| {
        let kernel = layer_variable(
            it,
            "kernel",
            vec![in_dim, units as usize],
            dtype,
            b.some("kernel_initializer").cloned(),
            b.some("kernel_regularizer").cloned(),
            trainable,
            call.sp,
        )?;
        let kernel = builtins::tensor_node(it, &kernel);
        let mm = it.g.unique_name("MatMul");
        let out = add_node(
            it,
            mm,
            Op::MatMul {
                transpose_a: false,
                transpose_b: false,
            },
            &[x, kernel],
            call.sp,
        )?;
        bias_and_activation(it, &b, out, units as usize, dtype, trainable, call.sp)
    });
    result.map(Value::Tensor)
}

/// The `reuse` argument of a layer (`True`, `AUTO_REUSE`, or inherited).
pub(super) fn reuse_arg(b: &Bound) -> Option<Reuse> {
    match b.some("reuse").map(|r| &r.value) {
        Some(Value::Bool(true)) => Some(Reuse::Yes),
        Some(Value::AutoReuse) => Some(Reuse::Auto),
        _ => None,
    }
}

/// Runs `body` in a layer's variable scope (its `name`, or a unique default such as
/// `dense`, `dense_1`), leaving the scope whatever the body returns.
pub(super) fn in_layer_scope<T>(
    it: &mut Interp,
    target: VarScopeTarget,
    reuse: Option<Reuse>,
    sp: Sp,
    body: impl FnOnce(&mut Interp) -> Result<T, Reported>,
) -> Result<T, Reported> {
    let (_, prev_names) = it.enter_var_scope(target, reuse, sp)?;
    let result = body(it);
    it.scopes.stack.pop();
    if let Some(prev) = prev_names {
        it.g.pop_name_scope(prev);
    }
    result
}

/// A layer's bias (`units` of `bias_initializer`, unless `use_bias = False`) and its
/// `activation`, applied to the pre-activation `out`.
pub(super) fn bias_and_activation(
    it: &mut Interp,
    b: &Bound,
    mut out: u32,
    units: usize,
    dtype: DType,
    trainable: bool,
    sp: Sp,
) -> Result<u32, Reported> {
    let use_bias = match b.some("use_bias") {
        Some(v) => convert::as_bool(&mut it.cx, &v.value, v.sp, "use_bias")?,
        None => true,
    };
    if use_bias {
        let init = b.some("bias_initializer").cloned().or(Some(Spanned {
            value: Value::Initializer(super::value::Initializer::Zeros),
            sp,
        }));
        let regularizer = b.some("bias_regularizer").cloned();
        let bias = layer_variable(
            it,
            "bias",
            vec![units],
            dtype,
            init,
            regularizer,
            trainable,
            sp,
        )?;
        let bias = builtins::tensor_node(it, &bias);
        let name = it.g.unique_name("BiasAdd");
        out = add_node(it, name, Op::BiasAdd, &[out, bias], sp)?;
    }
    if let Some(act) = b
        .some("activation")
        .filter(|a| !matches!(a.value, Value::None))
    {
        out = apply_activation(it, act, out, sp)?;
    }
    Ok(out)
}

/// `clip_by_global_norm(t_list, clip_norm)`: `(clipped list, global_norm)`.
pub fn clip_by_global_norm(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(it, call, &["t_list", "clip_norm", "use_norm", "name"], 2)?;
    let list = b.req("t_list").clone();
    let items = match &list.value {
        Value::List(items) | Value::Tuple(items) => items.clone(),
        other => {
            return Err(it.cx.error(
                list.sp,
                format!(
                    "`t_list` must be a list of tensors, found {}",
                    other.kind_name()
                ),
            ))
        }
    };
    if items.is_empty() {
        return Err(it.cx.error(list.sp, "`t_list` must not be empty"));
    }
    let clip = b.req("clip_norm").clone();
    let name = name_arg(it, &b)?;
    let scope =
        it.g.unique_name(name.as_deref().unwrap_or("clip_by_global_norm"));
    let prev = it.g.push_name_scope(Some(&format!("{scope}/")));
    let result = (|| {
        let mut ts = Vec::new();
        for item in &items {
            ts.push(to_tensor(
                it,
                &Spanned {
                    value: item.clone(),
                    sp: list.sp,
                },
                None,
                "t",
            )?);
        }
        let dtype = it.g.ty(ts[0]).dtype;
        // global_norm = sqrt(sum(l2_loss(t)) * 2)
        let gn_prev = it.g.push_name_scope(Some("global_norm"));
        let gn = (|| {
            let mut halves = Vec::new();
            for &t in &ts {
                let name = it.g.unique_name("L2Loss");
                halves.push(add_node(it, name, Op::L2Loss, &[t], call.sp)?);
            }
            let name = it.g.unique_name("AddN");
            let sum = add_node(it, name, Op::AddN, &halves, call.sp)?;
            let two = it.g.add(
                "Const",
                Op::Const(ConstValue::from_f64s(dtype, &[2.0])),
                vec![],
                TensorType::new(dtype, vec![]),
            );
            let name = it.g.unique_name("mul");
            let twice = add_node(it, name, Op::Binary(BinaryOp::Mul), &[sum, two], call.sp)?;
            let name = it.g.unique_name("global_norm");
            add_node(it, name, Op::Unary(UnaryOp::Sqrt), &[twice], call.sp)
        })();
        it.g.pop_name_scope(gn_prev);
        let gn = gn?;
        // scale = clip_norm * min(1 / global_norm, 1 / clip_norm)
        let clip_t = to_tensor(it, &clip, Some(dtype), "clip_norm")?;
        let one = it.g.add(
            "Const",
            Op::Const(ConstValue::from_f64s(dtype, &[1.0])),
            vec![],
            TensorType::new(dtype, vec![]),
        );
        let name = it.g.unique_name("truediv");
        let inv_gn = add_node(it, name, Op::Binary(BinaryOp::RealDiv), &[one, gn], call.sp)?;
        let name = it.g.unique_name("truediv");
        let inv_clip = add_node(
            it,
            name,
            Op::Binary(BinaryOp::RealDiv),
            &[one, clip_t],
            call.sp,
        )?;
        let name = it.g.unique_name("Minimum");
        let m = add_node(
            it,
            name,
            Op::Binary(BinaryOp::Minimum),
            &[inv_gn, inv_clip],
            call.sp,
        )?;
        let name = it.g.unique_name("mul");
        let scale = add_node(it, name, Op::Binary(BinaryOp::Mul), &[clip_t, m], call.sp)?;
        let mut clipped = Vec::new();
        for (i, &t) in ts.iter().enumerate() {
            let name = it.g.unique_name(&format!("clip_by_global_norm/_{i}"));
            clipped.push(Value::Tensor(add_node(
                it,
                name,
                Op::Binary(BinaryOp::Mul),
                &[t, scale],
                call.sp,
            )?));
        }
        Ok(Value::Tuple(vec![Value::List(clipped), Value::Tensor(gn)]))
    })();
    it.g.pop_name_scope(prev);
    result
}
