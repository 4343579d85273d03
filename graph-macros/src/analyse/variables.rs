//! Variables and their scopes: `Variable`, `get_variable` with TF's reuse rules,
//! initializers, `assign*`, initializer ops, collections and the scope context managers.

use super::args::{bind, Bound, Call, Sig};
use super::builtins::{add_node, collect_deps, fill_node, name_arg, random_node, to_tensor};
use super::convert;
use super::graph::{GraphB, Member, VarB};
use super::scopes::{ContextSpec, Reuse, VarScopeTarget};
use super::value::{Initializer, Spanned, Value};
use super::Interp;
use crate::ctxt::{Reported, Sp};
use staticflow_ir::op::AssignMode;
use staticflow_ir::shape::ShapeDisplay;
use staticflow_ir::{DType, Op, RandomDist, TensorType};

const GLOBAL_VARIABLES: &str = "variables";
const TRAINABLE_VARIABLES: &str = "trainable_variables";

fn sig(it: &mut Interp, call: &Call, params: &[&str], required: usize) -> Result<Bound, Reported> {
    bind(&mut it.cx, call, &Sig { params, required })
}

/// What initializes a new variable.
pub(super) enum InitialValue {
    /// A tensor built before the variable (`Variable(random_uniform(..))`).
    Tensor(u32),
    /// A Python literal, converted inside the variable's scope.
    Literal(Spanned),
    /// An initializer object run inside `NAME/Initializer/`.
    Initializer(Initializer),
}

/// Creates the variable's ops under the already-unique `scope` (its op name):
/// initial value, `VariableV2`, `Assign`, `read`.
pub(super) fn create_variable(
    it: &mut Interp,
    scope: String,
    initial: InitialValue,
    dtype: Option<DType>,
    shape: Option<Vec<usize>>,
    trainable: bool,
    sp: Sp,
) -> Result<usize, Reported> {
    // Variables are made outside any control_dependencies block (TF's init_scope).
    let saved_controls = std::mem::take(&mut it.g.control_stack);
    let prev = it.g.push_name_scope(Some(&format!("{scope}/")));
    let init_node = build_initial_value(it, initial, dtype, shape.as_deref(), sp);
    let result = init_node.and_then(|init| {
        let ty = it.g.ty(init).clone();
        let Some(dims) = GraphB::known(&ty.shape) else {
            return Err(it.cx.error(
                sp,
                format!(
                    "initial_value must have a shape specified: {} (variable {scope})",
                    ShapeDisplay::python(&ty.shape)
                ),
            ));
        };
        let slot = it.g.vars.len() as u32;
        let var =
            it.g.add_exact(scope.clone(), Op::Variable { slot }, vec![], ty.clone());
        let assign = it.g.add(
            "Assign",
            Op::Assign {
                slot,
                mode: AssignMode::Set,
            },
            vec![GraphB::out(var), GraphB::out(init)],
            ty.clone(),
        );
        let read =
            it.g.add("read", Op::Identity, vec![GraphB::out(var)], ty.clone());
        it.g.vars.push(VarB {
            name: scope.clone(),
            node: var,
            read,
            init: assign,
            trainable,
            dtype: ty.dtype,
            shape: dims,
            def_sp: sp,
        });
        let id = it.g.vars.len() - 1;
        it.g.add_to_collection(GLOBAL_VARIABLES, Member::Variable(id));
        if trainable {
            it.g.add_to_collection(TRAINABLE_VARIABLES, Member::Variable(id));
        }
        Ok(id)
    });
    it.g.pop_name_scope(prev);
    it.g.control_stack = saved_controls;
    result
}

fn build_initial_value(
    it: &mut Interp,
    initial: InitialValue,
    dtype: Option<DType>,
    shape: Option<&[usize]>,
    sp: Sp,
) -> Result<u32, Reported> {
    match initial {
        InitialValue::Tensor(n) => {
            let have = it.g.ty(n).dtype;
            match dtype {
                Some(d) if d != have => Err(it.cx.error(
                    sp,
                    format!("initial value has dtype {have} but the variable was declared {d}"),
                )),
                _ => Ok(n),
            }
        }
        InitialValue::Literal(v) => to_tensor(it, &v, dtype, "initial_value"),
        InitialValue::Initializer(init) => {
            let Some(shape) = shape else {
                return Err(it
                    .cx
                    .error(sp, "a variable made from an initializer needs a shape"));
            };
            let dtype = dtype.unwrap_or(DType::Float32);
            let prev = it.g.push_name_scope(Some("Initializer"));
            let node = run_initializer(it, &init, shape, dtype, sp);
            it.g.pop_name_scope(prev);
            node
        }
    }
}

