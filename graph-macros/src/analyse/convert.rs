//! Conversions between compile-time values and graph types: literals to constants,
//! shapes, dtypes, and the names that denote values (`tf.float32`, `GraphKeys.*`).

use super::value::Value;
use crate::ctxt::{Ctxt, Reported, Sp};
use staticflow_ir::{ConstValue, DType, Dim};

/// The value a dotted name denotes when it is not an op (`float32`, `tf.AUTO_REUSE`).
pub fn path_value(path: &str) -> Option<Value> {
    let p = normalize(path);
    if let Some(d) = DType::from_name(&p) {
        return Some(Value::DType(d));
    }
    if let Some(key) = p.strip_prefix("GraphKeys.") {
        return collection_key(key).map(|k| Value::Str(k.to_string()));
    }
    match p.as_str() {
        "AUTO_REUSE" => Some(Value::AutoReuse),
        _ => None,
    }
}

/// The dotted names [`path_value`] knows, for suggestions.
pub fn value_names() -> impl Iterator<Item = &'static str> {
    [
        "float32",
        "float64",
        "int32",
        "int64",
        "bool",
        "AUTO_REUSE",
        "GraphKeys.GLOBAL_VARIABLES",
        "GraphKeys.TRAINABLE_VARIABLES",
        "GraphKeys.UPDATE_OPS",
        "GraphKeys.REGULARIZATION_LOSSES",
        "GraphKeys.SUMMARIES",
        "GraphKeys.LOSSES",
    ]
    .into_iter()
}

/// Strips the `tf.` / `compat.v1.` / `v1.` prefixes TF1 code carries.
pub fn normalize(path: &str) -> String {
    let mut p = path;
    for prefix in ["tf.", "compat.v1.", "v1."] {
        if let Some(rest) = p.strip_prefix(prefix) {
            p = rest;
        }
    }
    p.to_string()
}

/// TF's collection key strings for the `GraphKeys` names.
pub fn collection_key(name: &str) -> Option<&'static str> {
    Some(match name {
        "GLOBAL_VARIABLES" => "variables",
        "TRAINABLE_VARIABLES" => "trainable_variables",
        "UPDATE_OPS" => "update_ops",
        "REGULARIZATION_LOSSES" => "regularization_losses",
        "SUMMARIES" => "summaries",
        "LOSSES" => "losses",
        _ => return None,
    })
}

/// The dtype of a Rust element type name (`f32`).
pub fn dtype_from_rust(name: &str) -> Option<DType> {
    DType::ALL.into_iter().find(|d| d.rust_type() == name)
}

/// A number as f64 (ints and floats).
pub fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// Equality of literal keys (dict lookups).
pub fn same_literal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        _ => false,
    }
}

/// Identity of graph handles (TF1's `Tensor.__eq__`).
pub fn same_handle(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Tensor(x), Value::Tensor(y)) | (Value::Operation(x), Value::Operation(y)) => x == y,
        (Value::Variable(x), Value::Variable(y)) => x == y,
        _ => false,
    }
}

/// A static shape as the Python value `get_shape()` gives (a list of ints and `None`s).
pub fn shape_value(shape: &[Dim]) -> Value {
    Value::List(
        shape
            .iter()
            .map(|d| d.map_or(Value::None, |n| Value::Int(n as i64)))
            .collect(),
    )
}

/// One dimension of a shape argument: a non-negative int or `None`.
pub fn dim_of(cx: &mut Ctxt, v: &Value, sp: Sp) -> Result<Dim, Reported> {
    match v {
        Value::None => Ok(None),
        Value::Int(i) if *i >= 0 => Ok(Some(*i as usize)),
        Value::Int(i) => Err(cx.error(sp, format!("Dimension {i} must be >= 0"))),
        Value::Float(f) => Err(cx.error(
            sp,
            format!(
                "Dimension value must be integer or None or have an __index__ method, got value '{}' with type '<class 'float'>'",
                py_float(*f)
            ),
        )),
        other => Err(cx.error(
            sp,
            format!(
                "Dimension value must be integer or None, got {}",
                other.kind_name()
            ),
        )),
    }
}

/// A shape argument: a list or tuple of dims, or one int for a rank-1 shape.
pub fn shape_of(cx: &mut Ctxt, v: &Value, sp: Sp) -> Result<Vec<Dim>, Reported> {
    match v {
        Value::List(items) | Value::Tuple(items) => {
            let mut dims = Vec::with_capacity(items.len());
            let mut failed = None;
            for item in items {
                match dim_of(cx, item, sp) {
                    Ok(d) => dims.push(d),
                    Err(r) => failed = Some(r),
                }
            }
            match failed {
                Some(r) => Err(r),
                None => Ok(dims),
            }
        }
        Value::Int(_) => Ok(vec![dim_of(cx, v, sp)?]),
        other => Err(cx.error(
            sp,
            format!(
                "expected a shape (a list of ints or None), found {}",
                other.kind_name()
            ),
        )),
    }
}

/// A shape that must be fully known (variables, random ops, fills).
pub fn known_shape_of(cx: &mut Ctxt, v: &Value, sp: Sp) -> Result<Vec<usize>, Reported> {
    let dims = shape_of(cx, v, sp)?;
    match dims.iter().copied().collect::<Option<Vec<usize>>>() {
        Some(d) => Ok(d),
        None => Err(cx.error(sp, "this shape must be fully defined (no None dims)")),
    }
}

