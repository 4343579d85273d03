//! The static graph a `graph!` type carries, and TF1-style look-ups on it.

use crate::handle::{AnyTensor, Operation};
use crate::tensor::{Buffer, Element};
use crate::{Error, Result};
use ndarray::{ArrayView, Dimension};
use staticflow_ir::shape::{fits, python_concrete, ShapeDisplay};
use staticflow_ir::{Dim, Node};
use std::sync::Arc;

/// A variable of the static plan: its ops by index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VariableDef {
    /// The variable's name (`theta`).
    pub name: &'static str,
    /// The VariableV2 node.
    pub node: u32,
    /// The `read` Identity node.
    pub read: u32,
    /// The `Assign` node that initializes it.
    pub initializer: u32,
    /// In `TRAINABLE_VARIABLES`.
    pub trainable: bool,
}

/// A member of a collection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberRef {
    /// A variable, by index in [`StaticGraph::variables`].
    Variable(u32),
    /// A tensor, by node.
    Tensor(u32),
    /// An operation, by node.
    Operation(u32),
}

/// A collection (`trainable_variables`, user keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CollectionDef {
    /// TF's key string (`GraphKeys.TRAINABLE_VARIABLES` is `trainable_variables`).
    pub key: &'static str,
    /// Members in insertion order.
    pub members: &'static [MemberRef],
}

/// Everything a `graph!` emits as static data.
#[derive(Debug)]
pub struct StaticGraph {
    /// The Rust type's name.
    pub type_name: &'static str,
    /// Nodes in topological order.
    pub nodes: &'static [Node],
    /// Variables in creation order.
    pub variables: &'static [VariableDef],
    /// Collections, sorted by key.
    pub collections: &'static [CollectionDef],
}

/// The identity of a graph type: the address of its static plan. Handles carry the id of
/// the graph they were made from, and a session refuses a handle of another graph with
/// TF's `... is not an element of this graph.` (TF compares `tensor.graph is self`).
/// Instances of one graph type share an id: their plans are the same (only the values of
/// run-time parameters differ), so their handles are interchangeable.
#[derive(Clone, Copy)]
pub struct GraphId(&'static StaticGraph);

impl GraphId {
    /// Used by generated code: the id of the graph whose static plan is `def`.
    #[doc(hidden)]
    pub const fn __of(def: &'static StaticGraph) -> GraphId {
        GraphId(def)
    }

    /// The static plan.
    pub(crate) fn def(self) -> &'static StaticGraph {
        self.0
    }
}

impl PartialEq for GraphId {
    fn eq(&self, other: &GraphId) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}
impl Eq for GraphId {}

impl std::hash::Hash for GraphId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::ptr::hash(self.0, state)
    }
}

impl std::fmt::Debug for GraphId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GraphId({} at {:p})", self.0.type_name, self.0)
    }
}

/// A graph: a cheap handle on static data (plus the values of its run-time
/// parameters, if it has any). Every `graph!` type holds one.
#[derive(Clone, Debug)]
pub struct Graph {
    def: &'static StaticGraph,
    params: Option<Arc<[ParamValue]>>,
}

/// The value of a graph parameter (`pub struct G(data: f32[None, 9])`), fixed when the
/// graph is built.
#[derive(Clone, Debug)]
pub struct ParamValue {
    pub(crate) node: u32,
    pub(crate) buffer: Buffer,
}

impl ParamValue {
    /// Used by generated code: checks `value` against the declared dims and copies it.
    ///
    /// # Errors
    /// [`Error::FeedShape`] when the shape does not fit.
    #[doc(hidden)]
    pub fn new<T: Element, D: Dimension>(
        node: u32,
        tensor: &str,
        dims: &'static [Dim],
        value: ArrayView<'_, T, D>,
    ) -> Result<ParamValue> {
        if !fits(dims, value.shape()) {
            return Err(Error::FeedShape {
                tensor: tensor.to_string(),
                got: python_concrete(value.shape()),
                expected: ShapeDisplay::python(dims).to_string(),
            });
        }
        let mut buffer = Buffer::empty(T::DTYPE);
        let data = T::vec_mut(&mut buffer.data);
        data.extend(value.iter().copied());
        buffer.set_shape(value.shape());
        Ok(ParamValue { node, buffer })
    }
}

/// Types that carry a graph (every `graph!` type).
pub trait AsGraph {
    /// The graph.
    fn as_graph(&self) -> &Graph;
}

impl AsGraph for Graph {
    fn as_graph(&self) -> &Graph {
        self
    }
}

/// One op as TF's `get_operations()` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperationInfo {
    /// The op name, scope included.
    pub name: &'static str,
    /// The TF op type (`AddV2`).
    pub op_type: &'static str,
    /// Input tensor names (`x/read:0`), then control inputs (`^x/Assign`).
    pub inputs: Vec<String>,
}

impl Graph {
    /// The identity its handles carry.
    pub fn id(&self) -> GraphId {
        GraphId(self.def)
    }

