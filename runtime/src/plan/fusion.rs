//! Fusion: elementwise work that two steps of a plan would do in two passes over memory,
//! done in one. Today one pattern, the dense layer's `Relu(BiasAdd(x, b))`: when the
//! `BiasAdd`'s value is read by nothing but that `Relu` (and is not fetched), the
//! `BiasAdd` step writes `relu(x + b)` in one loop and the `Relu` step takes over that
//! buffer as an alias, so the pre-activation never exists in memory.
//!
//! Decided once per pruned plan, like the slots (which see the `Relu` as an alias), so a
//! fetch of the pre-activation simply gets a plan without this fusion.

use staticflow_ir::{Node, Op, UnaryOp};

/// How a step runs, where that differs from its node's own op.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Fusion {
    /// As its op says.
    #[default]
    None,
    /// A `BiasAdd` that also applies the ReLU of its only reader.
    BiasAddRelu,
    /// A `Relu` whose value its input (a [`Fusion::BiasAddRelu`] step) already holds.
    AliasOfInput,
}

/// The fusion of each step of `steps` (a pruned plan of `nodes` in execution order),
/// given the `fed` nodes, the graph's parameters and the values `fetched` after the run.
pub(crate) fn fuse(
    nodes: &[Node],
    steps: &[u32],
    fed: &[u32],
    is_param: impl Fn(u32) -> bool,
    fetched: &[u32],
) -> Vec<Fusion> {
    let runs_op = |n: u32| !fed.contains(&n) && !is_param(n);
    // Data reads of each node by the steps that run their op.
    let mut readers = vec![0u32; nodes.len()];
    for &n in steps.iter().filter(|&&n| runs_op(n)) {
        for r in nodes.get(n as usize).map_or(&[][..], |nd| &nd.inputs[..]) {
            if let Some(c) = readers.get_mut(r.node as usize) {
                *c += 1;
            }
        }
    }
    let position = |n: u32| steps.iter().position(|&s| s == n);
    let mut fusion = vec![Fusion::None; steps.len()];
    for (i, &n) in steps.iter().enumerate() {
        let Some(node) = nodes.get(n as usize) else {
            continue;
        };
        if node.op != Op::Unary(UnaryOp::Relu) || !runs_op(n) || !node.dtype.is_float() {
            continue;
        }
        let Some(x) = node.inputs.first().map(|r| r.node) else {
            continue;
        };
        let fusible = nodes.get(x as usize).is_some_and(|nx| nx.op == Op::BiasAdd)
            && runs_op(x)
            && !fetched.contains(&x)
            && readers.get(x as usize) == Some(&1);
        if let (true, Some(j)) = (fusible, position(x)) {
            fusion[j] = Fusion::BiasAddRelu;
            fusion[i] = Fusion::AliasOfInput;
        }
    }
    fusion
}

#[cfg(test)]
mod tests {
    use super::*;
    use staticflow_ir::{DType, OutputRef};
    use std::borrow::Cow;

    fn node(op: Op, inputs: &[u32]) -> Node {
        Node {
            name: Cow::Borrowed("n"),
            op,
            inputs: inputs
                .iter()
                .map(|&node| OutputRef { node, index: 0 })
                .collect(),
            control_inputs: Cow::Borrowed(&[]),
            dtype: DType::Float32,
            shape: Cow::Borrowed(&[]),
        }
    }

    /// x, b, BiasAdd(x, b), Relu(BiasAdd), Square(Relu).
    fn dense() -> Vec<Node> {
        vec![
            node(Op::Placeholder, &[]),
            node(Op::Placeholder, &[]),
            node(Op::BiasAdd, &[0, 1]),
            node(Op::Unary(UnaryOp::Relu), &[2]),
            node(Op::Unary(UnaryOp::Square), &[3]),
        ]
    }

    #[test]
    fn fuses_a_bias_add_read_only_by_its_relu() {
        let nodes = dense();
        let got = fuse(&nodes, &[0, 1, 2, 3, 4], &[0, 1], |_| false, &[4]);
        use Fusion::*;
        assert_eq!(got, vec![None, None, BiasAddRelu, AliasOfInput, None]);
        // The Relu's value may be fetched: it is the fused buffer.
        let got = fuse(&nodes, &[0, 1, 2, 3], &[0, 1], |_| false, &[3]);
        assert_eq!(got[2..], [BiasAddRelu, AliasOfInput]);
    }

    #[test]
    fn keeps_a_pre_activation_that_is_fetched_read_twice_or_fed() {
        use Fusion::*;
        let nodes = dense();
        let all = [0, 1, 2, 3, 4];
        assert!(fuse(&nodes, &all, &[0, 1], |_| false, &[2, 4])
            .iter()
            .all(|&f| f == None));
        assert!(fuse(&nodes, &all, &[0, 1, 2], |_| false, &[4])
            .iter()
            .all(|&f| f == None));
        let mut twice = dense();
        twice.push(node(Op::Unary(UnaryOp::Neg), &[2]));
        assert!(
            fuse(&twice, &[0, 1, 2, 3, 4, 5], &[0, 1], |_| false, &[4, 5])
                .iter()
                .all(|&f| f == None)
        );
        let mut ints = dense();
        ints[3].dtype = DType::Int32;
        assert!(fuse(&ints, &all, &[0, 1], |_| false, &[4])
            .iter()
            .all(|&f| f == None));
    }
}
