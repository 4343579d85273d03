//! Buffer slots: which reusable buffer holds each value a pruned plan computes, chosen
//! once per plan by liveness, like a register allocator.
//!
//! Walking the steps in order, a step that writes a buffer takes a free slot of its
//! dtype (or a new one), and a value's slot is freed after its last use in the plan.
//!
//! - Uses are data inputs only; control inputs order steps but read nothing.
//! - `Identity` and `PlaceholderWithDefault` (when not fed) pass their source's
//!   location on instead of copying, so a use of the alias is a use of its source.
//! - The values of targets that return a value are read after the last step: their
//!   slots are never freed.
//! - Variables and what writes them (`Assign`, `Apply*`), parameters, summaries and
//!   `NoOp` have no buffer.
//! - A fed node gets a slot of its own, numbered after the computed values' slots and
//!   shared with none of them: the session reads a contiguous fed value in place (the
//!   slot stays empty) and copies only a strided one into it, so a computed value never
//!   waits for, or grows, a slot that usually holds nothing.
//! - A step's output slot is taken before its inputs' slots are freed, so a kernel
//!   never writes the buffer it reads.
//!
//! Slots are per dtype: [`crate::tensor::Buffer`] is typed, and a buffer reused for
//! another dtype would drop its storage and allocate a new one on every such reuse,
//! while a few more slots (labels, argmax indices) cost a few small buffers once.

use super::fusion::Fusion;
use staticflow_ir::{DType, Node, Op};

/// The number of dtypes: one pool of slots each.
pub(crate) const DTYPES: usize = DType::ALL.len();

/// A buffer of the session's arena: the `index`-th slot of `dtype`'s pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Slot {
    /// The dtype of the values the slot holds.
    pub(crate) dtype: DType,
    /// Its index in that dtype's pool.
    pub(crate) index: u32,
}

/// The slot of each step of one plan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SlotAssignment {
    /// Parallel to the plan's steps: the slot the step writes, `None` for a step that
    /// writes no buffer (variables, aliases, summaries, no-ops, parameters).
    pub(crate) slots: Vec<Option<Slot>>,
    /// The number of slots of each dtype, in [`DType::ALL`] order.
    pub(crate) counts: [u32; DTYPES],
}

impl SlotAssignment {
    /// The number of slots over all dtypes.
    pub(crate) fn total(&self) -> usize {
        self.counts.iter().map(|&c| c as usize).sum()
    }
}

/// The position of `dtype` in [`DType::ALL`].
pub(crate) fn dtype_index(dtype: DType) -> usize {
    match dtype {
        DType::Float32 => 0,
        DType::Float64 => 1,
        DType::Int32 => 2,
        DType::Int64 => 3,
        DType::Bool => 4,
    }
}

/// Where one step's value lives, as far as slots are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Value {
    /// In a buffer the step writes (a kernel output).
    Buffer,
    /// Fed: in place, or copied into a buffer.
    Fed,
    /// Wherever node `.0` (its source) lives.
    Alias(u32),
    /// Not in a buffer (variables, parameters, summaries, nothing at all).
    Elsewhere,
}

/// How the session runs node `n` (same dispatch order as `Session::step`: feeds, then
/// parameters, then the op).
fn classify(node: &Node, is_fed: bool, is_param: bool) -> Value {
    if is_fed {
        return Value::Fed;
    }
    if is_param {
        return Value::Elsewhere;
    }
    match node.op {
        Op::Identity | Op::PlaceholderWithDefault => {
            Value::Alias(node.inputs.first().map_or(0, |r| r.node))
        }
        // An unfed placeholder fails the run; the others write variables or bytes.
        Op::Placeholder
        | Op::Variable { .. }
        | Op::NoOp
        | Op::Assign { .. }
        | Op::Apply(_)
        | Op::ScalarSummary { .. }
        | Op::HistogramSummary { .. }
        | Op::MergeSummary => Value::Elsewhere,
        _ => Value::Buffer,
    }
}

/// Marks a value used by no later step (and not fetched).
const NEVER: usize = usize::MAX;
/// Marks a value read after the run (a fetched target).
const PINNED: usize = usize::MAX - 1;