/// Builds the ops an initializer object makes for `shape` (TF's op names).
fn run_initializer(
    it: &mut Interp,
    init: &Initializer,
    shape: &[usize],
    dtype: DType,
    sp: Sp,
) -> Result<u32, Reported> {
    let random_needs_float = |it: &mut Interp| {
        if dtype.is_float() {
            Ok(())
        } else {
            Err(it.cx.error(
                sp,
                format!("a random initializer needs a float dtype, got {dtype}"),
            ))
        }
    };
    Ok(match init {
        Initializer::Constant(v) => fill_node(it, "Const", shape, dtype, *v),
        Initializer::Zeros => fill_node(it, "zeros", shape, dtype, 0.0),
        Initializer::Ones => fill_node(it, "ones", shape, dtype, 1.0),
        Initializer::RandomUniform { min, max, seed } => {
            random_needs_float(it)?;
            random_node(
                it,
                "random_uniform",
                RandomDist::Uniform,
                shape,
                dtype,
                *min,
                *max,
                *seed,
            )
        }
        Initializer::RandomNormal { mean, stddev, seed } => {
            random_needs_float(it)?;
            random_node(
                it,
                "random_normal",
                RandomDist::Normal,
                shape,
                dtype,
                *mean,
                *stddev,
                *seed,
            )
        }
        Initializer::TruncatedNormal { mean, stddev, seed } => {
            random_needs_float(it)?;
            random_node(
                it,
                "truncated_normal",
                RandomDist::TruncatedNormal,
                shape,
                dtype,
                *mean,
                *stddev,
                *seed,
            )
        }
        Initializer::GlorotUniform { seed } => {
            random_needs_float(it)?;
            let (fan_in, fan_out) = fans(shape);
            let limit = (6.0 / (fan_in + fan_out).max(1.0)).sqrt();
            random_node(
                it,
                "random_uniform",
                RandomDist::Uniform,
                shape,
                dtype,
                -limit,
                limit,
                *seed,
            )
        }
    })
}

/// Keras' `_compute_fans`: (fan_in, fan_out) of a weight shape.
fn fans(shape: &[usize]) -> (f64, f64) {
    match shape {
        [] => (1.0, 1.0),
        [n] => (*n as f64, *n as f64),
        [a, b] => (*a as f64, *b as f64),
        _ => {
            // f64 products: a huge shape must not overflow here (it is reported elsewhere).
            let receptive: f64 = shape[..shape.len() - 2].iter().map(|&d| d as f64).product();
            let n = shape.len();
            (
                shape[n - 2] as f64 * receptive,
                shape[n - 1] as f64 * receptive,
            )
        }
    }
}

/// The `regularizer = ...` argument, if given.
fn regularizer_arg(
    it: &mut Interp,
    b: &Bound,
) -> Result<Option<super::toolbox::Regularizer>, Reported> {
    match b.some("regularizer") {
        Some(Spanned {
            value: Value::Regularizer(r),
            ..
        }) => Ok(Some(*r)),
        Some(other) => Err(it.cx.error(
            other.sp,
            format!(
                "`regularizer` must be a regularizer, found {}",
                other.value.kind_name()
            ),
        )),
        None => Ok(None),
    }
}

fn opt_dtype(it: &mut Interp, b: &Bound) -> Result<Option<DType>, Reported> {
    match b.some("dtype") {
        Some(d) => Ok(Some(convert::as_dtype(&mut it.cx, &d.value, d.sp)?)),
        None => Ok(None),
    }
}

fn opt_bool(it: &mut Interp, b: &Bound, key: &str, default: bool) -> Result<bool, Reported> {
    match b.some(key) {
        Some(v) => convert::as_bool(&mut it.cx, &v.value, v.sp, key),
        None => Ok(default),
    }
}

