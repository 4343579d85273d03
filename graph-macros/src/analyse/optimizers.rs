//! `gradients`, `stop_gradient` and the TF1 optimizers: `minimize`,
//! `compute_gradients`, `apply_gradients`, slot variables named as TF names them.

use super::args::{bind, Bound, Call, Sig};
use super::builtins::{add_node, name_arg, to_tensor};
use super::convert;
use super::graph::Member;
use super::value::{Initializer, Spanned, Value};
use super::variables::{create_variable, InitialValue};
use super::Interp;
use crate::ctxt::{Reported, Sp};
use staticflow_ir::op::AssignMode;
use staticflow_ir::shape::ShapeDisplay;
use staticflow_ir::{ApplyKind, BinaryOp, ConstValue, DType, Op, TensorType};
use std::rc::Rc;

/// An optimizer object: its update rule and hyperparameters.
#[derive(Debug)]
pub struct OptimizerSpec {
    pub kind: ApplyKind,
    /// TF's default name (`Adam`), the scope of its ops.
    pub name: String,
    /// A number or a tensor.
    pub learning_rate: Value,
    /// Named hyperparameters (`beta1`, `momentum`, ...), in TF's order.
    pub params: Vec<(&'static str, f64)>,
}

impl OptimizerSpec {
    fn param(&self, key: &str) -> f64 {
        self.params
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(0.0, |(_, v)| *v)
    }
}

fn sig(it: &mut Interp, call: &Call, params: &[&str], required: usize) -> Result<Bound, Reported> {
    bind(&mut it.cx, call, &Sig { params, required })
}

/// The tensors a `ys`/`xs` argument stands for (a tensor, a variable, or a list).
fn nodes_of(
    it: &mut Interp,
    v: &Spanned,
    what: &str,
    vars_as_refs: bool,
) -> Result<Vec<u32>, Reported> {
    let items = match &v.value {
        Value::List(items) | Value::Tuple(items) => items.clone(),
        single => vec![single.clone()],
    };
    let mut out = Vec::new();
    for item in items {
        match item {
            Value::Tensor(n) => out.push(n),
            Value::Variable(i) if vars_as_refs => out.push(it.g.vars[i].node),
            Value::Variable(i) => out.push(it.g.vars[i].read),
            other => {
                return Err(it.cx.error(
                    v.sp,
                    format!(
                        "`{what}` must be tensors or variables, found {}",
                        other.kind_name()
                    ),
                ))
            }
        }
    }
    Ok(out)
}

/// `gradients(ys, xs, grad_ys = None, name = "gradients", stop_gradients = None)`.
pub fn gradients(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(
        it,
        call,
        &[
            "ys",
            "xs",
            "grad_ys",
            "name",
            "colocate_gradients_with_ops",
            "gate_gradients",
            "aggregation_method",
            "stop_gradients",
        ],
        2,
    )?;
    let ys = nodes_of(it, b.req("ys"), "ys", false)?;
    let xs = nodes_of(it, b.req("xs"), "xs", true)?;
    let stop = match b.some("stop_gradients") {
        Some(s) => nodes_of(it, s, "stop_gradients", false)?,
        None => Vec::new(),
    };
    let name = name_arg(it, &b)?.unwrap_or_else(|| "gradients".into());
    let grad_ys = match b.some("grad_ys") {
        Some(g) => {
            let items = match &g.value {
                Value::List(items) if ys.len() > 1 || items.iter().all(Value::is_graph_tensor) => {
                    items.clone()
                }
                single => vec![single.clone()],
            };
            if items.len() != ys.len() {
                return Err(it.cx.error(
                    g.sp,
                    format!("Passed {} grad_ys for {} ys", items.len(), ys.len()),
                ));
            }
            Some(items)
        }
        None => None,
    };
    let grad_scope = it.g.unique_name(&name);
    // grad_ys literals become constants inside the gradients scope, like TF's.
    let prev = it.g.push_name_scope(Some(&format!("{grad_scope}/")));
    let mut converted = Vec::new();
    let mut failed = None;
    if let Some(items) = &grad_ys {
        for (i, (item, &y)) in items.iter().zip(&ys).enumerate() {
            let spanned = Spanned {
                value: item.clone(),
                sp: b.req("grad_ys").sp,
            };
            let ty = it.g.ty(y).clone();
            match to_tensor(it, &spanned, Some(ty.dtype), &format!("grad_ys_{i}")) {
                Ok(g) => {
                    let gs = it.g.ty(g).shape.clone();
                    let fits = gs.len() == ty.shape.len()
                        && gs
                            .iter()
                            .zip(&ty.shape)
                            .all(|(a, b)| a.is_none() || b.is_none() || a == b);
                    if !fits {
                        failed = Some(it.cx.error(
                            spanned.sp,
                            format!(
                                "grad_ys[{i}] must have the shape of ys[{i}] {}, got {}",
                                ShapeDisplay::brackets(&ty.shape),
                                ShapeDisplay::brackets(&gs)
                            ),
                        ));
                    }
                    converted.push(Some(g));
                }
                Err(r) => failed = Some(r),
            }
        }
    }
    it.g.pop_name_scope(prev);
    if let Some(r) = failed {
        return Err(r);
    }
    // Re-enter the scope `gradients` made: the backward ops go under the same name.
    let grads = it.gradients(
        &ys,
        &xs,
        &converted,
        &stop,
        &format!("{grad_scope}/"),
        call.sp,
    )?;
    Ok(Value::List(
        grads
            .into_iter()
            .zip(&xs)
            .map(|(g, &x)| g.map_or(Value::NoGradient(x), Value::Tensor))
            .collect(),
    ))
}

/// `stop_gradient(input, name = None)`.
pub fn stop_gradient(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(it, call, &["input", "name"], 1)?;
    let name = name_arg(it, &b)?;
    let x = b.req("input").clone();
    super::builtins::build_op(
        it,
        name.as_deref(),
        "StopGradient",
        Op::StopGradient,
        &[("input", &x)],
        call.sp,
    )
    .map(Value::Tensor)
}

/// The optimizer constructors (`train.AdamOptimizer(...)` and friends).
pub fn optimizer(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let (kind, name, params, defaults): (ApplyKind, &str, &[&str], &[(&'static str, f64)]) =
        match call.name.as_str() {
            "GradientDescentOptimizer" => (
                ApplyKind::GradientDescent,
                "GradientDescent",
                &["learning_rate", "use_locking", "name"],
                &[],
            ),
            "MomentumOptimizer" => (
                ApplyKind::Momentum { nesterov: false },
                "Momentum",
                &[
                    "learning_rate",
                    "momentum",
                    "use_locking",
                    "name",
                    "use_nesterov",
                ],
                &[("momentum", f64::NAN)],
            ),
            "AdamOptimizer" => (
                ApplyKind::Adam,
                "Adam",
                &[
                    "learning_rate",
                    "beta1",
                    "beta2",
                    "epsilon",
                    "use_locking",
                    "name",
                ],
                &[("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8)],
            ),
            "RMSPropOptimizer" => (
                ApplyKind::RMSProp,
                "RMSProp",
                &[
                    "learning_rate",
                    "decay",
                    "momentum",
                    "epsilon",
                    "use_locking",
                    "centered",
                    "name",
                ],
                &[("decay", 0.9), ("momentum", 0.0), ("epsilon", 1e-10)],
            ),
            _ => (
                ApplyKind::Adagrad,
                "Adagrad",
                &[
                    "learning_rate",
                    "initial_accumulator_value",
                    "use_locking",
                    "name",
                ],
                &[("initial_accumulator_value", 0.1)],
            ),
        };
    let required = if kind == ApplyKind::Adam { 0 } else { 1 };
    let required = if matches!(kind, ApplyKind::Momentum { .. }) {
        2
    } else {
        required
    };
    let b = sig(it, call, params, required)?;
    let learning_rate = match b.some("learning_rate") {
        Some(v) if v.value.is_graph_tensor() || convert::as_f64(&v.value).is_some() => {
            v.value.clone()
        }
        Some(v) => {
            return Err(it.cx.error(
                v.sp,
                format!(
                    "`learning_rate` must be a number or a tensor, found {}",
                    v.value.kind_name()
                ),
            ))
        }
        None => Value::Float(0.001),
    };
    let mut values = Vec::new();
    for (key, default) in defaults {
        let v = match b.some(key) {
            Some(v) => convert::as_number(&mut it.cx, &v.value, v.sp, key)?,
            None => *default,
        };
        values.push((*key, v));
    }
    let kind = match kind {
        ApplyKind::Momentum { .. } => {
            let nesterov = match b.some("use_nesterov") {
                Some(v) => convert::as_bool(&mut it.cx, &v.value, v.sp, "use_nesterov")?,
                None => false,
            };
            ApplyKind::Momentum { nesterov }
        }
        k => k,
    };
    if let Some(c) = b.some("centered") {
        if convert::as_bool(&mut it.cx, &c.value, c.sp, "centered")? {
            return Err(it.cx.error(c.sp, "centered RMSProp is not supported yet"));
        }
    }
    let name = match name_arg(it, &b)? {
        Some(n) => n,
        None => name.to_string(),
    };
    Ok(Value::Optimizer(Rc::new(OptimizerSpec {
        kind,
        name,
        learning_rate,
        params: values,
    })))
}

/// `optimizer.minimize(...)`, `.compute_gradients(...)`, `.apply_gradients(...)`.
pub fn method(
    it: &mut Interp,
    opt: Rc<OptimizerSpec>,
    method: &str,
    call: &Call,
) -> Result<Value, Reported> {
    match method {
        "minimize" => {
            let b = sig(
                it,
                call,
                &[
                    "loss",
                    "global_step",
                    "var_list",
                    "gate_gradients",
                    "aggregation_method",
                    "colocate_gradients_with_ops",
                    "name",
                    "grad_loss",
                ],
                1,
            )?;
            let pairs = compute_gradients(it, &b, call.sp)?;
            let loss = b.req("loss").clone();
            if pairs.iter().all(|(g, _)| g.is_none()) {
                let vars: Vec<String> = pairs.iter().map(|(_, v)| variable_repr(it, *v)).collect();
                let loss_repr = tensor_repr(it, &loss.value);
                return Err(it.cx.error(
                    call.sp,
                    format!(
                        "No gradients provided for any variable, check your graph for ops that do not support gradients, between variables [{}] and loss {loss_repr}.",
                        vars.join(", ")
                    ),
                ));
            }
            let name = name_arg(it, &b)?;
            let global_step = global_step_arg(it, &b)?;
            apply_gradients(it, &opt, &pairs, global_step, name, call.sp)
        }
        "compute_gradients" => {
            let b = sig(
                it,
                call,
                &[
                    "loss",
                    "var_list",
                    "gate_gradients",
                    "aggregation_method",
                    "colocate_gradients_with_ops",
                    "grad_loss",
                ],
                1,
            )?;
            let pairs = compute_gradients(it, &b, call.sp)?;
            Ok(Value::List(
                pairs
                    .into_iter()
                    .map(|(g, v)| {
                        let grad = g.map_or(Value::NoGradient(it.g.vars[v].node), Value::Tensor);
                        Value::Tuple(vec![grad, Value::Variable(v)])
                    })
                    .collect(),
            ))
        }
        "apply_gradients" => {
            let b = sig(it, call, &["grads_and_vars", "global_step", "name"], 1)?;
            let gv = b.req("grads_and_vars").clone();
            let items = match &gv.value {
                Value::List(items) | Value::Tuple(items) => items.clone(),
                other => {
                    return Err(it.cx.error(
                        gv.sp,
                        format!(
                        "`grads_and_vars` must be a list of (gradient, variable) pairs, found {}",
                        other.kind_name()
                    ),
                    ))
                }
            };
            let mut pairs = Vec::new();
            for item in items {
                match item {
                    Value::Tuple(p) | Value::List(p) if p.len() == 2 => match (&p[0], &p[1]) {
                        (Value::Tensor(g), Value::Variable(v)) => pairs.push((Some(*g), *v)),
                        (Value::NoGradient(_) | Value::None, Value::Variable(v)) => {
                            pairs.push((None, *v))
                        }
                        (Value::Variable(g), Value::Variable(v)) => {
                            pairs.push((Some(it.g.vars[*g].read), *v))
                        }
                        _ => {
                            return Err(it.cx.error(
                                gv.sp,
                                "each pair must be (gradient tensor or None, variable)",
                            ))
                        }
                    },
                    _ => {
                        return Err(it
                            .cx
                            .error(gv.sp, "each item must be a (gradient, variable) pair"))
                    }
                }
            }
            if pairs.iter().all(|(g, _)| g.is_none()) {
                let vars: Vec<String> = pairs.iter().map(|(_, v)| variable_repr(it, *v)).collect();
                return Err(it.cx.error(
                    call.sp,
                    format!(
                        "No gradients provided for any variable: [{}].",
                        vars.join(", ")
                    ),
                ));
            }
            let name = name_arg(it, &b)?;
            let global_step = global_step_arg(it, &b)?;
            apply_gradients(it, &opt, &pairs, global_step, name, call.sp)
        }
        "get_name" => Ok(Value::Str(opt.name.clone())),
        _ => Err(it
            .cx
            .error(call.sp, format!("an optimizer has no method `{method}`"))),
    }
}

/// TF's `str(variable)` in messages.
fn variable_repr(it: &Interp, v: usize) -> String {
    let var = &it.g.vars[v];
    let dims: Vec<_> = var.shape.iter().map(|&d| Some(d)).collect();
    format!(
        "\"<tf.Variable '{}:0' shape={} dtype={}_ref>\"",
        var.name,
        ShapeDisplay::python(&dims),
        var.dtype
    )
}

/// TF's `str(tensor)` in messages.
fn tensor_repr(it: &Interp, v: &Value) -> String {
    match v {
        Value::Tensor(n) => {
            let node = &it.g.nodes[*n as usize];
            format!(
                "Tensor(\"{}:0\", shape={}, dtype={})",
                node.name,
                ShapeDisplay::python(&node.ty.shape),
                node.ty.dtype
            )
        }
        other => other.kind_name().to_string(),
    }
}

fn global_step_arg(it: &mut Interp, b: &Bound) -> Result<Option<usize>, Reported> {
    match b.some("global_step") {
        Some(s) => match s.value {
            Value::Variable(v) if it.g.vars[v].dtype.is_integer() => Ok(Some(v)),
            _ => Err(it
                .cx
                .error(s.sp, "`global_step` must be an integer variable")),
        },
        None => Ok(None),
    }
}

/// The (gradient, variable) pairs of `loss` for `var_list` (default: trainable variables).
fn compute_gradients(
    it: &mut Interp,
    b: &Bound,
    sp: Sp,
) -> Result<Vec<(Option<u32>, usize)>, Reported> {
    let loss = b.req("loss").clone();
    let loss_node = match &loss.value {
        Value::Tensor(n) => *n,
        Value::Variable(v) => it.g.vars[*v].read,
        other => {
            return Err(it.cx.error(
                loss.sp,
                format!("the loss must be a tensor, found {}", other.kind_name()),
            ))
        }
    };
    let vars: Vec<usize> = match b.some("var_list") {
        Some(list) => {
            let items = match &list.value {
                Value::List(items) | Value::Tuple(items) => items.clone(),
                single => vec![single.clone()],
            };
            let mut vars = Vec::new();
            for i in items {
                match i {
                    Value::Variable(v) => vars.push(v),
                    other => {
                        return Err(it.cx.error(
                            list.sp,
                            format!(
                                "`var_list` must hold variables, found {}",
                                other.kind_name()
                            ),
                        ))
                    }
                }
            }
            vars
        }
        None => {
            it.g.collections
                .get("trainable_variables")
                .map(|m| {
                    m.iter()
                        .filter_map(|m| {
                            if let Member::Variable(v) = m {
                                Some(*v)
                            } else {
                                None
                            }
                        })
                        .collect()
                })
                .unwrap_or_default()
        }
    };
    if vars.is_empty() {
        return Err(it.cx.error(sp, "No variables to optimize."));
    }
    let grad_loss = match b.some("grad_loss") {
        Some(g) => {
            let dtype = it.g.ty(loss_node).dtype;
            let prev = it.g.push_name_scope(None);
            let t = to_tensor(it, g, Some(dtype), "grad_loss");
            it.g.pop_name_scope(prev);
            vec![Some(t?)]
        }
        None => vec![None],
    };
    let xs: Vec<u32> = vars.iter().map(|&v| it.g.vars[v].node).collect();
    let grads = it.gradients(&[loss_node], &xs, &grad_loss, &[], "gradients", sp)?;
    Ok(grads.into_iter().zip(vars).collect())
}

/// A hyperparameter constant `NAME` in the optimizer's scope, of the variables' dtype.
fn hyper(it: &mut Interp, name: &str, value: f64, dtype: DType) -> u32 {
    it.g.add(
        name,
        Op::Const(ConstValue::from_f64s(dtype, &[value])),
        vec![],
        TensorType::new(dtype, vec![]),
    )
}

/// A slot variable `VAR/NAME` made outside any scope (TF's `slot_creator`).
fn slot(
    it: &mut Interp,
    var: usize,
    slot_name: &str,
    init: Initializer,
    sp: Sp,
) -> Result<usize, Reported> {
    let var_b = it.g.vars[var].clone();
    let prev = it.g.push_name_scope(None);
    let name = it.g.unique_name(&format!("{}/{slot_name}", var_b.name));
    let id = create_variable(
        it,
        name,
        InitialValue::Initializer(init),
        Some(var_b.dtype),
        Some(var_b.shape.clone()),
        false,
        sp,
    );
    it.g.pop_name_scope(prev);
    id
}

/// A non-slot scalar variable (`beta1_power`), made at the root once per optimizer use.
fn non_slot(
    it: &mut Interp,
    name: &str,
    value: f64,
    dtype: DType,
    sp: Sp,
) -> Result<usize, Reported> {
    let prev = it.g.push_name_scope(None);
    let unique = it.g.unique_name(name);
    let id = create_variable(
        it,
        unique,
        InitialValue::Initializer(Initializer::Constant(value)),
        Some(dtype),
        Some(vec![]),
        false,
        sp,
    );
    it.g.pop_name_scope(prev);
    id
}

/// TF's `Optimizer.apply_gradients`: slots, hyperparameters, one `Apply*` per variable
/// under `NAME/update_VAR/`, then the finishing group (or the `global_step` increment).
fn apply_gradients(
    it: &mut Interp,
    opt: &OptimizerSpec,
    pairs: &[(Option<u32>, usize)],
    global_step: Option<usize>,
    name: Option<String>,
    sp: Sp,
) -> Result<Value, Reported> {
    let pairs: Vec<(u32, usize)> = pairs
        .iter()
        .filter_map(|(g, v)| g.map(|g| (g, *v)))
        .collect();
    let dtype = it.g.vars[pairs[0].1].dtype;
    if let Some((_, v)) = pairs.iter().find(|(_, v)| it.g.vars[*v].dtype != dtype) {
        return Err(it.cx.error(
            sp,
            format!(
                "variables of one optimizer must share a dtype: {} is {}, not {dtype}",
                it.g.vars[*v].name, it.g.vars[*v].dtype
            ),
        ));
    }
    // Slots are made in an init scope: no control dependencies, root name scope.
    let saved_controls = std::mem::take(&mut it.g.control_stack);
    let slots = make_slots(it, opt, &pairs, dtype, sp);
    it.g.control_stack = saved_controls;
    let (slots, powers) = slots?;

    let scope = it.g.unique_name(name.as_deref().unwrap_or(&opt.name));
    let prev = it.g.push_name_scope(Some(&format!("{scope}/")));
    let result = (|| {
        let lr = match &opt.learning_rate {
            Value::Tensor(n) => *n,
            Value::Variable(v) => it.g.vars[*v].read,
            v => hyper(
                it,
                "learning_rate",
                convert::as_f64(v).unwrap_or(0.001),
                dtype,
            ),
        };
        if it.g.ty(lr).dtype != dtype || !it.g.ty(lr).shape.is_empty() {
            return Err(it
                .cx
                .error(sp, format!("the learning rate must be a scalar {dtype}")));
        }
        let hypers: Vec<u32> = match opt.kind {
            ApplyKind::Momentum { .. } => vec![hyper(it, "momentum", opt.param("momentum"), dtype)],
            ApplyKind::Adam => vec![
                hyper(it, "beta1", opt.param("beta1"), dtype),
                hyper(it, "beta2", opt.param("beta2"), dtype),
                hyper(it, "epsilon", opt.param("epsilon"), dtype),
            ],
            ApplyKind::RMSProp => vec![
                hyper(it, "decay", opt.param("decay"), dtype),
                hyper(it, "momentum", opt.param("momentum"), dtype),
                hyper(it, "epsilon", opt.param("epsilon"), dtype),
            ],
            _ => vec![],
        };
        let mut updates = Vec::new();
        for ((grad, var), var_slots) in pairs.iter().zip(&slots) {
            let var_b = it.g.vars[*var].clone();
            let prev =
                it.g.push_name_scope(Some(&format!("update_{}", var_b.name)));
            let refs: Vec<u32> = std::iter::once(var_b.node)
                .chain(var_slots.iter().map(|s| it.g.vars[*s].node))
                .collect();
            let inputs: Vec<u32> = match opt.kind {
                ApplyKind::GradientDescent => vec![refs[0], lr, *grad],
                ApplyKind::Momentum { .. } => vec![refs[0], refs[1], lr, *grad, hypers[0]],
                ApplyKind::Adam => {
                    let (b1p, b2p) =
                        powers.map_or((lr, lr), |(a, b)| (it.g.vars[a].read, it.g.vars[b].read));
                    vec![
                        refs[0], refs[1], refs[2], b1p, b2p, lr, hypers[0], hypers[1], hypers[2],
                        *grad,
                    ]
                }
                ApplyKind::RMSProp => vec![
                    refs[0], refs[1], refs[2], lr, hypers[0], hypers[1], hypers[2], *grad,
                ],
                ApplyKind::Adagrad => vec![refs[0], refs[1], lr, *grad],
            };
            let name = it.g.unique_name(opt.kind.tf_type());
            let update = add_node(it, name, Op::Apply(opt.kind), &inputs, sp);
            it.g.pop_name_scope(prev);
            updates.push(update?);
        }
        finish(it, opt, &scope, updates, powers, global_step, sp)
    })();
    it.g.pop_name_scope(prev);
    result
}

type Powers = Option<(usize, usize)>;

fn make_slots(
    it: &mut Interp,
    opt: &OptimizerSpec,
    pairs: &[(u32, usize)],
    dtype: DType,
    sp: Sp,
) -> Result<(Vec<Vec<usize>>, Powers), Reported> {
    let powers = if opt.kind == ApplyKind::Adam {
        let b1 = non_slot(it, "beta1_power", opt.param("beta1"), dtype, sp)?;
        let b2 = non_slot(it, "beta2_power", opt.param("beta2"), dtype, sp)?;
        Some((b1, b2))
    } else {
        None
    };
    let name = &opt.name;
    let mut slots = Vec::new();
    for (_, var) in pairs {
        let var = *var;
        slots.push(match opt.kind {
            ApplyKind::GradientDescent => vec![],
            ApplyKind::Momentum { .. } => vec![slot(it, var, name, Initializer::Zeros, sp)?],
            ApplyKind::Adam => vec![
                slot(it, var, name, Initializer::Zeros, sp)?,
                slot(it, var, &format!("{name}_1"), Initializer::Zeros, sp)?,
            ],
            // TF starts RMSProp's mean square at ones.
            ApplyKind::RMSProp => vec![
                slot(it, var, name, Initializer::Ones, sp)?,
                slot(it, var, &format!("{name}_1"), Initializer::Zeros, sp)?,
            ],
            ApplyKind::Adagrad => vec![slot(
                it,
                var,
                name,
                Initializer::Constant(opt.param("initial_accumulator_value")),
                sp,
            )?],
        });
    }
    Ok((slots, powers))
}

/// TF's `_finish` and the `global_step` increment.
fn finish(
    it: &mut Interp,
    opt: &OptimizerSpec,
    scope: &str,
    mut updates: Vec<u32>,
    powers: Powers,
    global_step: Option<usize>,
    sp: Sp,
) -> Result<Value, Reported> {
    if let Some((b1, b2)) = powers {
        // beta powers advance after every update ran.
        it.g.control_stack.push(updates.clone());
        let result = (|| {
            let mut assigns = Vec::new();
            for (power, key) in [(b1, "beta1"), (b2, "beta2")] {
                let dtype = it.g.vars[power].dtype;
                let read = it.g.vars[power].read;
                let beta = hyper(it, key, opt.param(key), dtype);
                let name = it.g.unique_name("mul");
                let mul = add_node(it, name, Op::Binary(BinaryOp::Mul), &[read, beta], sp)?;
                let name = it.g.unique_name("Assign");
                let slot = power as u32;
                let var_node = it.g.vars[power].node;
                assigns.push(add_node(
                    it,
                    name,
                    Op::Assign {
                        slot,
                        mode: AssignMode::Set,
                    },
                    &[var_node, mul],
                    sp,
                )?);
            }
            Ok(assigns)
        })();
        it.g.control_stack.pop();
        updates.extend(result?);
    }
    // TF's group is named after the optimizer's scope itself, or `update` inside it
    // when a global_step increment becomes the train op.
    let group_name = match global_step {
        Some(_) => it.g.unique_name("update"),
        None => scope.to_string(),
    };
    let group = it.g.add_exact(
        group_name,
        Op::NoOp,
        vec![],
        TensorType::new(DType::Float32, vec![]),
    );
    it.g.nodes[group as usize].control.extend(updates);
    let Some(step) = global_step else {
        return Ok(Value::Operation(group));
    };
    // assign_add(global_step, 1, name = scope) after the updates.
    it.g.control_stack.push(vec![group]);
    let var = it.g.vars[step].clone();
    let one = it.g.add(
        "value",
        Op::Const(ConstValue::from_f64s(var.dtype, &[1.0])),
        vec![],
        TensorType::new(var.dtype, vec![]),
    );
    let increment = Op::Assign {
        slot: step as u32,
        mode: AssignMode::Add,
    };
    let result = add_node(it, scope.to_string(), increment, &[var.node, one], sp);
    it.g.control_stack.pop();
    result.map(Value::Tensor)
}

/// `train.get_or_create_global_step()` / `train.create_global_step()`: an int64 scalar
/// `global_step`, not trainable, zero-initialized.
pub fn global_step(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    sig(it, call, &["graph"], 0)?;
    if let Some(&v) = it.g.var_store.get("global_step") {
        return Ok(Value::Variable(v));
    }
    if call.name == "get_global_step" {
        return Ok(Value::None);
    }
    let prev = it.g.push_name_scope(None);
    let name = it.g.unique_name("global_step");
    let saved = std::mem::take(&mut it.g.control_stack);
    let id = create_variable(
        it,
        name,
        InitialValue::Initializer(Initializer::Zeros),
        Some(DType::Int64),
        Some(vec![]),
        false,
        call.sp,
    );
    it.g.control_stack = saved;
    it.g.pop_name_scope(prev);
    let id = id?;
    it.g.var_store.insert("global_step".into(), id);
    it.g.add_to_collection("global_step", Member::Variable(id));
    Ok(Value::Variable(id))
}
