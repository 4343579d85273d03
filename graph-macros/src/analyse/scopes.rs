//! Variable scopes and the `with` statement: `name_scope`, `variable_scope`,
//! `control_dependencies`, entered and left exactly as TF1 does.

use super::value::Value;
use super::{Flow, Interp};
use crate::ctxt::{Reported, Sp};
use crate::parse::ast::{Expr, Stmt};
use proc_macro2::Ident;

/// Whether `get_variable` reuses existing variables in a scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reuse {
    No,
    Yes,
    Auto,
}

/// One variable scope object (TF's `VariableScope`).
#[derive(Clone, Debug)]
pub struct VarScopeB {
    /// The prefix of variables made by `get_variable` (`foo/bar`, "" at the root).
    pub name: String,
    pub reuse: Reuse,
    /// The name scope opened with it (`foo_1/`).
    pub original_name_scope: String,
    /// The default initializer of `get_variable` inside it.
    pub initializer: Option<super::value::Initializer>,
    /// The default regularizer of `get_variable` inside it.
    pub regularizer: Option<super::toolbox::Regularizer>,
}

/// Every variable scope object made so far, and the open ones.
pub struct VarScopes {
    pub all: Vec<VarScopeB>,
    pub stack: Vec<usize>,
}

impl Default for VarScopes {
    fn default() -> Self {
        VarScopes {
            all: vec![VarScopeB {
                name: String::new(),
                reuse: Reuse::No,
                original_name_scope: String::new(),
                initializer: None,
                regularizer: None,
            }],
            stack: vec![0],
        }
    }
}

impl VarScopes {
    /// The innermost open scope's index.
    pub fn current_index(&self) -> usize {
        self.stack.last().copied().unwrap_or(0)
    }

    /// The innermost open scope.
    pub fn current(&self) -> &VarScopeB {
        &self.all[self.current_index()]
    }
}

/// What a `with` statement enters.
#[derive(Clone, Debug)]
pub enum ContextSpec {
    /// `name_scope(name)`: `None` resets to the root.
    NameScope(Option<String>),
    /// `variable_scope(name_or_scope, default_name, reuse)`.
    VarScope {
        target: VarScopeTarget,
        reuse: Option<Reuse>,
        initializer: Option<super::value::Initializer>,
        regularizer: Option<super::toolbox::Regularizer>,
        /// Where `reuse = ...` was written, for errors about it.
        reuse_sp: Sp,
    },
    /// `control_dependencies([...])`: the listed nodes run first.
    ControlDeps(Vec<u32>),
    /// `arg_scope([ops], key = value, ...)`: defaults for the listed ops inside.
    ArgScope(Vec<ArgScopeEntry>),
}

/// Which op or graph function an `arg_scope` entry applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArgScopeTarget {
    /// A built-in op, by its normalized name (`layers.dense`).
    Op(String),
    /// A graph function marked `#[add_arg_scope]`, by name.
    Func(String),
}

/// The defaults one `arg_scope` sets for one op.
#[derive(Clone, Debug)]
pub struct ArgScopeEntry {
    pub target: ArgScopeTarget,
    pub defaults: Vec<super::args::ArgVal>,
}

/// The first argument of `variable_scope`.
#[derive(Clone, Debug)]
pub enum VarScopeTarget {
    Name(String),
    Handle(usize),
    Default(String),
}

impl Interp {
    pub(super) fn exec_with(
        &mut self,
        scope: &Expr,
        alias: Option<&Ident>,
        body: &[Stmt],
    ) -> Result<Flow, Reported> {
        let spec = match self.eval_value(scope) {
            Ok(Value::Context(spec)) => spec,
            Ok(Value::Poison) | Err(_) => {
                // Still run the body so its own errors are reported and names bound.
                return self.exec_block(body);
            }
            Ok(other) => {
                self.cx.error(
                    scope.sp,
                    format!(
                        "`with` needs name_scope, variable_scope or control_dependencies, found {}",
                        other.kind_name()
                    ),
                );
                return self.exec_block(body);
            }
        };
        match *spec {
            ContextSpec::NameScope(name) => {
                let prev = self.g.push_name_scope(name.as_deref());
                if let Some(a) = alias {
                    let captured = self.g.scope_string();
                    self.bind_alias(a, Value::NameScope(captured));
                }
                let flow = self.exec_block(body);
                self.g.pop_name_scope(prev);
                flow
            }
            ContextSpec::ArgScope(entries) => {
                self.arg_scopes.push(entries);
                let flow = self.exec_block(body);
                self.arg_scopes.pop();
                flow
            }
            ContextSpec::ControlDeps(nodes) => {
                self.g.control_stack.push(nodes);
                let flow = self.exec_block(body);
                self.g.control_stack.pop();
                flow
            }
            ContextSpec::VarScope {
                target,
                reuse,
                initializer,
                regularizer,
                reuse_sp,
            } => {
                let (index, prev_names) = self.enter_var_scope(target, reuse, reuse_sp)?;
                if initializer.is_some() {
                    self.scopes.all[index].initializer = initializer;
                }
                if regularizer.is_some() {
                    self.scopes.all[index].regularizer = regularizer;
                }
                if let Some(a) = alias {
                    self.bind_alias(a, Value::VarScope(index));
                }
                let flow = self.exec_block(body);
                self.scopes.stack.pop();
                if let Some(prev) = prev_names {
                    self.g.pop_name_scope(prev);
                }
                flow
            }
        }
    }

