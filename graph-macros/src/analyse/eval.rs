//! Expressions: names, attributes, calls, operators, lists and comprehensions.

use super::args::{ArgVal, Call};
use super::scopes::{ArgScopeTarget, Reuse};
use super::value::{Spanned, Value};
use super::{builtins, convert, suggest, Interp};
use crate::ctxt::{Reported, Sp};
use crate::parse::ast::{Arg, BinOp, Expr, ExprKind, UnOp};

impl Interp {
    /// Evaluates an expression that must denote a value (not a bare op name).
    pub fn eval_value(&mut self, e: &Expr) -> Result<Value, Reported> {
        match self.eval(e)? {
            Value::Path(p) => match convert::path_value(&p) {
                Some(v) => Ok(v),
                None => Err(self.undefined(&p, e.sp)),
            },
            Value::Method(_, name) => Err(self
                .cx
                .error(e.sp, format!("`{name}` is a method: call it with `()`"))),
            v => Ok(v),
        }
    }

    fn undefined(&mut self, path: &str, sp: Sp) -> Reported {
        let normalized = convert::normalize(path);
        if builtins::op_names().any(|n| n == normalized) {
            return self.cx.error(
                sp,
                format!("`{path}` is an op, not a value: call it, as in `{path}(...)`"),
            );
        }
        if path.contains('.') {
            let candidates = builtins::op_names().chain(convert::value_names());
            let hint = match suggest::closest(&normalized, candidates) {
                Some(c) if path.starts_with("tf.") => format!("; did you mean `tf.{c}`?"),
                Some(c) => format!("; did you mean `{c}`?"),
                None => String::new(),
            };
            self.cx
                .error(sp, format!("unknown name `{path}` in this graph{hint}"))
        } else {
            let names = self.bound_names();
            let hint = suggest::did_you_mean(path, names.iter().map(String::as_str));
            self.cx.error(
                sp,
                format!("cannot find value `{path}` in this graph{hint}"),
            )
        }
    }

    fn eval(&mut self, e: &Expr) -> Result<Value, Reported> {
        Ok(match &e.kind {
            ExprKind::Int(i) => Value::Int(*i),
            ExprKind::Float(f) => Value::Float(*f),
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::Str(s) => Value::Str(s.clone()),
            ExprKind::NoneLit => Value::None,
            ExprKind::Name(id) => {
                let name = id.to_string();
                match self.lookup(&name) {
                    Some(v) => v.clone(),
                    None => Value::Path(name),
                }
            }
            ExprKind::Attr { base, name } => {
                let b = self.eval(base)?;
                match b {
                    Value::Path(p) => Value::Path(format!("{p}.{name}")),
                    Value::Poison => Value::Poison,
                    other => self.attr(other, &name.to_string(), e.sp)?,
                }
            }
            ExprKind::Call { func, args } => self.eval_call(func, args, e.sp)?,
            ExprKind::Index { base, index } => {
                let b = self.eval_value(base)?;
                let i = self.eval_value(index)?;
                self.index(b, i, e.sp)?
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let l = self.eval_value(lhs)?;
                let r = self.eval_value(rhs)?;
                self.binary(
                    *op,
                    Spanned {
                        value: l,
                        sp: lhs.sp,
                    },
                    Spanned {
                        value: r,
                        sp: rhs.sp,
                    },
                    e.sp,
                )?
            }
            ExprKind::Unary { op, expr } => {
                let v = self.eval_value(expr)?;
                match (op, v) {
                    (UnOp::Neg, Value::Int(i)) => Value::Int(-i),
                    (UnOp::Neg, Value::Float(f)) => Value::Float(-f),
                    (UnOp::Not, Value::Bool(b)) => Value::Bool(!b),
                    (_, Value::Poison) => Value::Poison,
                    (UnOp::Neg, v) if v.is_graph_tensor() => builtins::neg(
                        self,
                        Spanned {
                            value: v,
                            sp: expr.sp,
                        },
                        e.sp,
                    )?,
                    (op, v) => {
                        return Err(self.cx.error(
                            e.sp,
                            format!(
                                "bad operand type for unary {}: {}",
                                if *op == UnOp::Neg { "-" } else { "!" },
                                v.kind_name()
                            ),
                        ))
                    }
                }
            }
            // Lists may name ops (`arg_scope([layers.dense], ...)`).
            ExprKind::List(items) => Value::List(
                items
                    .iter()
                    .map(|i| self.eval_arg(i))
                    .collect::<Result<_, _>>()?,
            ),
            ExprKind::Tuple(items) => Value::Tuple(self.eval_all(items)?),
            ExprKind::Dict(entries) => {
                let mut out = Vec::new();
                for (k, v) in entries {
                    out.push((self.eval_value(k)?, self.eval_value(v)?));
                }
                Value::Dict(out)
            }
            ExprKind::Comprehension {
                elem,
                var,
                start,
                end,
            } => {
                let a = self.eval_int(start)?;
                let b = self.eval_int(end)?;
                let name = var.to_string();
                let saved = self.frames.last().and_then(|f| f.get(&name)).cloned();
                let mut out = Vec::new();
                let mut result = Ok(());
                for i in a..b {
                    self.set_var(&name, Value::Int(i));
                    match self.eval_value(elem) {
                        Ok(v) => out.push(v),
                        Err(r) => {
                            result = Err(r);
                            break;
                        }
                    }
                }
                if let Some(frame) = self.frames.last_mut() {
                    match saved {
                        Some(v) => frame.insert(name, v),
                        None => frame.remove(&name),
                    };
                }
                result?;
                Value::List(out)
            }
        })
    }

