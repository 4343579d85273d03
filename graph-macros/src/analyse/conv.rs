//! Convolutional layers: `nn.conv2d`, `nn.max_pool`, `nn.avg_pool`, `layers.conv2d`,
//! `layers.max_pooling2d`, `layers.average_pooling2d`, `layers.flatten`,
//! `layers.dropout(training = ...)` — NHWC, with TF's names.

use super::args::{bind, ArgVal, Bound, Call, Sig};
use super::builtins::{self, add_node, build_op, name_arg, to_tensor};
use super::convert;
use super::scopes::VarScopeTarget;
use super::value::{Spanned, Value};
use super::Interp;
use crate::ctxt::Reported;
use staticflow_ir::op::Padding;
use staticflow_ir::Op;
use std::borrow::Cow;

fn sig(it: &mut Interp, call: &Call, params: &[&str], required: usize) -> Result<Bound, Reported> {
    bind(&mut it.cx, call, &Sig { params, required })
}

fn padding_of(it: &mut Interp, v: Option<&Spanned>, default: Padding) -> Result<Padding, Reported> {
    let Some(v) = v else {
        return Ok(default);
    };
    let s = convert::as_str(&mut it.cx, &v.value, v.sp, "padding")?;
    match s.to_ascii_uppercase().as_str() {
        "SAME" => Ok(Padding::Same),
        "VALID" => Ok(Padding::Valid),
        _ => Err(it.cx.error(
            v.sp,
            format!("padding must be \"SAME\" or \"VALID\", got \"{s}\""),
        )),
    }
}

/// TF's 4-element NHWC `strides`/`ksize` lists (`[1, h, w, 1]`) as `(h, w)`.
fn nhwc_pair(it: &mut Interp, v: &Spanned, what: &str) -> Result<[usize; 2], Reported> {
    let items = match &v.value {
        Value::List(items) | Value::Tuple(items) => items.clone(),
        Value::Int(i) => vec![Value::Int(1), Value::Int(*i), Value::Int(*i), Value::Int(1)],
        other => {
            return Err(it.cx.error(
                v.sp,
                format!(
                    "`{what}` must be a list of 4 ints, found {}",
                    other.kind_name()
                ),
            ))
        }
    };
    let mut ints = Vec::new();
    for i in &items {
        ints.push(convert::as_int(&mut it.cx, i, v.sp, what)?);
    }
    match ints[..] {
        [1, h, w, 1] if h > 0 && w > 0 => Ok([h as usize, w as usize]),
        [_, _, _, _] => Err(it.cx.error(
            v.sp,
            format!("Current implementation does not yet support {what} in the batch and depth dimensions (NHWC: [1, h, w, 1]), got {ints:?}"),
        )),
        _ => Err(it.cx.error(v.sp, format!("`{what}` must have 4 entries (NHWC), got {}", ints.len()))),
    }
}

/// A Keras-style size: an int or a pair.
fn pair(it: &mut Interp, v: &Spanned, what: &str) -> Result<[usize; 2], Reported> {
    let items = match &v.value {
        Value::List(items) | Value::Tuple(items) => items.clone(),
        single => vec![single.clone(), single.clone()],
    };
    match &items[..] {
        [a, b] => {
            let a = convert::as_int(&mut it.cx, a, v.sp, what)?;
            let b = convert::as_int(&mut it.cx, b, v.sp, what)?;
            if a <= 0 || b <= 0 {
                return Err(it
                    .cx
                    .error(v.sp, format!("`{what}` must be positive, got ({a}, {b})")));
            }
            Ok([a as usize, b as usize])
        }
        _ => Err(it
            .cx
            .error(v.sp, format!("`{what}` must be an int or a pair of ints"))),
    }
}

/// `nn.conv2d(input, filter, strides, padding)`.
pub fn conv2d(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(
        it,
        call,
        &[
            "input",
            "filter",
            "strides",
            "padding",
            "use_cudnn_on_gpu",
            "data_format",
            "dilations",
            "name",
            "filters",
        ],
        2,
    )?;
    let strides = nhwc_pair(it, b.req("strides"), "strides")?;
    let padding = padding_of(it, b.some("padding"), Padding::Valid)?;
    let name = name_arg(it, &b)?;
    let (x, f) = (b.req("input").clone(), b.req("filter").clone());
    build_op(
        it,
        name.as_deref(),
        "Conv2D",
        Op::Conv2D { strides, padding },
        &[("input", &x), ("filter", &f)],
        call.sp,
    )
    .map(Value::Tensor)
}

/// A max or average pool op and its TF type name.
fn pool_op(
    max: bool,
    ksize: [usize; 2],
    strides: [usize; 2],
    padding: Padding,
) -> (Op, &'static str) {
    if max {
        (
            Op::MaxPool {
                ksize,
                strides,
                padding,
            },
            "MaxPool",
        )
    } else {
        (
            Op::AvgPool {
                ksize,
                strides,
                padding,
            },
            "AvgPool",
        )
    }
}

