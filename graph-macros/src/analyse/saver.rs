//! `tf.train.Saver(...)`: which variables a saver writes, under which names.

use super::args::{bind, Call, Sig};
use super::builtins::name_arg;
use super::convert;
use super::value::Value;
use super::Interp;
use crate::ctxt::Reported;
use std::rc::Rc;

/// A saver: checkpoint names and variables, sorted by name, and how many to keep.
#[derive(Debug)]
pub struct SaverSpec {
    pub entries: Vec<(String, usize)>,
    pub max_to_keep: usize,
}

/// `Saver(var_list = None, ..., max_to_keep = 5, ...)`: every global variable by its
/// name, a list of variables, or a dict of checkpoint names to variables.
pub fn saver(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = bind(
        &mut it.cx,
        call,
        &Sig {
            params: &[
                "var_list",
                "reshape",
                "sharded",
                "max_to_keep",
                "keep_checkpoint_every_n_hours",
                "name",
                "restore_sequentially",
                "saver_def",
                "builder",
                "defer_build",
                "allow_empty",
                "write_version",
                "pad_step_number",
                "save_relative_paths",
                "filename",
            ],
            required: 0,
        },
    )?;
    let mut entries: Vec<(String, usize)> = Vec::new();
    match b.some("var_list").map(|v| (v.value.clone(), v.sp)) {
        None => {
            for v in super::variables::collection_vars(it, "variables") {
                entries.push((it.g.vars[v].name.clone(), v));
            }
        }
        Some((Value::Dict(pairs), sp)) => {
            for (k, v) in pairs {
                let name = convert::as_str(&mut it.cx, &k, sp, "var_list key")?;
                match v {
                    Value::Variable(v) => entries.push((name, v)),
                    other => {
                        return Err(it.cx.error(
                            sp,
                            format!(
                                "a Saver dict maps names to variables, found {}",
                                other.kind_name()
                            ),
                        ))
                    }
                }
            }
        }
        Some((Value::List(items) | Value::Tuple(items), sp)) => {
            for item in items {
                match item {
                    Value::Variable(v) => entries.push((it.g.vars[v].name.clone(), v)),
                    other => {
                        return Err(it.cx.error(
                            sp,
                            format!(
                                "`var_list` must hold variables, found {}",
                                other.kind_name()
                            ),
                        ))
                    }
                }
            }
        }
        Some((other, sp)) => {
            return Err(it.cx.error(
                sp,
                format!(
                    "`var_list` must be a list or a dict of variables, found {}",
                    other.kind_name()
                ),
            ))
        }
    }
    let allow_empty = matches!(
        b.some("allow_empty").map(|v| &v.value),
        Some(Value::Bool(true))
    );
    if entries.is_empty() && !allow_empty {
        return Err(it.cx.error(call.sp, "No variables to save"));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(w) = entries.windows(2).find(|w| w[0].0 == w[1].0) {
        let name = w[0].0.clone();
        return Err(it.cx.error(
            call.sp,
            format!("At least two variables have the same name: {name}"),
        ));
    }
    let max_to_keep = match b.some("max_to_keep") {
        Some(v) => match convert::as_int(&mut it.cx, &v.value, v.sp, "max_to_keep")? {
            n if n >= 0 => n as usize,
            n => {
                return Err(it
                    .cx
                    .error(v.sp, format!("max_to_keep must be >= 0, got {n}")))
            }
        },
        None => 5,
    };
    // TF's Saver adds its ops under a `save` name scope: reserve the name.
    let name = name_arg(it, &b)?.unwrap_or_else(|| "save".into());
    it.g.unique_name(&name);
    Ok(Value::Saver(Rc::new(SaverSpec {
        entries,
        max_to_keep,
    })))
}