    /// An argument: a value, or an op passed by name (`activation = tf.nn.relu`).
    fn eval_arg(&mut self, e: &Expr) -> Result<Value, Reported> {
        if let ExprKind::Name(_) | ExprKind::Attr { .. } = &e.kind {
            if let Value::Path(p) = self.eval(e)? {
                let normalized = convert::normalize(&p);
                if builtins::op_names().any(|n| n == normalized) {
                    return Ok(Value::Path(p));
                }
            }
        }
        self.eval_value(e)
    }

    fn eval_all(&mut self, items: &[Expr]) -> Result<Vec<Value>, Reported> {
        items.iter().map(|i| self.eval_value(i)).collect()
    }

    fn eval_call(&mut self, func: &Expr, args: &[Arg], sp: Sp) -> Result<Value, Reported> {
        let f = self.eval(func)?;
        let mut vals = Vec::with_capacity(args.len());
        let mut failed = None;
        for a in args {
            match self.eval_arg(&a.value) {
                Ok(v) => vals.push(ArgVal {
                    name: a.name.as_ref().map(|n| (n.to_string(), Sp::one(n.span()))),
                    value: Spanned {
                        value: v,
                        sp: a.value.sp,
                    },
                }),
                Err(r) => failed = Some(r),
            }
        }
        if let Some(r) = failed {
            return Err(r);
        }
        if vals.iter().any(|a| a.value.value.contains_poison()) {
            // An argument already failed and was reported: no follow-on errors.
            return Ok(Value::Poison);
        }
        match f {
            Value::Func(def) => {
                let defaults = self.arg_defaults(&ArgScopeTarget::Func(def.name.to_string()));
                let call = Call {
                    name: def.name.to_string(),
                    sp,
                    args: vals,
                    defaults,
                };
                self.call_fn(&def, &call)
            }
            Value::Path(p) => {
                let defaults = self.arg_defaults(&ArgScopeTarget::Op(convert::normalize(&p)));
                let call = Call {
                    name: p.rsplit('.').next().unwrap_or(&p).to_string(),
                    sp,
                    args: vals,
                    defaults,
                };
                builtins::call(self, &p, &call, func.sp)
            }
            Value::Method(base, name) => {
                let call = Call {
                    name: name.clone(),
                    sp,
                    args: vals,
                    defaults: Vec::new(),
                };
                self.call_method(*base, &name, &call)
            }
            Value::Poison => Ok(Value::Poison),
            other => Err(self
                .cx
                .error(func.sp, format!("{} is not callable", other.kind_name()))),
        }
    }