/// `nn.max_pool(value, ksize, strides, padding)` and `nn.avg_pool(...)`.
pub fn pool(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(
        it,
        call,
        &[
            "value",
            "ksize",
            "strides",
            "padding",
            "data_format",
            "name",
            "input",
        ],
        4,
    )?;
    let ksize = nhwc_pair(it, b.req("ksize"), "ksize")?;
    let strides = nhwc_pair(it, b.req("strides"), "strides")?;
    let padding = padding_of(it, b.some("padding"), Padding::Valid)?;
    let name = name_arg(it, &b)?;
    let x = b.req("value").clone();
    let (op, default) = pool_op(call.name == "max_pool", ksize, strides, padding);
    build_op(it, name.as_deref(), default, op, &[("value", &x)], call.sp).map(Value::Tensor)
}

/// `layers.max_pooling2d(inputs, pool_size, strides, padding = 'valid')` and
/// `layers.average_pooling2d(...)`: ops under `max_pooling2d/`.
pub fn pooling_layer(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(
        it,
        call,
        &[
            "inputs",
            "pool_size",
            "strides",
            "padding",
            "data_format",
            "name",
        ],
        3,
    )?;
    let ksize = pair(it, b.req("pool_size"), "pool_size")?;
    let strides = pair(it, b.req("strides"), "strides")?;
    let padding = padding_of(it, b.some("padding"), Padding::Valid)?;
    let max = call.name == "max_pooling2d";
    let default = if max {
        "max_pooling2d"
    } else {
        "average_pooling2d"
    };
    let name = name_arg(it, &b)?.unwrap_or_else(|| default.into());
    let x = b.req("inputs").clone();
    let scope = it.g.unique_name(&name);
    let prev = it.g.push_name_scope(Some(&format!("{scope}/")));
    let result = (|| {
        let xn = to_tensor(it, &x, None, "inputs")?;
        let (op, op_name) = pool_op(max, ksize, strides, padding);
        let n = it.g.unique_name(op_name);
        add_node(it, n, op, &[xn], call.sp)
    })();
    it.g.pop_name_scope(prev);
    result.map(Value::Tensor)
}

/// `layers.flatten(inputs)`: `[N, ...]` to `[N, prod(...)]` (`flatten/Reshape`).
pub fn flatten(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(it, call, &["inputs", "name", "data_format"], 1)?;
    let name = name_arg(it, &b)?.unwrap_or_else(|| "flatten".into());
    let x = b.req("inputs").clone();
    let scope = it.g.unique_name(&name);
    let prev = it.g.push_name_scope(Some(&format!("{scope}/")));
    let result = (|| {
        let xn = to_tensor(it, &x, None, "inputs")?;
        let shape = it.g.ty(xn).shape.clone();
        let rest: Option<usize> = shape
            .iter()
            .skip(1)
            .try_fold(1usize, |a, d| d.and_then(|d| a.checked_mul(d)));
        let Some(rest) = rest.filter(|_| !shape.is_empty()) else {
            return Err(it.cx.error(
                x.sp,
                format!(
                    "flatten needs known dims after the first, got {}",
                    staticflow_ir::ShapeDisplay::python(&shape)
                ),
            ));
        };
        let n = it.g.unique_name("Reshape");
        add_node(
            it,
            n,
            Op::Reshape {
                shape: Cow::Owned(vec![-1, rest as i64]),
            },
            &[xn],
            call.sp,
        )
    })();
    it.g.pop_name_scope(prev);
    result.map(Value::Tensor)
}

