//! The values a graph program computes with at compile time.

use crate::ctxt::Sp;
use crate::parse::ast::FnDef;
use staticflow_ir::DType;
use std::rc::Rc;

/// A compile-time value: a Python-like scalar or container, or a graph handle.
#[derive(Clone, Debug)]
pub enum Value {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
    None,
    /// Output 0 of a node.
    Tensor(u32),
    /// A variable, by index in the graph's variable list.
    Variable(usize),
    /// A node without a useful output (NoOp, group, initializers).
    Operation(u32),
    List(Vec<Value>),
    Tuple(Vec<Value>),
    Dict(Vec<(Value, Value)>),
    DType(DType),
    /// A dotted name not bound by the program (`tf`, `tf.nn`, `relu`): resolved on call.
    Path(String),
    /// `value.method` awaiting its call.
    Method(Box<Value>, String),
    Func(Rc<FnDef>),
    /// A name scope captured by `with name_scope(..) as s` (the string with its `/`).
    NameScope(String),
    /// A variable scope captured by `with variable_scope(..) as s`.
    VarScope(usize),
    /// An initializer object (`constant_initializer(0.0)`).
    Initializer(Initializer),
    /// `tf.AUTO_REUSE`
    AutoReuse,
    /// A context manager for `with` (`name_scope(..)`, `variable_scope(..)`).
    Context(Box<super::scopes::ContextSpec>),
    /// The `None` that `gradients` gives for an x without a path to the ys; remembers
    /// that x's node so the field can be typed `Option<Tensor<..>>`.
    NoGradient(u32),
    /// A weight regularizer (`layers.l2_regularizer(0.1)`).
    Regularizer(super::toolbox::Regularizer),
    /// A saver (`Saver()`).
    Saver(Rc<super::saver::SaverSpec>),
    /// An optimizer object (`AdamOptimizer(0.01)`).
    Optimizer(Rc<super::optimizers::OptimizerSpec>),
    /// The result of an expression that already reported an error.
    Poison,
}

/// The initializers of design.md section 4.
#[derive(Clone, Debug, PartialEq)]
pub enum Initializer {
    Constant(f64),
    Zeros,
    Ones,
    RandomUniform {
        min: f64,
        max: f64,
        seed: Option<i64>,
    },
    RandomNormal {
        mean: f64,
        stddev: f64,
        seed: Option<i64>,
    },
    TruncatedNormal {
        mean: f64,
        stddev: f64,
        seed: Option<i64>,
    },
    GlorotUniform {
        seed: Option<i64>,
    },
}

/// A value with the source range it came from.
#[derive(Clone, Debug)]
pub struct Spanned {
    pub value: Value,
    pub sp: Sp,
}

impl Value {
    /// A short description for error messages ("an int", "a tensor").
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Int(_) => "an int",
            Value::Float(_) => "a float",
            Value::Bool(_) => "a bool",
            Value::Str(_) => "a string",
            Value::None => "None",
            Value::Tensor(_) => "a tensor",
            Value::Variable(_) => "a variable",
            Value::Operation(_) => "an operation",
            Value::List(_) => "a list",
            Value::Tuple(_) => "a tuple",
            Value::Dict(_) => "a dict",
            Value::DType(_) => "a dtype",
            Value::Path(_) => "a name",
            Value::Method(..) => "a method",
            Value::Func(_) => "a graph function",
            Value::NameScope(_) => "a name scope",
            Value::VarScope(_) => "a variable scope",
            Value::Initializer(_) => "an initializer",
            Value::AutoReuse => "AUTO_REUSE",
            Value::Context(_) => "a context manager",
            Value::Optimizer(_) => "an optimizer",
            Value::Saver(_) => "a saver",
            Value::Regularizer(_) => "a regularizer",
            Value::NoGradient(_) => "None (no gradient)",
            Value::Poison => "an erroneous value",
        }
    }

    /// True when this value or anything inside it already failed (and was reported).
    pub fn contains_poison(&self) -> bool {
        match self {
            Value::Poison => true,
            Value::List(items) | Value::Tuple(items) => items.iter().any(Value::contains_poison),
            Value::Dict(entries) => entries
                .iter()
                .any(|(k, v)| k.contains_poison() || v.contains_poison()),
            _ => false,
        }
    }

    /// True for values that are (or convert to) tensors without a literal conversion.
    pub fn is_graph_tensor(&self) -> bool {
        matches!(self, Value::Tensor(_) | Value::Variable(_))
    }
}