    /// `value.name` for a bound value.
    fn attr(&mut self, base: Value, name: &str, sp: Sp) -> Result<Value, Reported> {
        let v = match (&base, name) {
            (Value::Variable(v), "initializer") => Value::Operation(self.g.vars[*v].init),
            (Value::Variable(v), "name") => Value::Str(format!("{}:0", self.g.vars[*v].name)),
            (Value::Variable(v), "dtype") => Value::DType(self.g.vars[*v].dtype),
            (Value::Variable(v), "shape") => {
                convert::shape_value(&self.g.ty(self.g.vars[*v].read).shape)
            }
            (Value::Tensor(n), "name") => {
                Value::Str(format!("{}:0", self.g.nodes[*n as usize].name))
            }
            (Value::Tensor(n), "dtype") => Value::DType(self.g.ty(*n).dtype),
            (Value::Tensor(n), "shape") => convert::shape_value(&self.g.ty(*n).shape),
            (Value::Tensor(n), "op") => Value::Operation(*n),
            (Value::Operation(n), "name") => Value::Str(self.g.nodes[*n as usize].name.clone()),
            (Value::VarScope(i), "name") => Value::Str(self.scopes.all[*i].name.clone()),
            (Value::VarScope(i), "original_name_scope") => {
                Value::Str(self.scopes.all[*i].original_name_scope.clone())
            }
            (Value::VarScope(i), "reuse") => Value::Bool(self.scopes.all[*i].reuse != Reuse::No),
            (Value::Poison, _) => Value::Poison,
            (Value::VarScope(_), "reuse_variables")
            | (Value::Tensor(_), "get_shape")
            | (Value::Variable(_), "get_shape" | "assign" | "assign_add" | "assign_sub") => {
                Value::Method(Box::new(base), name.to_string())
            }
            (Value::Optimizer(_), _) => Value::Method(Box::new(base), name.to_string()),
            _ => {
                let known: &[&str] = match &base {
                    Value::Tensor(_) => &["name", "dtype", "shape", "op", "get_shape"],
                    Value::Variable(_) => &[
                        "name",
                        "dtype",
                        "shape",
                        "initializer",
                        "get_shape",
                        "assign",
                        "assign_add",
                        "assign_sub",
                    ],
                    Value::Operation(_) => &["name"],
                    Value::VarScope(_) => {
                        &["name", "original_name_scope", "reuse", "reuse_variables"]
                    }
                    _ => &[],
                };
                let hint = suggest::did_you_mean(name, known.iter().copied());
                return Err(self.cx.error(
                    sp,
                    format!("{} has no attribute `{name}`{hint}", base.kind_name()),
                ));
            }
        };
        Ok(v)
    }

    fn call_method(&mut self, base: Value, name: &str, call: &Call) -> Result<Value, Reported> {
        match (&base, name) {
            (Value::VarScope(i), "reuse_variables") => {
                builtins::no_args(self, call)?;
                self.scopes.all[*i].reuse = Reuse::Yes;
                Ok(Value::None)
            }
            (Value::Tensor(_) | Value::Variable(_), "get_shape") => {
                builtins::no_args(self, call)?;
                let node = builtins::tensor_node(self, &base);
                Ok(convert::shape_value(&self.g.ty(node).shape))
            }
            (Value::Optimizer(opt), _) => {
                let opt = opt.clone();
                super::optimizers::method(self, opt, name, call)
            }
            (Value::Variable(v), "assign" | "assign_add" | "assign_sub") => {
                let v = *v;
                super::variables::assign_method(self, v, name, call)
            }
            _ => Err(self.cx.error(
                call.sp,
                format!("{} has no method `{name}`", base.kind_name()),
            )),
        }
    }

    fn index(&mut self, base: Value, index: Value, sp: Sp) -> Result<Value, Reported> {
        match (base, index) {
            (Value::List(items) | Value::Tuple(items), Value::Int(i)) => {
                let len = items.len() as i64;
                let k = if i < 0 { i + len } else { i };
                if k < 0 || k >= len {
                    return Err(self
                        .cx
                        .error(sp, format!("index {i} is out of range for a list of {len}")));
                }
                Ok(items[k as usize].clone())
            }
            (Value::Dict(entries), key) => {
                let found = entries
                    .iter()
                    .find(|(k, _)| convert::same_literal(k, &key))
                    .map(|(_, v)| v.clone());
                found.ok_or_else(|| self.cx.error(sp, "key not found in dict"))
            }
            (Value::Poison, _) | (_, Value::Poison) => Ok(Value::Poison),
            (b, i) => Err(self.cx.error(
                sp,
                format!("cannot index {} with {}", b.kind_name(), i.kind_name()),
            )),
        }
    }

