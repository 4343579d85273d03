//! The rest of the TF1 toolbox of seed 002: `arg_scope`, regularizers and the
//! regularization-loss collection, `tuple`.

use super::args::{ArgVal, Call};
use super::builtins::{add_node, collect_deps, name_arg};
use super::convert::{self, normalize};
use super::graph::{GraphB, Member};
use super::scopes::{ArgScopeEntry, ArgScopeTarget, ContextSpec};
use super::value::{Spanned, Value};
use super::Interp;
use crate::ctxt::{Reported, Sp};
use staticflow_ir::{BinaryOp, ConstValue, Op, ReduceKind, TensorType, UnaryOp};
use std::borrow::Cow;

const REGULARIZATION_LOSSES: &str = "regularization_losses";

/// An L1 or L2 weight regularizer (`layers.l2_regularizer(scale)`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Regularizer {
    pub l1: bool,
    pub scale: f64,
}

/// `arg_scope([ops], key = value, ...)`: a context whose ops get these keyword defaults.
pub fn arg_scope(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let mut ops = None;
    let mut defaults: Vec<ArgVal> = Vec::new();
    for a in &call.args {
        match &a.name {
            None if ops.is_none() => ops = Some(a.value.clone()),
            None => {
                return Err(it.cx.error(
                    a.value.sp,
                    "arg_scope() takes one list of ops, then keyword defaults",
                ))
            }
            Some((k, _)) if k == "list_ops_or_scope" => ops = Some(a.value.clone()),
            Some(_) => defaults.push(a.clone()),
        }
    }
    let Some(ops) = ops else {
        return Err(it.cx.error(
            call.sp,
            "arg_scope() missing 1 required positional argument: 'list_ops_or_scope'",
        ));
    };
    let items = match &ops.value {
        Value::List(items) | Value::Tuple(items) => items.clone(),
        single => vec![single.clone()],
    };
    let mut entries = Vec::new();
    for item in items {
        let target = match item {
            Value::Path(p) => ArgScopeTarget::Op(normalize(&p)),
            Value::Func(def) if def.add_arg_scope => ArgScopeTarget::Func(def.name.to_string()),
            Value::Func(def) => {
                return Err(it.cx.error(
                    ops.sp,
                    format!("{} is not decorated with @add_arg_scope", def.name),
                ))
            }
            other => {
                return Err(it.cx.error(
                    ops.sp,
                    format!(
                        "arg_scope() lists ops or graph functions, found {}",
                        other.kind_name()
                    ),
                ))
            }
        };
        entries.push(ArgScopeEntry {
            target,
            defaults: defaults.clone(),
        });
    }
    Ok(Value::Context(Box::new(ContextSpec::ArgScope(entries))))
}

/// `layers.l1_regularizer(scale)` / `layers.l2_regularizer(scale)`.
pub fn regularizer(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = super::args::bind(
        &mut it.cx,
        call,
        &super::args::Sig {
            params: &["scale", "scope"],
            required: 1,
        },
    )?;
    let s = b.req("scale");
    let scale = convert::as_number(&mut it.cx, &s.value, s.sp, "scale")?;
    if scale < 0.0 {
        return Err(it.cx.error(
            s.sp,
            format!("Setting a scale less than 0 on a regularizer: {scale}"),
        ));
    }
    Ok(Value::Regularizer(Regularizer {
        l1: call.name.starts_with("l1"),
        scale,
    }))
}

/// Applies a regularizer to the variable read by `weights` under
/// `VAR/Regularizer/l2_regularizer` (TF's names) and adds the loss to
/// `regularization_losses`.
pub fn apply_regularizer(
    it: &mut Interp,
    r: Regularizer,
    var_name: &str,
    weights: u32,
    sp: Sp,
) -> Result<(), Reported> {
    let prev =
        it.g.push_name_scope(Some(&format!("{var_name}/Regularizer/")));
    let result = (|| {
        let scope = it.g.unique_name(if r.l1 {
            "l1_regularizer"
        } else {
            "l2_regularizer"
        });
        let prev = it.g.push_name_scope(Some(&format!("{scope}/")));
        let inner = (|| {
            let dtype = it.g.ty(weights).dtype;
            let scale = it.g.add(
                "scale",
                Op::Const(ConstValue::from_f64s(dtype, &[r.scale])),
                vec![],
                TensorType::new(dtype, vec![]),
            );
            let penalty = if r.l1 {
                let name = it.g.unique_name("Abs");
                let abs = add_node(it, name, Op::Unary(UnaryOp::Abs), &[weights], sp)?;
                let rank = it.g.ty(abs).shape.len();
                let axes: Vec<usize> = (0..rank).collect();
                let name = it.g.unique_name("Sum");
                add_node(
                    it,
                    name,
                    Op::Reduce {
                        kind: ReduceKind::Sum,
                        axes: Cow::Owned(axes),
                        keep_dims: false,
                    },
                    &[abs],
                    sp,
                )?
            } else {
                let name = it.g.unique_name("L2Loss");
                add_node(it, name, Op::L2Loss, &[weights], sp)?
            };
            Ok((scale, penalty))
        })();
        it.g.pop_name_scope(prev);
        let (scale, penalty) = inner?;
        add_node(it, scope, Op::Binary(BinaryOp::Mul), &[scale, penalty], sp)
    })();
    it.g.pop_name_scope(prev);
    let loss = result?;
    it.g.add_to_collection(REGULARIZATION_LOSSES, Member::Tensor(loss));
    Ok(())
}

