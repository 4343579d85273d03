//! The graph under construction: nodes, TF's name uniquification and name stack,
//! variables and collections.

use crate::ctxt::Sp;
use staticflow_ir::{DType, Dim, Op, OutputRef, TensorType};
use std::collections::{BTreeMap, HashMap};

/// A node being built.
#[derive(Clone, Debug)]
pub struct NodeB {
    pub name: String,
    pub op: Op,
    pub inputs: Vec<OutputRef>,
    pub control: Vec<u32>,
    pub ty: TensorType,
}

/// A variable being built: its four ops and flags.
#[derive(Clone, Debug)]
pub struct VarB {
    /// The variable op's name (`theta`, `relu/threshold`).
    pub name: String,
    /// The VariableV2 node.
    pub node: u32,
    /// The `read` Identity node other ops consume.
    pub read: u32,
    /// The `Assign` node that initializes it.
    pub init: u32,
    pub trainable: bool,
    pub dtype: DType,
    pub shape: Vec<usize>,
    /// Where it was first defined (for reuse errors).
    pub def_sp: Sp,
}

/// A member of a collection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Member {
    Variable(usize),
    Tensor(u32),
    Operation(u32),
}

/// The graph being built.
#[derive(Default)]
pub struct GraphB {
    pub nodes: Vec<NodeB>,
    names_in_use: HashMap<String, usize>,
    /// The current name scope, without a trailing `/` ("" at the root).
    pub name_stack: String,
    pub vars: Vec<VarB>,
    /// Variables created by `get_variable`, by full name.
    pub var_store: HashMap<String, usize>,
    pub collections: BTreeMap<String, Vec<Member>>,
    pub graph_seed: Option<i64>,
    /// How many times each variable scope name was opened (TF's `variable_scopes_count`).
    pub var_scope_counts: HashMap<String, usize>,
    /// Open `control_dependencies` blocks, innermost last.
    pub control_stack: Vec<Vec<u32>>,
    /// The placeholder nodes of the graph's run-time parameters, in declaration order.
    pub params: Vec<u32>,
}

/// TF's `DEFAULT_GRAPH_SEED`, used when only an op seed is given.
const DEFAULT_GRAPH_SEED: i64 = 87654321;

impl GraphB {
    /// TF's `Graph.unique_name`: `name` under the current scope, made unique
    /// case-insensitively by appending `_1`, `_2`, ...; marks the result used.
    pub fn unique_name(&mut self, name: &str) -> String {
        let name = if self.name_stack.is_empty() {
            name.to_string()
        } else {
            format!("{}/{}", self.name_stack, name)
        };
        let key = name.to_lowercase();
        let mut i = self.names_in_use.get(&key).copied().unwrap_or(0);
        self.names_in_use.insert(key.clone(), i + 1);
        if i == 0 {
            return name;
        }
        let mut candidate = format!("{key}_{i}");
        while self.names_in_use.contains_key(&candidate) {
            i += 1;
            candidate = format!("{key}_{i}");
        }
        self.names_in_use.insert(candidate, 1);
        format!("{name}_{i}")
    }

    /// Enters a name scope as TF's `name_scope(name)` does and returns the previous stack.
    /// `None` or `""` resets to the root; a name ending in `/` is re-entered as is.
    pub fn push_name_scope(&mut self, name: Option<&str>) -> String {
        let new_stack = match name {
            None | Some("") => String::new(),
            Some(n) if n.ends_with('/') => n.trim_end_matches('/').to_string(),
            Some(n) => self.unique_name(n),
        };
        std::mem::replace(&mut self.name_stack, new_stack)
    }

    /// Leaves a scope entered by [`Self::push_name_scope`].
    pub fn pop_name_scope(&mut self, previous: String) {
        self.name_stack = previous;
    }

    /// The current scope as `as scope` captures it: `loss/` (or "" at the root).
    pub fn scope_string(&self) -> String {
        if self.name_stack.is_empty() {
            String::new()
        } else {
            format!("{}/", self.name_stack)
        }
    }

    /// Adds a node with an exact (already unique) name.
    pub fn add_exact(
        &mut self,
        name: String,
        op: Op,
        inputs: Vec<OutputRef>,
        ty: TensorType,
    ) -> u32 {
        let control = self.control_stack.iter().flatten().copied().collect();
        self.nodes.push(NodeB {
            name,
            op,
            inputs,
            control,
            ty,
        });
        (self.nodes.len() - 1) as u32
    }

    /// Adds a node named `unique_name(name)`.
    pub fn add(&mut self, name: &str, op: Op, inputs: Vec<OutputRef>, ty: TensorType) -> u32 {
        let name = self.unique_name(name);
        self.add_exact(name, op, inputs, ty)
    }

    /// The static type of a node's output.
    pub fn ty(&self, node: u32) -> &TensorType {
        &self.nodes[node as usize].ty
    }

    /// The output 0 reference of a node.
    pub fn out(node: u32) -> OutputRef {
        OutputRef { node, index: 0 }
    }

    /// TF's `random_seed.get_seed(op_seed)`: the (seed, seed2) attrs of a random op.
    pub fn random_seeds(&self, op_seed: Option<i64>) -> (i64, i64) {
        let (seed, seed2) = match (self.graph_seed, op_seed) {
            (Some(g), Some(o)) => (g, o),
            (Some(g), None) => (g, self.nodes.len() as i64),
            (None, Some(o)) => (DEFAULT_GRAPH_SEED, o),
            (None, None) => (0, 0),
        };
        if (seed, seed2) == (0, 0) && (self.graph_seed.is_some() || op_seed.is_some()) {
            (0, i64::from(i32::MAX))
        } else {
            (seed, seed2)
        }
    }

    /// Adds `member` to collection `key` (once).
    pub fn add_to_collection(&mut self, key: &str, member: Member) {
        let list = self.collections.entry(key.to_string()).or_default();
        if !list.contains(&member) {
            list.push(member);
        }
    }

    /// A fully known shape as concrete dims, or `None`.
    pub fn known(shape: &[Dim]) -> Option<Vec<usize>> {
        shape.iter().copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_names_follow_tf() {
        let mut g = GraphB::default();
        let got: Vec<String> = ["a_1", "a", "a", "A", "a", "a_5/b"]
            .iter()
            .map(|n| g.unique_name(n))
            .collect();
        assert_eq!(got, ["a_1", "a", "a_2", "A_3", "a_4", "a_5/b"]);
    }

    #[test]
    fn name_scopes_nest_and_reenter() {
        let mut g = GraphB::default();
        let prev = g.push_name_scope(Some("s"));
        let captured = g.scope_string();
        assert_eq!(g.unique_name("Const"), "s/Const");
        g.pop_name_scope(prev);
        let prev = g.push_name_scope(Some("s"));
        assert_eq!(g.unique_name("Const"), "s_1/Const");
        g.pop_name_scope(prev);
        let prev = g.push_name_scope(Some(&captured));
        assert_eq!(g.unique_name("Const"), "s/Const_1");
        g.pop_name_scope(prev);
    }
}
