//! Binding call arguments to a signature, with Python's error wording.

use super::value::Spanned;
use crate::ctxt::{Ctxt, Reported, Sp};

/// An evaluated call argument.
#[derive(Clone, Debug)]
pub struct ArgVal {
    /// The keyword, for `key = value`.
    pub name: Option<(String, Sp)>,
    pub value: Spanned,
}

/// A call being dispatched: what was called, where, with what.
pub struct Call {
    /// The name shown in messages (`matmul`).
    pub name: String,
    pub sp: Sp,
    pub args: Vec<ArgVal>,
    /// Keyword defaults from the enclosing `arg_scope`s: used where no argument was given.
    pub defaults: Vec<ArgVal>,
}

/// A signature: parameter names in positional order; the first `required` are required.
pub struct Sig<'a> {
    pub params: &'a [&'a str],
    pub required: usize,
}

/// Arguments bound to a signature's parameters.
pub struct Bound {
    slots: Vec<Option<Spanned>>,
    params: Vec<String>,
}

impl Bound {
    /// The argument given for `param`, if any.
    pub fn get(&self, param: &str) -> Option<&Spanned> {
        let i = self.params.iter().position(|p| *p == param)?;
        self.slots.get(i)?.as_ref()
    }

    /// The argument given for `param` unless it is `None`.
    pub fn some(&self, param: &str) -> Option<&Spanned> {
        self.get(param)
            .filter(|s| !matches!(s.value, super::value::Value::None))
    }

    /// The argument for a required parameter (binding guarantees it is present).
    pub fn req(&self, param: &str) -> &Spanned {
        match self.get(param) {
            Some(s) => s,
            // Binding rejected calls without required arguments, and handlers only
            // ask for parameters declared as required.
            None => unreachable!("required parameter `{param}` was bound"),
        }
    }
}

/// Binds `call`'s arguments to `sig`, reporting what Python would raise.
pub fn bind(cx: &mut Ctxt, call: &Call, sig: &Sig<'_>) -> Result<Bound, Reported> {
    let mut slots: Vec<Option<Spanned>> = vec![None; sig.params.len()];
    let mut failed = false;
    let mut positional = 0;
    for arg in &call.args {
        match &arg.name {
            None => {
                if positional >= sig.params.len() {
                    let max = sig.params.len();
                    let takes = if sig.required == max {
                        format!("{max}")
                    } else {
                        format!("from {} to {max}", sig.required)
                    };
                    cx.error(
                        arg.value.sp,
                        format!(
                            "{}() takes {takes} positional argument{} but {} were given",
                            call.name,
                            if max == 1 { "" } else { "s" },
                            call.args.iter().filter(|a| a.name.is_none()).count()
                        ),
                    );
                    return Err(Reported);
                }
                slots[positional] = Some(arg.value.clone());
                positional += 1;
            }
            Some((key, key_sp)) => match sig.params.iter().position(|p| p == key) {
                None => {
                    let hint = super::suggest::did_you_mean(key, sig.params.iter().copied());
                    cx.error(
                        *key_sp,
                        format!(
                            "{}() got an unexpected keyword argument '{key}'{hint}",
                            call.name
                        ),
                    );
                    failed = true;
                }
                Some(i) if slots[i].is_some() => {
                    cx.error(
                        *key_sp,
                        format!("{}() got multiple values for argument '{key}'", call.name),
                    );
                    failed = true;
                }
                Some(i) => slots[i] = Some(arg.value.clone()),
            },
        }
    }
    for d in &call.defaults {
        let Some((key, key_sp)) = &d.name else {
            continue;
        };
        match sig.params.iter().position(|p| p == key) {
            Some(i) if slots[i].is_none() => slots[i] = Some(d.value.clone()),
            Some(_) => {}
            None => {
                cx.error(
                    *key_sp,
                    format!(
                        "arg_scope sets '{key}', which {}() does not take",
                        call.name
                    ),
                );
                failed = true;
            }
        }
    }
    let missing: Vec<&str> = sig.params[..sig.required]
        .iter()
        .zip(&slots)
        .filter(|(_, s)| s.is_none())
        .map(|(p, _)| *p)
        .collect();
    if !missing.is_empty() && !failed {
        let names: Vec<String> = missing.iter().map(|m| format!("'{m}'")).collect();
        cx.error(
            call.sp,
            format!(
                "{}() missing {} required positional argument{}: {}",
                call.name,
                missing.len(),
                if missing.len() == 1 { "" } else { "s" },
                names.join(" and ")
            ),
        );
        failed = true;
    }
    if failed {
        return Err(Reported);
    }
    Ok(Bound {
        slots,
        params: sig.params.iter().map(|p| p.to_string()).collect(),
    })
}