/// `layers.dropout(inputs, rate = 0.5, seed = None, training = False)`: the identity
/// unless `training` is true (a Python bool here).
pub fn dropout_layer(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(
        it,
        call,
        &["inputs", "rate", "noise_shape", "seed", "training", "name"],
        1,
    )?;
    // `training`: a Python bool, or a scalar bool tensor choosing per run.
    let (training, gate) = match b.some("training").map(|t| (t.value.clone(), t.sp)) {
        Some((Value::Bool(v), _)) => (v, None),
        Some((Value::Tensor(n), sp)) => {
            let t = it.g.ty(n);
            if t.dtype != staticflow_ir::DType::Bool || !t.shape.is_empty() {
                return Err(it.cx.error(
                    sp,
                    "`training` must be a scalar bool tensor or a Python bool",
                ));
            }
            (true, Some(n))
        }
        Some((other, sp)) => {
            return Err(it.cx.error(
                sp,
                format!("`training` must be a bool, found {}", other.kind_name()),
            ))
        }
        None => (false, None),
    };
    let x = b.req("inputs").clone();
    if !training {
        let name = name_arg(it, &b)?;
        return build_op(
            it,
            name.as_deref(),
            "dropout",
            Op::Identity,
            &[("inputs", &x)],
            call.sp,
        )
        .map(Value::Tensor);
    }
    let mut args = vec![ArgVal {
        name: None,
        value: x,
    }];
    let rate = b.some("rate").cloned().unwrap_or(Spanned {
        value: Value::Float(0.5),
        sp: call.sp,
    });
    args.push(ArgVal {
        name: Some(("rate".into(), rate.sp)),
        value: rate,
    });
    if let Some(s) = b.some("seed") {
        args.push(ArgVal {
            name: Some(("seed".into(), s.sp)),
            value: s.clone(),
        });
    }
    if let Some(n) = b.some("name") {
        args.push(ArgVal {
            name: Some(("name".into(), n.sp)),
            value: n.clone(),
        });
    }
    let inner = Call {
        name: "dropout".into(),
        sp: call.sp,
        args,
        defaults: Vec::new(),
    };
    let dropped = super::nn::dropout(it, &inner)?;
    let (Some(flag), Value::Tensor(d)) = (gate, &dropped) else {
        return Ok(dropped);
    };
    // `flag * dropout(x) + (1 - flag) * x`: the mask applies only in training runs.
    let xn = to_tensor(it, b.req("inputs"), None, "inputs")?;
    let dtype = it.g.ty(xn).dtype;
    let scope = it.g.unique_name("dropout_cond");
    let prev = it.g.push_name_scope(Some(&format!("{scope}/")));
    let mixed = (|| {
        let name = it.g.unique_name("Cast");
        let g = it.g.add_exact(
            name,
            Op::Cast,
            vec![super::graph::GraphB::out(flag)],
            staticflow_ir::TensorType::new(dtype, vec![]),
        );
        let one = it.g.add(
            "ones",
            Op::Const(staticflow_ir::ConstValue::from_f64s(dtype, &[1.0])),
            vec![],
            staticflow_ir::TensorType::new(dtype, vec![]),
        );
        let mul = |it: &mut Interp, a: u32, b: u32| {
            let name = it.g.unique_name("mul");
            add_node(
                it,
                name,
                Op::Binary(staticflow_ir::BinaryOp::Mul),
                &[a, b],
                call.sp,
            )
        };
        let kept = mul(it, *d, g)?;
        let name = it.g.unique_name("sub");
        let not_g = add_node(
            it,
            name,
            Op::Binary(staticflow_ir::BinaryOp::Sub),
            &[one, g],
            call.sp,
        )?;
        let passed = mul(it, xn, not_g)?;
        Ok((kept, passed))
    })();
    it.g.pop_name_scope(prev);
    let (kept, passed) = mixed?;
    add_node(
        it,
        scope,
        Op::Binary(staticflow_ir::BinaryOp::AddV2),
        &[kept, passed],
        call.sp,
    )
    .map(Value::Tensor)
}

/// `layers.conv2d(inputs, filters, kernel_size, strides = (1, 1), padding = 'valid',
/// activation = None, ...)`: variables `conv2d/kernel` `[kh, kw, in, filters]` and
/// `conv2d/bias`, ops `conv2d/Conv2D`, `conv2d/BiasAdd` and the activation's.
pub fn conv2d_layer(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(
        it,
        call,
        &[
            "inputs",
            "filters",
            "kernel_size",
            "strides",
            "padding",
            "data_format",
            "dilation_rate",
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
        3,
    )?;
    let f = b.req("filters");
    let filters = convert::as_int(&mut it.cx, &f.value, f.sp, "filters")?;
    if filters <= 0 {
        return Err(it
            .cx
            .error(f.sp, format!("`filters` must be positive, got {filters}")));
    }
    let kernel_size = pair(it, b.req("kernel_size"), "kernel_size")?;
    let strides = match b.some("strides") {
        Some(s) => pair(it, s, "strides")?,
        None => [1, 1],
    };
    let padding = padding_of(it, b.some("padding"), Padding::Valid)?;
    let reuse = super::nn::reuse_arg(&b);
    let x = to_tensor(it, b.req("inputs"), None, "inputs")?;
    let xs = it.g.ty(x).shape.clone();
    let dtype = it.g.ty(x).dtype;
    let Some(Some(in_channels)) = xs.last().copied().filter(|_| xs.len() == 4) else {
        return Err(it.cx.error(
            b.req("inputs").sp,
            format!(
                "layers.conv2d needs NHWC inputs with a known channel count, got {}",
                staticflow_ir::ShapeDisplay::python(&xs)
            ),
        ));
    };
    let target = match name_arg(it, &b)? {
        Some(n) => VarScopeTarget::Name(n),
        None => VarScopeTarget::Default("conv2d".into()),
    };
    let result = super::nn::in_layer_scope(it, target, reuse, call.sp, |it| {
        let trainable = !matches!(
            b.some("trainable").map(|v| &v.value),
            Some(Value::Bool(false))
        );
        let kernel = super::nn::layer_variable(
            it,
            "kernel",
            vec![
                kernel_size[0],
                kernel_size[1],
                in_channels,
                filters as usize,
            ],
            dtype,
            b.some("kernel_initializer").cloned(),
            b.some("kernel_regularizer").cloned(),
            trainable,
            call.sp,
        )?;
        let kernel = builtins::tensor_node(it, &kernel);
        let n = it.g.unique_name("Conv2D");
        let out = add_node(
            it,
            n,
            Op::Conv2D { strides, padding },
            &[x, kernel],
            call.sp,
        )?;
        super::nn::bias_and_activation(it, &b, out, filters as usize, dtype, trainable, call.sp)
    });
    result.map(Value::Tensor)
}