    fn bind_alias(&mut self, alias: &Ident, v: Value) {
        self.bind(alias, v, &[]);
    }

    /// Opens a variable scope; returns its index and the name stack to restore.
    pub(super) fn enter_var_scope(
        &mut self,
        target: VarScopeTarget,
        reuse: Option<Reuse>,
        reuse_sp: Sp,
    ) -> Result<(usize, Option<String>), Reported> {
        let outer = self.scopes.current().clone();
        let join = |prefix: &str, name: &str| {
            if prefix.is_empty() {
                name.to_string()
            } else {
                format!("{prefix}/{name}")
            }
        };
        let (name, new_reuse, name_scope) = match &target {
            VarScopeTarget::Name(n) => {
                if reuse == Some(Reuse::No) && outer.reuse == Reuse::Yes {
                    return Err(self.cx.error(
                        reuse_sp,
                        format!(
                            "cannot switch reuse off inside the reusing variable scope `{}`: reuse is inherited by nested scopes (TF ignores reuse=False here)",
                            outer.name
                        ),
                    ));
                }
                let new_reuse = match reuse {
                    Some(Reuse::Yes) => Reuse::Yes,
                    Some(Reuse::Auto) => Reuse::Auto,
                    _ => outer.reuse,
                };
                (
                    join(&outer.name, n),
                    new_reuse,
                    (!n.is_empty()).then(|| n.clone()),
                )
            }
            VarScopeTarget::Handle(h) => {
                let handle = self.scopes.all[*h].clone();
                let new_reuse = reuse.unwrap_or(handle.reuse);
                let last = handle.name.rsplit('/').next().unwrap_or("").to_string();
                (
                    handle.name.clone(),
                    new_reuse,
                    (!last.is_empty()).then_some(last),
                )
            }
            VarScopeTarget::Default(d) => {
                let base = join(&outer.name, d);
                let unique = if self.g.var_scope_counts.get(&base).copied().unwrap_or(0) == 0 {
                    d.clone()
                } else {
                    let mut idx = 1;
                    while self
                        .g
                        .var_scope_counts
                        .get(&format!("{base}_{idx}"))
                        .copied()
                        .unwrap_or(0)
                        > 0
                    {
                        idx += 1;
                    }
                    format!("{d}_{idx}")
                };
                let new_reuse = match reuse {
                    Some(Reuse::Auto) => Reuse::Auto,
                    _ => outer.reuse,
                };
                (join(&outer.name, &unique), new_reuse, Some(d.clone()))
            }
        };
        let prev_names = name_scope.map(|n| self.g.push_name_scope(Some(&n)));
        *self.g.var_scope_counts.entry(name.clone()).or_insert(0) += 1;
        let original_name_scope = match &target {
            VarScopeTarget::Handle(h) => self.scopes.all[*h].original_name_scope.clone(),
            _ => self.g.scope_string(),
        };
        let (initializer, regularizer) = match &target {
            VarScopeTarget::Handle(h) => (
                self.scopes.all[*h].initializer.clone(),
                self.scopes.all[*h].regularizer,
            ),
            _ => (outer.initializer.clone(), outer.regularizer),
        };
        self.scopes.all.push(VarScopeB {
            name,
            reuse: new_reuse,
            original_name_scope,
            initializer,
            regularizer,
        });
        let index = self.scopes.all.len() - 1;
        self.scopes.stack.push(index);
        Ok((index, prev_names))
    }
}
