//! The static plan: the nodes a `graph!` emits, in topological order.

use crate::{DType, Dim, Op};
use std::borrow::Cow;

/// One output of one node: `(node index, output index)`; TF prints it `name:index`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OutputRef {
    /// Index of the producing node in the plan.
    pub node: u32,
    /// Which output of that node.
    pub index: u32,
}

/// One node of the static plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The TF name, scope included (`loss/mse`).
    pub name: Cow<'static, str>,
    /// What the node computes, with its attributes.
    pub op: Op,
    /// Data inputs, in the op's argument order.
    pub inputs: Cow<'static, [OutputRef]>,
    /// Nodes that must run before this one (`control_dependencies`, `group`).
    pub control_inputs: Cow<'static, [u32]>,
    /// The dtype of output 0 (every op of the set has one output, or none for NoOp).
    pub dtype: DType,
    /// The static shape of output 0.
    pub shape: Cow<'static, [Dim]>,
}

impl Node {
    /// How many outputs the node has (NoOp and group have none).
    pub fn num_outputs(&self) -> usize {
        if self.op.has_output() {
            1
        } else {
            0
        }
    }
}
