//! `summary::scalar`, `summary::histogram`, `summary::merge_all`, `summary::merge`:
//! ops whose value is a serialized `Summary`, collected in `summaries`.

use super::args::{bind, Call, Sig};
use super::builtins::{add_node, collect_deps, name_arg, to_tensor};
use super::convert;
use super::graph::{GraphB, Member};
use super::value::Value;
use super::Interp;
use crate::ctxt::Reported;
use staticflow_ir::{DType, Op, TensorType};
use std::borrow::Cow;

const SUMMARIES: &str = "summaries";

/// `summary.scalar(name, tensor)` and `summary.histogram(name, values)`: the op is named
/// after `name` in the current scope, and that name is the tag TensorBoard shows.
pub fn value_summary(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = bind(
        &mut it.cx,
        call,
        &Sig {
            params: &["name", "tensor", "collections", "family"],
            required: 2,
        },
    )?;
    let n = b.req("name");
    let tag_name = convert::as_str(&mut it.cx, &n.value, n.sp, "name")?;
    let t = b.req("tensor").clone();
    let scope = it.g.unique_name(&tag_name);
    let prev = it.g.push_name_scope(Some(&format!("{scope}/")));
    let x = to_tensor(it, &t, None, "tensor");
    it.g.pop_name_scope(prev);
    let x = x?;
    let tag = Cow::Owned(scope.clone());
    let op = if call.name == "scalar" {
        Op::ScalarSummary { tag }
    } else {
        Op::HistogramSummary { tag }
    };
    let node = add_node(it, scope, op, &[x], call.sp)?;
    it.g.add_to_collection(SUMMARIES, Member::Tensor(node));
    Ok(Value::Tensor(node))
}

fn merge_nodes(it: &mut Interp, inputs: Vec<u32>, name: Option<String>) -> Value {
    let scope = it.g.unique_name(name.as_deref().unwrap_or("Merge"));
    let node_name = format!("{scope}/MergeSummary");
    let refs = inputs.iter().map(|&n| GraphB::out(n)).collect();
    let node = it.g.add_exact(
        node_name,
        Op::MergeSummary,
        refs,
        TensorType::new(DType::Float32, vec![]),
    );
    Value::Tensor(node)
}

/// `summary.merge(inputs, name = None)`.
pub fn merge(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = bind(
        &mut it.cx,
        call,
        &Sig {
            params: &["inputs", "collections", "name"],
            required: 1,
        },
    )?;
    let mut inputs = Vec::new();
    collect_deps(it, b.req("inputs"), &mut inputs)?;
    if let Some(bad) = inputs
        .iter()
        .find(|&&n| !it.g.nodes[n as usize].op.is_summary())
    {
        let name = it.g.nodes[*bad as usize].name.clone();
        return Err(it.cx.error(
            b.req("inputs").sp,
            format!("summary.merge() takes summaries, and `{name}` is not one"),
        ));
    }
    let name = name_arg(it, &b)?;
    Ok(merge_nodes(it, inputs, name))
}

/// `summary.merge_all(key = SUMMARIES)`: every summary made so far, or `None` when there
/// is none (as TF).
pub fn merge_all(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = bind(
        &mut it.cx,
        call,
        &Sig {
            params: &["key", "scope", "name"],
            required: 0,
        },
    )?;
    let key = match b.some("key") {
        Some(k) => convert::as_str(&mut it.cx, &k.value, k.sp, "key")?,
        None => SUMMARIES.to_string(),
    };
    let prefix = match b.some("scope") {
        Some(s) => Some(convert::as_str(&mut it.cx, &s.value, s.sp, "scope")?),
        None => None,
    };
    let inputs: Vec<u32> =
        it.g.collections
            .get(&key)
            .map(|members| {
                members
                    .iter()
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
            .unwrap_or_default();
    if inputs.is_empty() {
        return Ok(Value::None);
    }
    let name = name_arg(it, &b)?;
    Ok(merge_nodes(it, inputs, name))
}