/// `Variable(initial_value, trainable = True, name = None, dtype = None)`.
pub fn variable(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(
        it,
        call,
        &["initial_value", "trainable", "name", "dtype"],
        1,
    )?;
    let dtype = opt_dtype(it, &b)?;
    let trainable = opt_bool(it, &b, "trainable", true)?;
    let name = name_arg(it, &b)?.unwrap_or_else(|| "Variable".into());
    let v = b.req("initial_value").clone();
    let initial = match &v.value {
        Value::Tensor(n) => InitialValue::Tensor(*n),
        Value::Variable(i) => InitialValue::Tensor(it.g.vars[*i].read),
        Value::Initializer(_) => {
            return Err(it.cx.error(
                v.sp,
                "Variable() takes an initial value; use get_variable() for an initializer",
            ))
        }
        _ => InitialValue::Literal(v.clone()),
    };
    let scope = it.g.unique_name(&name);
    create_variable(it, scope, initial, dtype, None, trainable, call.sp).map(Value::Variable)
}

/// `get_variable(name, shape, dtype, initializer, regularizer, trainable)` with TF's
/// sharing rules in the current variable scope.
pub fn get_variable(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(
        it,
        call,
        &[
            "name",
            "shape",
            "dtype",
            "initializer",
            "regularizer",
            "trainable",
        ],
        1,
    )?;
    let n = b.req("name");
    let short = convert::as_str(&mut it.cx, &n.value, n.sp, "name")?;
    let scope = it.scopes.current().clone();
    let full = if scope.name.is_empty() {
        short.clone()
    } else {
        format!("{}/{short}", scope.name)
    };
    let dtype = opt_dtype(it, &b)?;
    let shape = match b.some("shape") {
        Some(s) => Some(convert::known_shape_of(&mut it.cx, &s.value, s.sp)?),
        None => None,
    };
    if let Some(&existing) = it.g.var_store.get(&full) {
        if scope.reuse == Reuse::No {
            let first = it.g.vars[existing].def_sp;
            let r = it.cx.error(
                call.sp,
                format!("Variable {full} already exists, disallowed. Did you mean to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?"),
            );
            it.cx
                .error(first, format!("variable {full} was first defined here"));
            return Err(r);
        }
        let var = it.g.vars[existing].clone();
        if let Some(shape) = &shape {
            if *shape != var.shape {
                let want: Vec<_> = shape.iter().map(|&d| Some(d)).collect();
                let have: Vec<_> = var.shape.iter().map(|&d| Some(d)).collect();
                return Err(it.cx.error(
                    call.sp,
                    format!(
                        "Trying to share variable {full}, but specified shape {} and found shape {}.",
                        ShapeDisplay::python(&want),
                        ShapeDisplay::python(&have)
                    ),
                ));
            }
        }
        if let Some(d) = dtype {
            if d != var.dtype {
                return Err(it.cx.error(
                    call.sp,
                    format!(
                        "Trying to share variable {full}, but specified dtype {d} and found dtype {}_ref.",
                        var.dtype
                    ),
                ));
            }
        }
        return Ok(Value::Variable(existing));
    }
    if scope.reuse == Reuse::Yes {
        return Err(it.cx.error(
            call.sp,
            format!("Variable {full} does not exist, or was not created with tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?"),
        ));
    }
    let trainable = opt_bool(it, &b, "trainable", true)?;
    let initial = match b.some("initializer").map(|s| s.value.clone()) {
        Some(Value::Initializer(init)) => InitialValue::Initializer(init),
        Some(Value::Tensor(t)) => InitialValue::Tensor(t),
        Some(v @ (Value::Int(_) | Value::Float(_) | Value::List(_))) => {
            let sp = b.some("initializer").map_or(call.sp, |s| s.sp);
            InitialValue::Literal(Spanned { value: v, sp })
        }
        Some(other) => {
            let sp = b.some("initializer").map_or(call.sp, |s| s.sp);
            return Err(it.cx.error(
                sp,
                format!(
                    "`initializer` must be an initializer or a tensor, found {}",
                    other.kind_name()
                ),
            ));
        }
        None => {
            if shape.is_none() {
                return Err(it.cx.error(
                    call.sp,
                    format!("Variable {full} did not get an initializer, so its `shape` argument must be specified."),
                ));
            }
            let d = dtype.unwrap_or(DType::Float32);
            let default = if d.is_float() {
                Initializer::GlorotUniform { seed: None }
            } else {
                Initializer::Zeros
            };
            InitialValue::Initializer(
                scope
                    .initializer
                    .clone()
                    .filter(|_| d.is_float())
                    .unwrap_or(default),
            )
        }
    };
    if matches!(initial, InitialValue::Initializer(_)) && shape.is_none() {
        return Err(it.cx.error(
            call.sp,
            format!("Variable {full} did not get an initializer, so its `shape` argument must be specified."),
        ));
    }
    // get_variable ignores name scopes: its ops live under the variable's full name.
    let prev = it.g.push_name_scope(None);
    let unique = it.g.unique_name(&full);
    it.g.pop_name_scope(prev);
    let prev = it.g.push_name_scope(None);
    let id = create_variable(it, unique, initial, dtype, shape, trainable, call.sp);
    it.g.pop_name_scope(prev);
    let id = id?;
    it.g.var_store.insert(full.clone(), id);
    let regularizer = regularizer_arg(it, &b)?.or(scope.regularizer);
    if let Some(r) = regularizer {
        // TF regularizes trainable variables only.
        if it.g.vars[id].trainable {
            let (name, read) = (it.g.vars[id].name.clone(), it.g.vars[id].read);
            super::toolbox::apply_regularizer(it, r, &name, read, call.sp)?;
        }
    }
    Ok(Value::Variable(id))
}

