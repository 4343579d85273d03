//! `layers.batch_normalization` (training defaults to False) and
//! `contrib.layers.batch_norm` (is_training defaults to True), seed 004's contrast:
//! batch statistics in training mode, moving averages in inference mode, the
//! moving-average updates in `update_ops` (run only when fetched, as in TF).

use super::args::{bind, Bound, Call, Sig};
use super::builtins::{add_node, to_tensor};
use super::convert;
use super::graph::{GraphB, Member};
use super::scopes::VarScopeTarget;
use super::value::{Initializer, Spanned, Value};
use super::Interp;
use crate::ctxt::{Reported, Sp};
use staticflow_ir::op::AssignMode;
use staticflow_ir::{BinaryOp, ConstValue, DType, Op, ReduceKind, TensorType, UnaryOp};
use std::borrow::Cow;

const UPDATE_OPS: &str = "update_ops";

/// The two APIs' differences.
struct Flavor {
    default_scope: &'static str,
    training_key: &'static str,
    training_default: bool,
    momentum_key: &'static str,
    momentum_default: f64,
    scale_default: bool,
}

/// `layers.batch_normalization(inputs, axis = -1, momentum = 0.99, epsilon = 0.001,
/// center = True, scale = True, training = False, name = None, reuse = None)`.
pub fn batch_normalization(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = bind(
        &mut it.cx,
        call,
        &Sig {
            params: &[
                "inputs",
                "axis",
                "momentum",
                "epsilon",
                "center",
                "scale",
                "training",
                "trainable",
                "name",
                "reuse",
            ],
            required: 1,
        },
    )?;
    let flavor = Flavor {
        default_scope: "batch_normalization",
        training_key: "training",
        training_default: false,
        momentum_key: "momentum",
        momentum_default: 0.99,
        scale_default: true,
    };
    build(it, call, &b, &flavor)
}

/// `contrib.layers.batch_norm(inputs, decay = 0.999, center = True, scale = False,
/// epsilon = 0.001, is_training = True, reuse = None, trainable = True, scope = None)`.
pub fn contrib_batch_norm(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = bind(
        &mut it.cx,
        call,
        &Sig {
            params: &[
                "inputs",
                "decay",
                "center",
                "scale",
                "epsilon",
                "activation_fn",
                "updates_collections",
                "is_training",
                "reuse",
                "variables_collections",
                "outputs_collections",
                "trainable",
                "scope",
            ],
            required: 1,
        },
    )?;
    let flavor = Flavor {
        default_scope: "BatchNorm",
        training_key: "is_training",
        training_default: true,
        momentum_key: "decay",
        momentum_default: 0.999,
        scale_default: false,
    };
    build(it, call, &b, &flavor)
}

/// Training mode: fixed when the graph is built, or chosen per run by a bool tensor.
enum Training {
    Fixed(bool),
    Tensor(u32),
}

fn training_arg(
    it: &mut Interp,
    b: &Bound,
    key: &str,
    default: bool,
) -> Result<Training, Reported> {
    match b.some(key).map(|v| (v.value.clone(), v.sp)) {
        Some((Value::Tensor(n), sp)) => {
            let t = it.g.ty(n);
            if t.dtype != DType::Bool || !t.shape.is_empty() {
                return Err(it.cx.error(
                    sp,
                    format!("`{key}` must be a scalar bool tensor or a Python bool"),
                ));
            }
            Ok(Training::Tensor(n))
        }
        Some(_) => flag(it, b, key, default).map(Training::Fixed),
        None => Ok(Training::Fixed(default)),
    }
}

fn flag(it: &mut Interp, b: &Bound, key: &str, default: bool) -> Result<bool, Reported> {
    match b.some(key) {
        Some(v) => match &v.value {
            Value::Bool(x) => Ok(*x),
            other => Err(it.cx.error(
                v.sp,
                format!("`{key}` must be a bool, found {}", other.kind_name()),
            )),
        },
        None => Ok(default),
    }
}

fn number(it: &mut Interp, b: &Bound, key: &str, default: f64) -> Result<f64, Reported> {
    match b.some(key) {
        Some(v) => convert::as_number(&mut it.cx, &v.value, v.sp, key),
        None => Ok(default),
    }
}

