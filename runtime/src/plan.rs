//! Pruning: the nodes a fetch set needs, given what is fed, in topological order; and
//! (in [`slots`]) the buffer each of their values lives in, after (in [`fusion`]) the
//! steps that run as one fused loop are chosen.

pub(crate) mod fusion;
pub(crate) mod slots;

use staticflow_ir::Node;

/// The nodes to execute for `targets` when the nodes in `fed` are fed: ancestors through
/// data and control inputs, stopping at fed nodes, in plan (topological) order.
pub fn prune(nodes: &[Node], targets: impl IntoIterator<Item = u32>, fed: &[u32]) -> Vec<u32> {
    let mut needed = vec![false; nodes.len()];
    let mut stack: Vec<u32> = targets.into_iter().collect();
    while let Some(n) = stack.pop() {
        let i = n as usize;
        if i >= nodes.len() || needed[i] {
            continue;
        }
        needed[i] = true;
        if fed.contains(&n) {
            continue;
        }
        let node = &nodes[i];
        stack.extend(node.inputs.iter().map(|r| r.node));
        stack.extend(node.control_inputs.iter().copied());
    }
    (0..nodes.len() as u32)
        .filter(|&i| needed[i as usize])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use staticflow_ir::{BinaryOp, ConstValue, DType, Op, OutputRef};
    use std::borrow::Cow;

    fn node(name: &'static str, op: Op, inputs: &'static [OutputRef]) -> Node {
        Node {
            name: Cow::Borrowed(name),
            op,
            inputs: Cow::Borrowed(inputs),
            control_inputs: Cow::Borrowed(&[]),
            dtype: DType::Int32,
            shape: Cow::Borrowed(&[]),
        }
    }

    #[test]
    fn keeps_only_ancestors_and_stops_at_feeds() {
        const R0: OutputRef = OutputRef { node: 0, index: 0 };
        const R1: OutputRef = OutputRef { node: 1, index: 0 };
        let c = || Op::Const(ConstValue::Int32(Cow::Borrowed(&[1])));
        let nodes = vec![
            node("w", c(), &[]),
            node("x", Op::Binary(BinaryOp::AddV2), &[R0, R0]),
            node("y", Op::Binary(BinaryOp::AddV2), &[R1, R1]),
            node("unrelated", c(), &[]),
        ];
        assert_eq!(prune(&nodes, [2], &[]), vec![0, 1, 2]);
        assert_eq!(prune(&nodes, [2], &[1]), vec![1, 2]);
    }
}