/// Assigns slots to the values of `steps` (a pruned plan of `nodes`, in execution
/// order) when `fed` nodes are fed, `is_param` tells the graph's parameters, and the
/// values of `fetched` are read after the run.
///
/// `fusion` (parallel to `steps`, or empty for none) marks the `Relu`s a fused step
/// computed: they alias their input.
pub(crate) fn assign_slots(
    nodes: &[Node],
    steps: &[u32],
    fed: &[u32],
    is_param: impl Fn(u32) -> bool,
    fetched: impl IntoIterator<Item = u32>,
    fusion: &[Fusion],
) -> SlotAssignment {
    let node = |n: u32| nodes.get(n as usize);
    let kinds: Vec<(Value, bool)> = steps
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let is_fed = fed.contains(&n);
            let is_param = !is_fed && is_param(n);
            let kind = match (fusion.get(i), node(n)) {
                (Some(Fusion::AliasOfInput), Some(nd)) => {
                    Value::Alias(nd.inputs.first().map_or(0, |r| r.node))
                }
                (_, nd) => nd.map_or(Value::Elsewhere, |nd| classify(nd, is_fed, is_param)),
            };
            // Fed nodes and parameters do not run their op, so they read no input.
            (kind, !is_fed && !is_param)
        })
        .collect();

    // The node whose buffer holds each node's value: itself, or an alias's source's.
    let mut root: Vec<u32> = (0..nodes.len() as u32).collect();
    for (&n, &(kind, _)) in steps.iter().zip(&kinds) {
        if let (Value::Alias(src), Some(r)) = (kind, root.get(n as usize)) {
            let src_root = root.get(src as usize).copied().unwrap_or(*r);
            root[n as usize] = src_root;
        }
    }
    let root_of = |n: u32| root.get(n as usize).copied();

    // The last step that reads each root's value.
    let mut last_use = vec![NEVER; nodes.len()];
    for (i, (&n, &(_, reads))) in steps.iter().zip(&kinds).enumerate() {
        if !reads {
            continue;
        }
        for r in node(n).map_or(&[][..], |nd| &nd.inputs[..]) {
            if let Some(l) = root_of(r.node).and_then(|x| last_use.get_mut(x as usize)) {
                *l = i;
            }
        }
    }
    for t in fetched {
        if let Some(l) = root_of(t).and_then(|x| last_use.get_mut(x as usize)) {
            *l = PINNED;
        }
    }

    // The walk: take a slot for each buffer written, then free what was last used.
    let mut out = SlotAssignment {
        slots: Vec::with_capacity(steps.len()),
        counts: [0; DTYPES],
    };
    let mut free: [Vec<u32>; DTYPES] = Default::default();
    let mut slot_of: Vec<Option<Slot>> = vec![None; nodes.len()];
    let mut fed_steps = Vec::new();
    for (i, (&n, &(kind, reads))) in steps.iter().zip(&kinds).enumerate() {
        let written = match (kind, node(n)) {
            (Value::Buffer, Some(nd)) => {
                let d = dtype_index(nd.dtype);
                let index = free[d].pop().unwrap_or_else(|| {
                    out.counts[d] += 1;
                    out.counts[d] - 1
                });
                let slot = Slot {
                    dtype: nd.dtype,
                    index,
                };
                slot_of[n as usize] = Some(slot);
                Some(slot)
            }
            _ => None,
        };
        out.slots.push(written);
        if kind == Value::Fed {
            fed_steps.push(i);
        }
        let inputs = if reads {
            node(n).map_or(&[][..], |nd| &nd.inputs[..])
        } else {
            &[]
        };
        // Inputs last read here, and an output nothing reads. `take` frees each root
        // once (`x + x`).
        let released = inputs
            .iter()
            .filter_map(|r| root_of(r.node))
            .chain(written.map(|_| n))
            .filter(|&x| {
                last_use
                    .get(x as usize)
                    .is_some_and(|&l| l == i || l == NEVER)
            });
        for x in released {
            if let Some(slot) = slot_of.get_mut(x as usize).and_then(Option::take) {
                free[dtype_index(slot.dtype)].push(slot.index);
            }
        }
    }
    for i in fed_steps {
        if let Some(nd) = steps.get(i).and_then(|&n| node(n)) {
            let d = dtype_index(nd.dtype);
            out.slots[i] = Some(Slot {
                dtype: nd.dtype,
                index: out.counts[d],
            });
            out.counts[d] += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use staticflow_ir::{ApplyKind, BinaryOp, ConstValue, OutputRef, UnaryOp};
    use std::borrow::Cow;

    /// A test graph: nodes added in order, inputs by index.
    #[derive(Default)]
    struct G {
        nodes: Vec<Node>,
    }

    impl G {
        fn add(&mut self, op: Op, dtype: DType, inputs: &[u32], control: &[u32]) -> u32 {
            let inputs: Vec<OutputRef> = inputs
                .iter()
                .map(|&node| OutputRef { node, index: 0 })
                .collect();
            self.nodes.push(Node {
                name: Cow::Owned(format!("n{}", self.nodes.len())),
                op,
                inputs: Cow::Owned(inputs),
                control_inputs: Cow::Owned(control.to_vec()),
                dtype,
                shape: Cow::Borrowed(&[]),
            });
            self.nodes.len() as u32 - 1
        }
        fn konst(&mut self) -> u32 {
            let c = Op::Const(ConstValue::Float32(Cow::Borrowed(&[1.0])));
            self.add(c, DType::Float32, &[], &[])
        }
        fn relu(&mut self, x: u32) -> u32 {
            self.add(Op::Unary(UnaryOp::Relu), DType::Float32, &[x], &[])
        }
        fn add2(&mut self, x: u32, y: u32) -> u32 {
            self.add(Op::Binary(BinaryOp::AddV2), DType::Float32, &[x, y], &[])
        }
        fn identity(&mut self, x: u32) -> u32 {
            self.add(Op::Identity, DType::Float32, &[x], &[])
        }
        /// The plan for `fetched` (and `ops`, run for their effect) with `fed` fed,
        /// checked by [`check`].
        fn plan(&self, fetched: &[u32], ops: &[u32], fed: &[u32]) -> (Vec<u32>, SlotAssignment) {
            let targets = fetched.iter().chain(ops).copied();
            let steps = crate::plan::prune(&self.nodes, targets, fed);
            let a = assign_slots(
                &self.nodes,
                &steps,
                fed,
                |_| false,
                fetched.iter().copied(),
                &[],
            );
            check(&self.nodes, &steps, fed, fetched, &a);
            (steps, a)
        }
        fn slot(&self, steps: &[u32], a: &SlotAssignment, n: u32) -> Option<Slot> {
            steps.iter().position(|&s| s == n).and_then(|i| a.slots[i])
        }
    }

    /// Brute force: no value's slot is written again while the value may still be
    /// read (an alias's reads count for its source; fetched values are read at the
    /// end), and slots have their value's dtype.
    fn check(nodes: &[Node], steps: &[u32], fed: &[u32], fetched: &[u32], a: &SlotAssignment) {
        assert_eq!(a.slots.len(), steps.len());
        let pos = |n: u32| steps.iter().position(|&s| s == n);
        let source = |mut n: u32| {
            while !fed.contains(&n)
                && matches!(
                    nodes[n as usize].op,
                    Op::Identity | Op::PlaceholderWithDefault
                )
            {
                n = nodes[n as usize].inputs[0].node;
            }
            n
        };
        for (i, &n) in steps.iter().enumerate() {
            let Some(slot) = a.slots[i] else { continue };
            assert_eq!(slot.dtype, nodes[n as usize].dtype);
            assert!(slot.index < a.counts[dtype_index(slot.dtype)]);
            // The value's reads: steps whose input resolves to `n`, and the end.
            let mut last = i;
            for (j, &m) in steps.iter().enumerate() {
                if !fed.contains(&m) && nodes[m as usize].inputs.iter().any(|r| source(r.node) == n)
                {
                    last = last.max(j);
                }
            }
            if fetched.iter().any(|&t| source(t) == n) {
                last = steps.len();
            }
            // No other step writes the slot from the value's write to its last read
            // (its readers included: an output never shares an input's slot).
            for j in i + 1..=last.min(steps.len() - 1) {
                assert_ne!(
                    a.slots[j],
                    Some(slot),
                    "step {j} overwrites the value of node {n} (step {i}) before step {last}"
                );
            }
            assert!(pos(n) == Some(i));
        }
    }

    #[test]
    fn a_chain_alternates_between_two_slots() {
        let mut g = G::default();
        let mut x = g.konst();
        for _ in 0..10 {
            x = g.relu(x);
        }
        let (steps, a) = g.plan(&[x], &[], &[]);
        assert_eq!(steps.len(), 11);
        assert_eq!(a.total(), 2);
        assert_eq!(a.counts, [2, 0, 0, 0, 0]);
    }

    #[test]
    fn fan_out_keeps_the_value_until_its_last_consumer() {
        let mut g = G::default();
        let x = g.konst();
        let a1 = g.relu(x);
        let a2 = g.relu(a1);
        let a3 = g.relu(a2);
        let y = g.add2(a3, x);
        let (steps, a) = g.plan(&[y], &[], &[]);
        let sx = g.slot(&steps, &a, x);
        for n in [a1, a2, a3, y] {
            assert_ne!(g.slot(&steps, &a, n), sx, "node {n} took x's slot");
        }
        // x, and two alternating for the chain; y reuses a chain slot.
        assert_eq!(a.total(), 3);
    }

    #[test]
    fn fetched_values_are_never_reused() {
        let mut g = G::default();
        let x = g.konst();
        let a1 = g.relu(x);
        let a2 = g.relu(a1);
        let a3 = g.relu(a2);
        let a4 = g.relu(a3);
        let (steps, a) = g.plan(&[a1, a4], &[], &[]);
        let s1 = g.slot(&steps, &a, a1);
        for n in [a2, a3, a4] {
            assert_ne!(g.slot(&steps, &a, n), s1);
        }
        // Without a1 fetched, the chain needs two slots.
        let (_, b) = g.plan(&[a4], &[], &[]);
        assert_eq!((a.total(), b.total()), (3, 2));
    }

    #[test]
    fn an_identity_extends_its_sources_life() {
        let mut g = G::default();
        let x = g.konst();
        let h = g.relu(x);
        let id = g.identity(h);
        let id2 = g.identity(id);
        let a1 = g.relu(x);
        let a2 = g.relu(a1);
        let y = g.add2(a2, id2);
        let (steps, a) = g.plan(&[y], &[], &[]);
        assert_eq!(g.slot(&steps, &a, id), None);
        assert_eq!(g.slot(&steps, &a, id2), None);
        let sh = g.slot(&steps, &a, h);
        assert!(sh.is_some());
        for n in [a1, a2, y] {
            assert_ne!(g.slot(&steps, &a, n), sh);
        }
        // A fetched alias pins its source.
        let (steps, a) = g.plan(&[id, a2], &[], &[]);
        assert_ne!(g.slot(&steps, &a, a2), g.slot(&steps, &a, h));
    }

    #[test]
    fn no_output_shares_an_input_slot() {
        let mut g = G::default();
        let x = g.konst();
        let a1 = g.relu(x);
        let b1 = g.add2(a1, a1);
        let c1 = g.add2(b1, a1);
        let (steps, a) = g.plan(&[c1], &[], &[]);
        for (i, &n) in steps.iter().enumerate() {
            for r in g.nodes[n as usize].inputs.iter() {
                assert_ne!(a.slots[i], g.slot(&steps, &a, r.node));
            }
        }
    }

    #[test]
    fn control_inputs_are_not_uses_and_dtypes_do_not_mix() {
        let mut g = G::default();
        let x = g.konst();
        let ints = g.add(
            Op::Const(ConstValue::Int32(Cow::Borrowed(&[1]))),
            DType::Int32,
            &[],
            &[],
        );
        let cast = g.add(Op::Cast, DType::Float32, &[ints], &[]);
        // Runs after `cast` but does not read it: `cast`'s slot is free again for a1.
        let a1 = g.add(Op::Unary(UnaryOp::Relu), DType::Float32, &[x], &[cast]);
        let a2 = g.relu(a1);
        let (steps, a) = g.plan(&[a2], &[], &[]);
        assert_eq!(a.counts, [2, 0, 1, 0, 0]);
        assert_eq!(
            g.slot(&steps, &a, ints).map(|s| s.dtype),
            Some(DType::Int32)
        );
        assert_eq!(g.slot(&steps, &a, a1), g.slot(&steps, &a, cast));
    }

    #[test]
    fn dtype_indices_follow_dtype_all() {
        for (i, d) in DType::ALL.into_iter().enumerate() {
            assert_eq!(dtype_index(d), i);
        }
    }

    #[test]
    fn feeds_get_a_slot_and_variables_none() {
        let mut g = G::default();
        let p = g.add(Op::Placeholder, DType::Float32, &[], &[]);
        let v = g.add(Op::Variable { slot: 0 }, DType::Float32, &[], &[]);
        let read = g.identity(v);
        let y = g.add2(p, read);
        let lr = g.konst();
        let upd = g.add(
            Op::Apply(ApplyKind::GradientDescent),
            DType::Float32,
            &[v, lr, y],
            &[],
        );
        let (steps, a) = g.plan(&[], &[upd], &[p]);
        // After the slots of y and lr, shared with neither.
        assert_eq!(g.slot(&steps, &a, p).map(|s| s.index), Some(2));
        assert_eq!(a.counts, [3, 0, 0, 0, 0]);
        for n in [v, read, upd] {
            assert_eq!(g.slot(&steps, &a, n), None);
        }
        // A fed intermediate is a feed: its inputs are not run, nor read.
        let (steps, a) = g.plan(&[], &[upd], &[p, y]);
        assert!(!steps.contains(&p));
        assert!(g.slot(&steps, &a, y).is_some());
    }
}