fn build(it: &mut Interp, call: &Call, b: &Bound, flavor: &Flavor) -> Result<Value, Reported> {
    let training = training_arg(it, b, flavor.training_key, flavor.training_default)?;
    let center = flag(it, b, "center", true)?;
    let scale = flag(it, b, "scale", flavor.scale_default)?;
    let momentum = number(it, b, flavor.momentum_key, flavor.momentum_default)?;
    let epsilon = number(it, b, "epsilon", 0.001)?;
    let trainable = flag(it, b, "trainable", true)?;
    let reuse = super::nn::reuse_arg(b);
    let x = to_tensor(it, b.req("inputs"), None, "inputs")?;
    let shape = it.g.ty(x).shape.clone();
    let dtype = it.g.ty(x).dtype;
    let Some(Some(channels)) = shape.last().copied().filter(|_| shape.len() >= 2) else {
        return Err(it.cx.error(
            b.req("inputs").sp,
            format!(
                "batch normalization needs inputs of rank >= 2 with a known last dim, got {}",
                staticflow_ir::ShapeDisplay::python(&shape)
            ),
        ));
    };
    if let Some(a) = b.some("axis") {
        let axis = convert::as_int(&mut it.cx, &a.value, a.sp, "axis")?;
        if axis != -1 && axis != shape.len() as i64 - 1 {
            return Err(it.cx.error(
                a.sp,
                "batch normalization over an axis other than the last is not supported yet",
            ));
        }
    }
    let name = b.some("name").or(b.some("scope")).map(|n| n.value.clone());
    let target = match name {
        Some(Value::Str(n)) => VarScopeTarget::Name(n),
        _ => VarScopeTarget::Default(flavor.default_scope.into()),
    };
    let result = super::nn::in_layer_scope(it, target, reuse, call.sp, |it| {
        let var = |it: &mut Interp,
                   name: &str,
                   init: Initializer,
                   trainable: bool|
         -> Result<u32, Reported> {
            let v = super::nn::layer_variable(
                it,
                name,
                vec![channels],
                dtype,
                Some(Spanned {
                    value: Value::Initializer(init),
                    sp: call.sp,
                }),
                None,
                trainable,
                call.sp,
            )?;
            match v {
                Value::Variable(i) => Ok(it.g.vars[i].read),
                _ => Ok(0),
            }
        };
        let gamma = if scale {
            Some(var(it, "gamma", Initializer::Ones, trainable)?)
        } else {
            None
        };
        let beta = if center {
            Some(var(it, "beta", Initializer::Zeros, trainable)?)
        } else {
            None
        };
        let moving_mean = var(it, "moving_mean", Initializer::Zeros, false)?;
        let moving_variance = var(it, "moving_variance", Initializer::Ones, false)?;
        let batch_mode = |it: &mut Interp, gate: Option<u32>| -> Result<(u32, u32), Reported> {
            let (mean, variance) = moments(it, x, shape.len(), call.sp)?;
            for (moving, batch, suffix) in
                [(moving_mean, mean, ""), (moving_variance, variance, "_1")]
            {
                update_moving(it, moving, batch, momentum, suffix, gate, call.sp)?;
            }
            Ok((mean, variance))
        };
        let norm = |it: &mut Interp, mean: u32, variance: u32| {
            normalize(it, x, mean, variance, gamma, beta, epsilon, dtype, call.sp)
        };
        match training {
            Training::Fixed(true) => {
                let (mean, variance) = batch_mode(it, None)?;
                norm(it, mean, variance)
            }
            Training::Fixed(false) => norm(it, moving_mean, moving_variance),
            Training::Tensor(t) => {
                // Both modes are computed and mixed by the flag (0 or 1); the updates
                // are scaled by it, so they change nothing in inference runs.
                let name = it.g.unique_name("Cast");
                let gate = it.g.add_exact(
                    name,
                    Op::Cast,
                    vec![GraphB::out(t)],
                    TensorType::new(dtype, vec![]),
                );
                let (mean, variance) = batch_mode(it, Some(gate))?;
                let train_out = norm(it, mean, variance)?;
                let infer_out = norm(it, moving_mean, moving_variance)?;
                let one = scalar(it, "ones", 1.0, dtype);
                let not_gate = op(it, "sub", Op::Binary(BinaryOp::Sub), &[one, gate], call.sp)?;
                let a = op(
                    it,
                    "mul",
                    Op::Binary(BinaryOp::Mul),
                    &[train_out, gate],
                    call.sp,
                )?;
                let c = op(
                    it,
                    "mul",
                    Op::Binary(BinaryOp::Mul),
                    &[infer_out, not_gate],
                    call.sp,
                )?;
                op(it, "cond", Op::Binary(BinaryOp::AddV2), &[a, c], call.sp)
            }
        }
    });
    result.map(Value::Tensor)
}

fn op(it: &mut Interp, name: &str, op: Op, inputs: &[u32], sp: Sp) -> Result<u32, Reported> {
    let n = it.g.unique_name(name);
    add_node(it, n, op, inputs, sp)
}

fn scalar(it: &mut Interp, name: &str, value: f64, dtype: DType) -> u32 {
    it.g.add(
        name,
        Op::Const(ConstValue::from_f64s(dtype, &[value])),
        vec![],
        TensorType::new(dtype, vec![]),
    )
}