/// Python's repr of a float (`2.5`, `1.0`).
pub fn py_float(f: f64) -> String {
    if f.fract() == 0.0 && f.is_finite() {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}

/// A Python literal flattened: its shape, elements, and the dtype TF would infer.
pub struct Literal {
    pub shape: Vec<usize>,
    pub elems: Vec<Value>,
}

/// Flattens a (nested) list literal, checking it is rectangular.
pub fn flatten_literal(cx: &mut Ctxt, v: &Value, sp: Sp) -> Result<Literal, Reported> {
    fn walk(v: &Value, depth: usize, shape: &mut Vec<usize>, out: &mut Vec<Value>) -> bool {
        match v {
            Value::List(items) | Value::Tuple(items) => {
                if shape.len() == depth {
                    shape.push(items.len());
                } else if shape.get(depth) != Some(&items.len()) {
                    return false;
                }
                items.iter().all(|i| walk(i, depth + 1, shape, out))
            }
            scalar => {
                if shape.len() > depth {
                    return false;
                }
                out.push(scalar.clone());
                true
            }
        }
    }
    let mut shape = Vec::new();
    let mut elems = Vec::new();
    if !walk(v, 0, &mut shape, &mut elems) || shape.iter().product::<usize>() != elems.len() {
        return Err(cx.error(
            sp,
            "Can't convert non-rectangular Python sequence to Tensor.",
        ));
    }
    Ok(Literal { shape, elems })
}

/// The dtype TF infers for literal elements: bool, else float32 if any float, else int32.
pub fn infer_literal_dtype(elems: &[Value]) -> Option<DType> {
    if !elems.is_empty() && elems.iter().all(|e| matches!(e, Value::Bool(_))) {
        return Some(DType::Bool);
    }
    let mut dtype = DType::Int32;
    for e in elems {
        match e {
            Value::Int(_) => {}
            Value::Float(_) => dtype = DType::Float32,
            _ => return None,
        }
    }
    Some(dtype)
}

/// Converts literal elements to a constant of `dtype`, with TF's error for a float
/// given where an int is expected.
pub fn literal_to_const(
    cx: &mut Ctxt,
    elems: &[Value],
    dtype: DType,
    sp: Sp,
) -> Result<ConstValue, Reported> {
    let mut nums = Vec::with_capacity(elems.len());
    for e in elems {
        let n = match (e, dtype) {
            (Value::Bool(b), DType::Bool) => f64::from(u8::from(*b)),
            (Value::Int(i), d) if d != DType::Bool => *i as f64,
            (Value::Float(f), d) if d.is_float() => *f,
            (other, d) => {
                let shown = match other {
                    Value::Float(f) => py_float(*f),
                    Value::Int(i) => i.to_string(),
                    Value::Bool(b) => {
                        if *b {
                            "True".into()
                        } else {
                            "False".into()
                        }
                    }
                    o => o.kind_name().to_string(),
                };
                let ty = match other {
                    Value::Float(_) => "float",
                    Value::Int(_) => "int",
                    Value::Bool(_) => "bool",
                    _ => "object",
                };
                return Err(cx.error(sp, format!("Expected {d}, but got {shown} of type '{ty}'.")));
            }
        };
        nums.push(n);
    }
    if dtype == DType::Int32
        && nums
            .iter()
            .any(|&n| n > i32::MAX as f64 || n < i32::MIN as f64)
    {
        return Err(cx.error(sp, "Can't convert Python int to int32 tensor: out of range"));
    }
    Ok(ConstValue::from_f64s(dtype, &nums))
}

/// A bool argument (`True`, `false`).
pub fn as_bool(cx: &mut Ctxt, v: &Value, sp: Sp, what: &str) -> Result<bool, Reported> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(cx.error(
            sp,
            format!("`{what}` must be a bool, found {}", other.kind_name()),
        )),
    }
}

/// An int argument.
pub fn as_int(cx: &mut Ctxt, v: &Value, sp: Sp, what: &str) -> Result<i64, Reported> {
    match v {
        Value::Int(i) => Ok(*i),
        other => Err(cx.error(
            sp,
            format!("`{what}` must be an int, found {}", other.kind_name()),
        )),
    }
}

/// A number argument (int or float) as f64.
pub fn as_number(cx: &mut Ctxt, v: &Value, sp: Sp, what: &str) -> Result<f64, Reported> {
    match as_f64(v) {
        Some(f) => Ok(f),
        None => Err(cx.error(
            sp,
            format!("`{what}` must be a number, found {}", v.kind_name()),
        )),
    }
}

/// A string argument.
pub fn as_str(cx: &mut Ctxt, v: &Value, sp: Sp, what: &str) -> Result<String, Reported> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        other => Err(cx.error(
            sp,
            format!("`{what}` must be a string, found {}", other.kind_name()),
        )),
    }
}

/// A dtype argument.
pub fn as_dtype(cx: &mut Ctxt, v: &Value, sp: Sp) -> Result<DType, Reported> {
    match v {
        Value::DType(d) => Ok(*d),
        Value::Str(s) => {
            DType::from_name(s).ok_or_else(|| cx.error(sp, format!("unknown dtype '{s}'")))
        }
        other => Err(cx.error(
            sp,
            format!(
                "expected a dtype (tf.float32, ...), found {}",
                other.kind_name()
            ),
        )),
    }
}
