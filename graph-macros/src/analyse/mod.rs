//! Runs the graph program at compile time, building the graph as TF1 would and
//! collecting every construction error.

mod args;
mod batch_norm;
mod builtins;
mod conv;
mod convert;
mod eval;
mod grad;
pub mod graph;
mod nn;
mod optimizers;
mod saver;
mod scopes;
mod suggest;
mod summary;
mod toolbox;
pub mod value;
mod variables;

use crate::ctxt::{Ctxt, Reported, Sp};
use crate::parse::ast::Stmt;
use crate::parse::GraphInput;
use graph::GraphB;
use proc_macro2::Ident;
use std::collections::HashMap;
use value::Value;

/// A public field of the generated type: a top-level `let` binding.
pub struct Field {
    pub ident: Ident,
    pub docs: Vec<syn::Attribute>,
    pub value: Value,
}

/// What analysis produced: the graph, the fields, and any errors.
pub struct Analysed {
    pub graph: GraphB,
    pub fields: Vec<Field>,
    pub error: Option<syn::Error>,
}

/// How a statement list finished.
enum Flow {
    Normal,
    Return(Value),
}

/// The compile-time interpreter.
pub struct Interp {
    pub cx: Ctxt,
    pub g: GraphB,
    /// Frame 0 is the graph body; graph `fn` calls push a frame each.
    frames: Vec<HashMap<String, Value>>,
    /// Top-level binding names, in first-binding order, with their docs.
    field_order: Vec<(Ident, Vec<syn::Attribute>)>,
    pub scopes: scopes::VarScopes,
    /// Nesting depth of graph `fn` calls (guards runaway recursion).
    call_depth: usize,
    /// Open `arg_scope` blocks, innermost last.
    pub arg_scopes: Vec<Vec<scopes::ArgScopeEntry>>,
}

/// Runs the program of `input`.
pub fn analyse(input: &GraphInput) -> Analysed {
    let mut it = Interp {
        cx: Ctxt::default(),
        g: GraphB::default(),
        frames: vec![HashMap::new()],
        field_order: Vec::new(),
        scopes: scopes::VarScopes::default(),
        call_depth: 0,
        arg_scopes: Vec::new(),
    };
    // Parameter shapes may use the body's constants: evaluate those first.
    for stmt in &input.body {
        if let Stmt::Const { .. } = stmt {
            let _ = it.exec_stmt(stmt);
        }
    }
    for p in &input.params {
        // Run-time parameters are placeholders the generated constructor fills.
        let _ = it.graph_param(p);
    }
    if let Ok(Flow::Return(_)) = it.exec_block(&input.body) {
        // `return` at top level was reported by exec_stmt.
    }
    let frame0 = std::mem::take(&mut it.frames[0]);
    let fields = it
        .field_order
        .drain(..)
        .filter_map(|(ident, docs)| {
            let value = frame0.get(&ident.to_string())?.clone();
            Some(Field { ident, docs, value })
        })
        .collect();
    Analysed {
        graph: it.g,
        fields,
        error: it.cx.into_error(),
    }
}

impl Interp {
    fn exec_block(&mut self, stmts: &[Stmt]) -> Result<Flow, Reported> {
        for stmt in stmts {
            // One failed statement does not stop the others: errors are collected.
            if let Ok(Flow::Return(v)) = self.exec_stmt(stmt) {
                return Ok(Flow::Return(v));
            }
        }
        Ok(Flow::Normal)
    }

    fn exec_stmt(&mut self, stmt: &Stmt) -> Result<Flow, Reported> {
        match stmt {
            Stmt::Let { names, value, docs } => {
                let v = self.eval_value(value).unwrap_or(Value::Poison);
                if names.len() == 1 {
                    self.bind(&names[0], v, docs);
                } else {
                    let items = match v {
                        Value::List(items) | Value::Tuple(items) if items.len() == names.len() => {
                            items
                        }
                        Value::Poison => vec![Value::Poison; names.len()],
                        other => {
                            let r = self.cx.error(
                                value.sp,
                                format!(
                                    "cannot unpack {} into {} names",
                                    other.kind_name(),
                                    names.len()
                                ),
                            );
                            for n in names {
                                self.bind(n, Value::Poison, docs);
                            }
                            return Err(r);
                        }
                    };
                    for (n, v) in names.iter().zip(items) {
                        self.bind(n, v, docs);
                    }
                }
                Ok(Flow::Normal)
            }
            Stmt::Const { name, value } => {
                let v = self.eval_value(value).unwrap_or(Value::Poison);
                self.set_var(&name.to_string(), v);
                Ok(Flow::Normal)
            }
            Stmt::With { scope, alias, body } => self.exec_with(scope, alias.as_ref(), body),
            Stmt::For {
                var,
                start,
                end,
                body,
            } => {
                let a = self.eval_int(start)?;
                let b = self.eval_int(end)?;
                for i in a..b {
                    self.set_var(&var.to_string(), Value::Int(i));
                    if let Flow::Return(v) = self.exec_block(body)? {
                        return Ok(Flow::Return(v));
                    }
                }
                Ok(Flow::Normal)
            }
            Stmt::Fn(def) => {
                self.set_var(&def.name.to_string(), Value::Func(def.clone()));
                Ok(Flow::Normal)
            }
            Stmt::Return { value, sp } => {
                if self.frames.len() == 1 {
                    return Err(self.cx.error(*sp, "`return` outside of a graph function"));
                }
                let v = match value {
                    Some(e) => self.eval_value(e).unwrap_or(Value::Poison),
                    None => Value::None,
                };
                Ok(Flow::Return(v))
            }
            Stmt::Expr(e) => {
                self.eval_value(e)?;
                Ok(Flow::Normal)
            }
        }
    }