/// `losses.get_regularization_loss(scope = None, name = "total_regularization_loss")`:
/// the sum of the regularization losses (0 when there are none).
pub fn get_regularization_loss(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = super::args::bind(
        &mut it.cx,
        call,
        &super::args::Sig {
            params: &["scope", "name"],
            required: 0,
        },
    )?;
    let losses = regularization_losses(it, b.some("scope"))?;
    let name = name_arg(it, &b)?.unwrap_or_else(|| "total_regularization_loss".into());
    let name = it.g.unique_name(&name);
    if losses.is_empty() {
        let node = it.g.add_exact(
            name,
            Op::Const(ConstValue::Float32(vec![0.0].into())),
            vec![],
            TensorType::new(staticflow_ir::DType::Float32, vec![]),
        );
        return Ok(Value::Tensor(node));
    }
    add_node(it, name, Op::AddN, &losses, call.sp).map(Value::Tensor)
}

/// `losses.get_regularization_losses(scope = None)`.
pub fn get_regularization_losses(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = super::args::bind(
        &mut it.cx,
        call,
        &super::args::Sig {
            params: &["scope"],
            required: 0,
        },
    )?;
    let losses = regularization_losses(it, b.some("scope"))?;
    Ok(Value::List(losses.into_iter().map(Value::Tensor).collect()))
}

fn regularization_losses(it: &mut Interp, scope: Option<&Spanned>) -> Result<Vec<u32>, Reported> {
    let prefix = match scope {
        Some(s) => Some(convert::as_str(&mut it.cx, &s.value, s.sp, "scope")?),
        None => None,
    };
    Ok(it
        .g
        .collections
        .get(REGULARIZATION_LOSSES)
        .map(|m| {
            m.iter()
                .filter_map(|m| match m {
                    Member::Tensor(n) => Some(*n),
                    _ => None,
                })
                .filter(|&n| {
                    prefix
                        .as_deref()
                        .is_none_or(|p| it.g.nodes[n as usize].name.starts_with(p))
                })
                .collect()
        })
        .unwrap_or_default())
}

/// `tuple(tensors)`: identities of the tensors that all wait for every one of them.
pub fn tuple(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = super::args::bind(
        &mut it.cx,
        call,
        &super::args::Sig {
            params: &["tensors", "name", "control_inputs"],
            required: 1,
        },
    )?;
    let list = b.req("tensors").clone();
    let items = match &list.value {
        Value::List(items) | Value::Tuple(items) => items.clone(),
        other => {
            return Err(it.cx.error(
                list.sp,
                format!(
                    "tuple() takes a list of tensors, found {}",
                    other.kind_name()
                ),
            ))
        }
    };
    let mut deps = Vec::new();
    collect_deps(it, &list, &mut deps)?;
    if let Some(c) = b.some("control_inputs") {
        collect_deps(it, c, &mut deps)?;
    }
    let name = name_arg(it, &b)?.unwrap_or_else(|| "tuple".into());
    let scope = it.g.unique_name(&name);
    let prev = it.g.push_name_scope(Some(&format!("{scope}/")));
    let result = (|| {
        let gate_name = it.g.unique_name("group_deps");
        let gate = it.g.add_exact(
            gate_name,
            Op::NoOp,
            vec![],
            TensorType::new(staticflow_ir::DType::Float32, vec![]),
        );
        it.g.nodes[gate as usize].control.extend(deps);
        let mut outs = Vec::new();
        for item in items {
            let node = match item {
                Value::Tensor(n) => n,
                Value::Variable(v) => it.g.vars[v].read,
                other => {
                    return Err(it.cx.error(
                        list.sp,
                        format!("tuple() takes tensors, found {}", other.kind_name()),
                    ))
                }
            };
            let ty = it.g.ty(node).clone();
            let name = it.g.unique_name("control_dependency");
            let id =
                it.g.add_exact(name, Op::Identity, vec![GraphB::out(node)], ty);
            it.g.nodes[id as usize].control.push(gate);
            outs.push(Value::Tensor(id));
        }
        Ok(Value::List(outs))
    })();
    it.g.pop_name_scope(prev);
    result
}