fn assign_op(
    it: &mut Interp,
    var: usize,
    mode: AssignMode,
    value: &Spanned,
    name: Option<String>,
    sp: Sp,
) -> Result<Value, Reported> {
    let default = match mode {
        AssignMode::Set => "Assign",
        AssignMode::Add => "AssignAdd",
        AssignMode::Sub => "AssignSub",
    };
    let scope = it.g.unique_name(name.as_deref().unwrap_or(default));
    let prev = it.g.push_name_scope(Some(&format!("{scope}/")));
    let dtype = it.g.vars[var].dtype;
    let v = to_tensor(it, value, Some(dtype), "value");
    it.g.pop_name_scope(prev);
    let v = v?;
    let var_node = it.g.vars[var].node;
    let slot = var as u32;
    add_node(it, scope, Op::Assign { slot, mode }, &[var_node, v], sp).map(Value::Tensor)
}

fn mode_of(name: &str) -> AssignMode {
    match name {
        "assign_add" => AssignMode::Add,
        "assign_sub" => AssignMode::Sub,
        _ => AssignMode::Set,
    }
}

/// `assign(ref, value)`, `assign_add`, `assign_sub`.
pub fn assign_fn(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(
        it,
        call,
        &["ref", "value", "validate_shape", "use_locking", "name"],
        2,
    )?;
    let r = b.req("ref");
    let Value::Variable(var) = r.value else {
        return Err(it.cx.error(
            r.sp,
            format!(
                "{}() needs a variable as `ref`, found {}",
                call.name,
                r.value.kind_name()
            ),
        ));
    };
    let name = name_arg(it, &b)?;
    let value = b.req("value").clone();
    assign_op(it, var, mode_of(&call.name), &value, name, call.sp)
}

/// `var.assign(value)` and friends.
pub fn assign_method(
    it: &mut Interp,
    var: usize,
    method: &str,
    call: &Call,
) -> Result<Value, Reported> {
    let b = sig(it, call, &["value", "use_locking", "name"], 1)?;
    let name = name_arg(it, &b)?;
    let value = b.req("value").clone();
    assign_op(it, var, mode_of(method), &value, name, call.sp)
}

/// `name_scope(name, default_name = None, values = None)`.
pub fn name_scope(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(it, call, &["name", "default_name", "values"], 1)?;
    let n = b.req("name");
    let name = match &n.value {
        Value::Str(s) => Some(s.clone()),
        Value::NameScope(s) => Some(s.clone()),
        Value::None => match b.some("default_name") {
            Some(d) => Some(convert::as_str(&mut it.cx, &d.value, d.sp, "default_name")?),
            None => None,
        },
        other => {
            return Err(it.cx.error(
                n.sp,
                format!(
                    "name_scope() needs a string or a captured scope, found {}",
                    other.kind_name()
                ),
            ))
        }
    };
    Ok(Value::Context(Box::new(ContextSpec::NameScope(name))))
}