    /// Binds a `let` name; top-level bindings become fields.
    fn bind(&mut self, name: &Ident, v: Value, docs: &[syn::Attribute]) {
        if self.frames.len() == 1 && !self.field_order.iter().any(|(i, _)| i == name) {
            self.field_order.push((name.clone(), docs.to_vec()));
        }
        self.set_var(&name.to_string(), v);
    }

    fn set_var(&mut self, name: &str, v: Value) {
        if let Some(frame) = self.frames.last_mut() {
            frame.insert(name.to_string(), v);
        }
    }

    /// Looks a name up: the current frame, then the graph body (Python's LEGB, minus E).
    fn lookup(&self, name: &str) -> Option<&Value> {
        self.frames
            .last()
            .and_then(|f| f.get(name))
            .or_else(|| self.frames.first().and_then(|f| f.get(name)))
    }

    /// Every bound name, for suggestions.
    fn bound_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.frames[0].keys().cloned().collect();
        if self.frames.len() > 1 {
            if let Some(f) = self.frames.last() {
                names.extend(f.keys().cloned());
            }
        }
        names.sort();
        names
    }

    fn eval_int(&mut self, e: &crate::parse::ast::Expr) -> Result<i64, Reported> {
        match self.eval_value(e)? {
            Value::Int(i) => Ok(i),
            other => Err(self.cx.error(
                e.sp,
                format!("expected an integer, found {}", other.kind_name()),
            )),
        }
    }

    /// Calls a graph function: fresh frame, parameters bound like Python's.
    fn call_fn(
        &mut self,
        def: &crate::parse::ast::FnDef,
        call: &args::Call,
    ) -> Result<Value, Reported> {
        if self.call_depth > 64 {
            return Err(self.cx.error(
                call.sp,
                format!("graph function `{}` recurses too deeply", def.name),
            ));
        }
        let names: Vec<String> = def.params.iter().map(|p| p.name.to_string()).collect();
        let params: Vec<&str> = names.iter().map(String::as_str).collect();
        let required = def
            .params
            .iter()
            .take_while(|p| p.default.is_none())
            .count();
        let bound = args::bind(
            &mut self.cx,
            call,
            &args::Sig {
                params: &params,
                required,
            },
        )?;
        let mut frame = HashMap::new();
        for p in &def.params {
            let v = match bound.get(&p.name.to_string()) {
                Some(s) => s.value.clone(),
                None => match &p.default {
                    Some(d) => self.eval_value(d).unwrap_or(Value::Poison),
                    None => Value::Poison,
                },
            };
            frame.insert(p.name.to_string(), v);
        }
        self.frames.push(frame);
        self.call_depth += 1;
        let flow = self.exec_block(&def.body);
        self.call_depth -= 1;
        self.frames.pop();
        match flow? {
            Flow::Return(v) => Ok(v),
            Flow::Normal => Ok(Value::None),
        }
    }

    /// The defaults the open `arg_scope`s set for `target` (inner scopes win).
    fn arg_defaults(&self, target: &scopes::ArgScopeTarget) -> Vec<args::ArgVal> {
        let mut out: Vec<args::ArgVal> = Vec::new();
        for entry in self
            .arg_scopes
            .iter()
            .flatten()
            .filter(|e| &e.target == target)
        {
            for d in &entry.defaults {
                out.retain(|o| o.name.as_ref().map(|n| &n.0) != d.name.as_ref().map(|n| &n.0));
                out.push(d.clone());
            }
        }
        out
    }

    fn graph_param(&mut self, p: &crate::parse::GraphParam) -> Result<(), Reported> {
        // Bound to an erroneous value first, so a failure here causes no follow-on errors.
        self.set_var(&p.name.to_string(), Value::Poison);
        let sp = Sp::one(p.name.span());
        let Some(dtype) = convert::dtype_from_rust(&p.elem.to_string()) else {
            return Err(self.cx.error(
                Sp::one(p.elem.span()),
                format!(
                    "unknown element type `{}`; expected f32, f64, i32, i64 or bool",
                    p.elem
                ),
            ));
        };
        let mut dims = Vec::new();
        for d in &p.dims {
            let v = self.eval_value(d)?;
            dims.push(convert::dim_of(&mut self.cx, &v, d.sp)?);
        }
        let name = p.name.to_string();
        let node = self.g.add(
            &name,
            staticflow_ir::Op::Placeholder,
            vec![],
            staticflow_ir::TensorType::new(dtype, dims),
        );
        self.g.params.push(node);
        self.set_var(&name, Value::Tensor(node));
        let _ = sp;
        Ok(())
    }
}