    /// Wraps the static data a `graph!` emitted.
    pub const fn from_static(def: &'static StaticGraph) -> Graph {
        Graph { def, params: None }
    }

    /// Wraps static data and the values of the graph's parameters.
    #[doc(hidden)]
    pub fn with_params(def: &'static StaticGraph, params: Vec<ParamValue>) -> Graph {
        Graph {
            def,
            params: Some(params.into()),
        }
    }

    /// The parameter values, shared by every session of this graph.
    pub(crate) fn params(&self) -> Option<Arc<[ParamValue]>> {
        self.params.clone()
    }

    /// The static data.
    pub fn def(&self) -> &'static StaticGraph {
        self.def
    }

    /// The nodes in topological order.
    pub fn nodes(&self) -> &'static [Node] {
        self.def.nodes
    }

    /// Every op with its type and inputs, in creation order (TF's `get_operations()`).
    pub fn operations(&self) -> Vec<OperationInfo> {
        let nodes = self.def.nodes;
        nodes
            .iter()
            .map(|n| OperationInfo {
                name: static_str(&n.name),
                op_type: n.op.tf_type(),
                inputs: n
                    .inputs
                    .iter()
                    .map(|r| format!("{}:{}", nodes[r.node as usize].name, r.index))
                    .chain(
                        n.control_inputs
                            .iter()
                            .map(|&c| format!("^{}", nodes[c as usize].name)),
                    )
                    .collect(),
            })
            .collect()
    }

    /// The names of the variables, in creation order.
    pub fn variable_names(&self) -> Vec<&'static str> {
        self.def.variables.iter().map(|v| v.name).collect()
    }

    /// The names of the members of collection `key` (variables by variable name).
    pub fn collection_names(&self, key: &str) -> Vec<&'static str> {
        let Some(c) = self.def.collections.iter().find(|c| c.key == key) else {
            return Vec::new();
        };
        c.members
            .iter()
            .map(|m| match m {
                MemberRef::Variable(v) => self.def.variables[*v as usize].name,
                MemberRef::Tensor(n) | MemberRef::Operation(n) => {
                    static_str(&self.def.nodes[*n as usize].name)
                }
            })
            .collect()
    }

    /// The tensor named `op:index` (`theta:0`), with TF's error when it does not exist.
    ///
    /// # Errors
    /// [`Error::NotFound`] for a malformed name, a missing op or an op without that output.
    pub fn get_tensor_by_name(&self, name: &str) -> Result<AnyTensor> {
        let Some((op, index)) = name.rsplit_once(':') else {
            return Err(Error::NotFound(format!(
                "The name '{name}' looks like an (invalid) Operation name, not a Tensor. Tensor names must be of the form \"<op_name>:<output_index>\"."
            )));
        };
        let Some(i) = self.find(op) else {
            return Err(Error::NotFound(format!(
                "The name '{name}' refers to a Tensor which does not exist. The operation, '{op}', does not exist in the graph."
            )));
        };
        let node = &self.def.nodes[i];
        if index != "0" || node.num_outputs() == 0 {
            return Err(Error::NotFound(format!(
                "The name '{name}' refers to a Tensor which does not exist. The operation, '{op}', exists but only has {} outputs.",
                node.num_outputs()
            )));
        }
        Ok(AnyTensor::__new(self.id(), i as u32, node))
    }

    /// The operation named `name`.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is none (or `name` is a tensor name).
    pub fn get_operation_by_name(&self, name: &str) -> Result<Operation> {
        if name.contains(':') {
            return Err(Error::NotFound(format!(
                "The name '{name}' appears to refer to a Tensor, not an Operation."
            )));
        }
        match self.find(name) {
            Some(i) => Ok(Operation::__new(
                self.id(),
                i as u32,
                static_str(&self.def.nodes[i].name),
            )),
            None => Err(Error::NotFound(format!(
                "The name '{name}' refers to an Operation not in the graph."
            ))),
        }
    }

    fn find(&self, op: &str) -> Option<usize> {
        self.def.nodes.iter().position(|n| n.name == op)
    }

    /// The static shape of a node as TF prints it in messages: `[?,9]`.
    pub(crate) fn shape_text(&self, node: u32) -> String {
        ShapeDisplay::brackets(&self.def.nodes[node as usize].shape).to_string()
    }
}

/// A `&'static str` view of a node's name (static plans borrow theirs).
// The Cow itself is needed: only its Borrowed case is already `'static`.
#[allow(clippy::ptr_arg)]
pub(crate) fn static_str(s: &std::borrow::Cow<'static, str>) -> &'static str {
    match s {
        std::borrow::Cow::Borrowed(b) => b,
        // Plans built at run time own their names; leaking them keeps the handle API
        // uniform and happens once per name.
        std::borrow::Cow::Owned(o) => Box::leak(o.clone().into_boxed_str()),
    }
}