/// `variable_scope(name_or_scope, default_name, ..., initializer, reuse)`.
pub fn variable_scope(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(
        it,
        call,
        &[
            "name_or_scope",
            "default_name",
            "values",
            "initializer",
            "regularizer",
            "caching_device",
            "partitioner",
            "custom_getter",
            "reuse",
            "dtype",
        ],
        0,
    )?;
    let target = match b.some("name_or_scope").map(|s| s.value.clone()) {
        Some(Value::Str(s)) => VarScopeTarget::Name(s),
        Some(Value::VarScope(h)) => VarScopeTarget::Handle(h),
        Some(other) => {
            let sp = b.req("name_or_scope").sp;
            return Err(it.cx.error(
                sp,
                format!(
                    "variable_scope() needs a string or a captured scope, found {}",
                    other.kind_name()
                ),
            ));
        }
        None => match b.some("default_name") {
            Some(d) => VarScopeTarget::Default(convert::as_str(
                &mut it.cx,
                &d.value,
                d.sp,
                "default_name",
            )?),
            None => {
                return Err(it.cx.error(
                    call.sp,
                    "If default_name is None then name_or_scope is required",
                ))
            }
        },
    };
    let (reuse, reuse_sp) = match b.some("reuse") {
        Some(r) => {
            let reuse = match &r.value {
                Value::Bool(true) => Reuse::Yes,
                Value::Bool(false) => Reuse::No,
                Value::AutoReuse => Reuse::Auto,
                other => {
                    return Err(it.cx.error(
                        r.sp,
                        format!(
                            "`reuse` must be True, False, None or tf.AUTO_REUSE, found {}",
                            other.kind_name()
                        ),
                    ))
                }
            };
            (Some(reuse), r.sp)
        }
        None => (None, call.sp),
    };
    if matches!(target, VarScopeTarget::Default(_)) && reuse == Some(Reuse::Yes) {
        return Err(it.cx.error(
            reuse_sp,
            "reuse=True cannot be used without a name_or_scope",
        ));
    }
    let regularizer = regularizer_arg(it, &b)?;
    let initializer = match b.some("initializer").map(|s| s.value.clone()) {
        Some(Value::Initializer(i)) => Some(i),
        Some(other) => {
            let sp = b.req("initializer").sp;
            return Err(it.cx.error(
                sp,
                format!(
                    "`initializer` must be an initializer, found {}",
                    other.kind_name()
                ),
            ));
        }
        None => None,
    };
    Ok(Value::Context(Box::new(ContextSpec::VarScope {
        target,
        reuse,
        initializer,
        regularizer,
        reuse_sp,
    })))
}

/// `get_variable_scope()`: the innermost open variable scope.
pub fn get_variable_scope(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    sig(it, call, &[], 0)?;
    Ok(Value::VarScope(it.scopes.current_index()))
}

/// `control_dependencies(control_inputs)`.
pub fn control_dependencies(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(it, call, &["control_inputs"], 1)?;
    let mut deps = Vec::new();
    collect_deps(it, b.req("control_inputs"), &mut deps)?;
    Ok(Value::Context(Box::new(ContextSpec::ControlDeps(deps))))
}

fn init_group(it: &mut Interp, vars: &[usize], name: &str) -> Value {
    let deps: Vec<u32> = vars.iter().map(|&v| it.g.vars[v].init).collect();
    let node = it.g.add(
        name,
        Op::NoOp,
        vec![],
        TensorType::new(DType::Float32, vec![]),
    );
    let control = &mut it.g.nodes[node as usize].control;
    for d in deps {
        if !control.contains(&d) {
            control.push(d);
        }
    }
    Value::Operation(node)
}