fn reduce_mean(axes: &[usize]) -> Op {
    Op::Reduce {
        kind: ReduceKind::Mean,
        axes: Cow::Owned(axes.to_vec()),
        keep_dims: false,
    }
}

/// Batch mean and (biased) variance over every axis but the last (`moments/...`).
fn moments(it: &mut Interp, x: u32, rank: usize, sp: Sp) -> Result<(u32, u32), Reported> {
    let axes: Vec<usize> = (0..rank - 1).collect();
    let prev = it.g.push_name_scope(Some("moments"));
    let result = (|| {
        let mean = op(it, "mean", reduce_mean(&axes), &[x], sp)?;
        let diff = op(it, "sub", Op::Binary(BinaryOp::Sub), &[x, mean], sp)?;
        let sq = op(
            it,
            "SquaredDifference",
            Op::Unary(UnaryOp::Square),
            &[diff],
            sp,
        )?;
        let variance = op(it, "variance", reduce_mean(&axes), &[sq], sp)?;
        Ok((mean, variance))
    })();
    it.g.pop_name_scope(prev);
    result
}

/// `moving -= (moving - batch) * (1 - momentum)`, an `AssignMovingAvg` op in `update_ops`.
fn update_moving(
    it: &mut Interp,
    moving_read: u32,
    batch: u32,
    momentum: f64,
    suffix: &str,
    gate: Option<u32>,
    sp: Sp,
) -> Result<(), Reported> {
    let var = it.g.nodes[moving_read as usize]
        .inputs
        .first()
        .map_or(0, |r| r.node);
    let Op::Variable { slot } = it.g.nodes[var as usize].op else {
        return Err(it
            .cx
            .error(sp, "internal: a moving average that is not a variable"));
    };
    let dtype = it.g.ty(moving_read).dtype;
    let scope = it.g.unique_name(&format!("AssignMovingAvg{suffix}"));
    let prev = it.g.push_name_scope(Some(&format!("{scope}/")));
    let delta = (|| {
        let decay = scalar(it, "decay", 1.0 - momentum, dtype);
        let diff = op(
            it,
            "sub",
            Op::Binary(BinaryOp::Sub),
            &[moving_read, batch],
            sp,
        )?;
        let delta = op(it, "mul", Op::Binary(BinaryOp::Mul), &[diff, decay], sp)?;
        match gate {
            Some(g) => op(it, "mul", Op::Binary(BinaryOp::Mul), &[delta, g], sp),
            None => Ok(delta),
        }
    })();
    it.g.pop_name_scope(prev);
    let update = add_node(
        it,
        scope,
        Op::Assign {
            slot,
            mode: AssignMode::Sub,
        },
        &[var, delta?],
        sp,
    )?;
    it.g.add_to_collection(UPDATE_OPS, Member::Tensor(update));
    Ok(())
}

/// `(x - mean) * gamma / sqrt(variance + epsilon) + beta` as TF's `batchnorm/` ops.
#[allow(clippy::too_many_arguments)]
fn normalize(
    it: &mut Interp,
    x: u32,
    mean: u32,
    variance: u32,
    gamma: Option<u32>,
    beta: Option<u32>,
    epsilon: f64,
    dtype: DType,
    sp: Sp,
) -> Result<u32, Reported> {
    let prev = it.g.push_name_scope(Some("batchnorm"));
    let result = (|| {
        let eps = scalar(it, "add/y", epsilon, dtype);
        let v_eps = op(it, "add", Op::Binary(BinaryOp::AddV2), &[variance, eps], sp)?;
        let root = op(it, "Sqrt", Op::Unary(UnaryOp::Sqrt), &[v_eps], sp)?;
        let one = scalar(it, "Rsqrt/x", 1.0, dtype);
        let mut inv = op(it, "Rsqrt", Op::Binary(BinaryOp::RealDiv), &[one, root], sp)?;
        if let Some(g) = gamma {
            inv = op(it, "mul", Op::Binary(BinaryOp::Mul), &[inv, g], sp)?;
        }
        let scaled = op(it, "mul_1", Op::Binary(BinaryOp::Mul), &[x, inv], sp)?;
        let mean_scaled = op(it, "mul_2", Op::Binary(BinaryOp::Mul), &[mean, inv], sp)?;
        let shift = match beta {
            Some(b) => op(it, "sub", Op::Binary(BinaryOp::Sub), &[b, mean_scaled], sp)?,
            None => op(it, "Neg", Op::Unary(UnaryOp::Neg), &[mean_scaled], sp)?,
        };
        op(
            it,
            "add_1",
            Op::Binary(BinaryOp::AddV2),
            &[scaled, shift],
            sp,
        )
    })();
    it.g.pop_name_scope(prev);
    result
}