    fn binary(&mut self, op: BinOp, l: Spanned, r: Spanned, sp: Sp) -> Result<Value, Reported> {
        use Value::*;
        if matches!(l.value, Poison) || matches!(r.value, Poison) {
            return Ok(Poison);
        }
        if l.value.is_graph_tensor() || r.value.is_graph_tensor() {
            return match op {
                BinOp::Eq | BinOp::Ne => {
                    // TF1's Tensor.__eq__ is identity.
                    let same = convert::same_handle(&l.value, &r.value);
                    Ok(Bool(same == (op == BinOp::Eq)))
                }
                BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                    builtins::binary_operator(self, op, l, r, sp)
                }
                _ => Err(self.cx.error(
                    sp,
                    format!(
                        "operator `{}` is not defined on tensors in this op set",
                        op.symbol()
                    ),
                )),
            };
        }
        let bad = |it: &mut Interp, l: &Value, r: &Value| {
            it.cx.error(
                sp,
                format!(
                    "unsupported operand types for {}: {} and {}",
                    op.symbol(),
                    l.kind_name(),
                    r.kind_name()
                ),
            )
        };
        Ok(match (&l.value, &r.value) {
            (Int(a), Int(b)) => {
                let (a, b) = (*a, *b);
                match op {
                    BinOp::Add => Int(a.checked_add(b).ok_or_else(|| self.overflow(sp))?),
                    BinOp::Sub => Int(a.checked_sub(b).ok_or_else(|| self.overflow(sp))?),
                    BinOp::Mul => Int(a.checked_mul(b).ok_or_else(|| self.overflow(sp))?),
                    BinOp::Div if b == 0 => return Err(self.cx.error(sp, "division by zero")),
                    BinOp::Div => Float(a as f64 / b as f64),
                    BinOp::Rem if b == 0 => return Err(self.cx.error(sp, "modulo by zero")),
                    BinOp::Rem => Int(a.rem_euclid(b)),
                    BinOp::Lt => Bool(a < b),
                    BinOp::Le => Bool(a <= b),
                    BinOp::Gt => Bool(a > b),
                    BinOp::Ge => Bool(a >= b),
                    BinOp::Eq => Bool(a == b),
                    BinOp::Ne => Bool(a != b),
                    BinOp::And | BinOp::Or => return Err(bad(self, &l.value, &r.value)),
                }
            }
            (Int(_) | Float(_), Int(_) | Float(_)) => {
                let a = convert::as_f64(&l.value).unwrap_or(0.0);
                let b = convert::as_f64(&r.value).unwrap_or(0.0);
                match op {
                    BinOp::Add => Float(a + b),
                    BinOp::Sub => Float(a - b),
                    BinOp::Mul => Float(a * b),
                    BinOp::Div if b == 0.0 => return Err(self.cx.error(sp, "division by zero")),
                    BinOp::Div => Float(a / b),
                    BinOp::Rem => Float(a.rem_euclid(b)),
                    BinOp::Lt => Bool(a < b),
                    BinOp::Le => Bool(a <= b),
                    BinOp::Gt => Bool(a > b),
                    BinOp::Ge => Bool(a >= b),
                    BinOp::Eq => Bool(a == b),
                    BinOp::Ne => Bool(a != b),
                    BinOp::And | BinOp::Or => return Err(bad(self, &l.value, &r.value)),
                }
            }
            (Bool(a), Bool(b)) => match op {
                BinOp::And => Bool(*a && *b),
                BinOp::Or => Bool(*a || *b),
                BinOp::Eq => Bool(a == b),
                BinOp::Ne => Bool(a != b),
                _ => return Err(bad(self, &l.value, &r.value)),
            },
            (Str(a), Str(b)) => match op {
                BinOp::Add => Str(format!("{a}{b}")),
                BinOp::Eq => Bool(a == b),
                BinOp::Ne => Bool(a != b),
                _ => return Err(bad(self, &l.value, &r.value)),
            },
            (List(a), List(b)) if op == BinOp::Add => List(a.iter().chain(b).cloned().collect()),
            (None, None) => match op {
                BinOp::Eq => Bool(true),
                BinOp::Ne => Bool(false),
                _ => return Err(bad(self, &l.value, &r.value)),
            },
            _ => return Err(bad(self, &l.value, &r.value)),
        })
    }

    fn overflow(&mut self, sp: Sp) -> Reported {
        self.cx
            .error(sp, "integer overflow in a compile-time expression")
    }
}