/// The variables in collection `key`, in insertion order.
pub(super) fn collection_vars(it: &Interp, key: &str) -> Vec<usize> {
    it.g.collections
        .get(key)
        .map(|m| {
            m.iter()
                .filter_map(|m| match m {
                    Member::Variable(v) => Some(*v),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `global_variables_initializer()`: a NoOp `init` running every variable's initializer.
pub fn global_variables_initializer(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    sig(it, call, &[], 0)?;
    let vars = collection_vars(it, GLOBAL_VARIABLES);
    Ok(init_group(it, &vars, "init"))
}

/// `variables_initializer(var_list, name = "init")`.
pub fn variables_initializer(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(it, call, &["var_list", "name"], 1)?;
    let name = name_arg(it, &b)?.unwrap_or_else(|| "init".into());
    let list = b.req("var_list").clone();
    let items = match &list.value {
        Value::List(items) | Value::Tuple(items) => items.clone(),
        other => {
            return Err(it.cx.error(
                list.sp,
                format!(
                    "`var_list` must be a list of variables, found {}",
                    other.kind_name()
                ),
            ))
        }
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
    Ok(init_group(it, &vars, &name))
}

fn member_value(m: &Member) -> Value {
    match m {
        Member::Variable(v) => Value::Variable(*v),
        Member::Tensor(n) => Value::Tensor(*n),
        Member::Operation(n) => Value::Operation(*n),
    }
}

fn member_name<'a>(it: &'a Interp, m: &Member) -> &'a str {
    match m {
        Member::Variable(v) => &it.g.vars[*v].name,
        Member::Tensor(n) | Member::Operation(n) => &it.g.nodes[*n as usize].name,
    }
}

fn collection(it: &mut Interp, key: &str, scope: Option<&Spanned>) -> Result<Value, Reported> {
    let prefix = match scope {
        Some(s) => Some(convert::as_str(&mut it.cx, &s.value, s.sp, "scope")?),
        None => None,
    };
    let members = it.g.collections.get(key).cloned().unwrap_or_default();
    Ok(Value::List(
        members
            .iter()
            .filter(|m| {
                prefix
                    .as_deref()
                    .is_none_or(|p| member_name(it, m).starts_with(p))
            })
            .map(member_value)
            .collect(),
    ))
}

/// `global_variables(scope = None)`.
pub fn global_variables(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(it, call, &["scope"], 0)?;
    collection(it, GLOBAL_VARIABLES, b.some("scope"))
}

/// `trainable_variables(scope = None)`.
pub fn trainable_variables(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(it, call, &["scope"], 0)?;
    collection(it, TRAINABLE_VARIABLES, b.some("scope"))
}

/// `get_collection(key, scope = None)`.
pub fn get_collection(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(it, call, &["key", "scope"], 1)?;
    let k = b.req("key");
    let key = convert::as_str(&mut it.cx, &k.value, k.sp, "key")?;
    collection(it, &key, b.some("scope"))
}

/// `add_to_collection(name, value)`.
pub fn add_to_collection(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(it, call, &["name", "value"], 2)?;
    let k = b.req("name");
    let key = convert::as_str(&mut it.cx, &k.value, k.sp, "name")?;
    let v = b.req("value");
    let member = match &v.value {
        Value::Variable(i) => Member::Variable(*i),
        Value::Tensor(n) => Member::Tensor(*n),
        Value::Operation(n) => Member::Operation(*n),
        other => {
            return Err(it.cx.error(
                v.sp,
                format!(
                    "collections hold graph handles, found {}",
                    other.kind_name()
                ),
            ))
        }
    };
    it.g.add_to_collection(&key, member);
    Ok(Value::None)
}

/// `set_random_seed(seed)`: the graph-level seed for ops made after it.
pub fn set_random_seed(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let b = sig(it, call, &["seed"], 1)?;
    let s = b.req("seed");
    let seed = convert::as_int(&mut it.cx, &s.value, s.sp, "seed")?;
    it.g.graph_seed = Some(seed);
    Ok(Value::None)
}

/// The initializer objects of design.md section 4.
pub fn initializer(it: &mut Interp, call: &Call) -> Result<Value, Reported> {
    let kind = call.name.trim_end_matches("_initializer");
    let params: &[&str] = match kind {
        "constant" => &["value", "dtype", "verify_shape"],
        "zeros" | "ones" => &["dtype"],
        "random_uniform" => &["minval", "maxval", "seed", "dtype"],
        "random_normal" | "truncated_normal" => &["mean", "stddev", "seed", "dtype"],
        _ => &["seed", "dtype"],
    };
    let b = sig(it, call, params, 0)?;
    let num = |it: &mut Interp, key: &str, default: f64| -> Result<f64, Reported> {
        match b.some(key) {
            Some(v) => convert::as_number(&mut it.cx, &v.value, v.sp, key),
            None => Ok(default),
        }
    };
    let seed = match b.some("seed") {
        Some(v) => Some(convert::as_int(&mut it.cx, &v.value, v.sp, "seed")?),
        None => None,
    };
    let init = match kind {
        "constant" => Initializer::Constant(num(it, "value", 0.0)?),
        "zeros" => Initializer::Zeros,
        "ones" => Initializer::Ones,
        "random_uniform" => Initializer::RandomUniform {
            min: num(it, "minval", 0.0)?,
            max: num(it, "maxval", 1.0)?,
            seed,
        },
        "random_normal" => Initializer::RandomNormal {
            mean: num(it, "mean", 0.0)?,
            stddev: num(it, "stddev", 1.0)?,
            seed,
        },
        "truncated_normal" => Initializer::TruncatedNormal {
            mean: num(it, "mean", 0.0)?,
            stddev: num(it, "stddev", 1.0)?,
            seed,
        },
        _ => Initializer::GlorotUniform { seed },
    };
    Ok(Value::Initializer(init))
}
