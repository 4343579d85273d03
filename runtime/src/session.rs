//! Sessions: each owns its own copy of every variable and runs pruned plans over
//! buffers it allocates once and reuses: each plan assigns its values to slots by
//! liveness (the `plan::slots` pass), and the session keeps one buffer per slot.

use crate::arena::Arena;
use crate::feed::Feed;
use crate::fetch::{Fetch, Target, Values};
use crate::fetch_into::FetchInto;
use crate::graph::{AsGraph, GraphId, ParamValue, StaticGraph};
use crate::kernels::{self, KernelContext, RngState};
use crate::plan::fusion::{fuse, Fusion};
use crate::plan::prune;
use crate::plan::slots::{assign_slots, Slot, SlotAssignment};
use crate::tensor::{Buffer, TensorView};
use crate::threads::{shared_pool, SessionOptions};
use crate::{Error, Result};
use staticflow_ir::op::AssignMode;
use staticflow_ir::shape::{fits, python_concrete, ShapeDisplay};
use staticflow_ir::{ApplyKind, Op};
use std::sync::Arc;

/// Where a node's value lives during a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Loc {
    /// Not computed in this run.
    Unset,
    /// In the arena's buffer `slot` (the node's own, or its source's for an Identity).
    Buffer(Slot),
    /// In a variable's storage (the variable op, its reads, assignments).
    Var(u32),
    /// In the caller's feed `i`.
    Feed(usize),
    /// In the graph's parameter `i`.
    Param(usize),
    /// A serialized summary, in `summary_bytes` of its node.
    Summary,
}

/// A cached pruned plan.
struct CachedPlan {
    targets: Vec<Target>,
    fed: Vec<u32>,
    steps: Vec<u32>,
    /// The buffer slot of each step's value.
    slots: SlotAssignment,
    /// The steps run as one fused loop (parallel to `steps`).
    fusion: Vec<Fusion>,
}

/// A session over one graph: variables, random state and buffers of its own.
pub struct Session {
    graph: &'static StaticGraph,
    params: Option<Arc<[ParamValue]>>,
    vars: Vec<Option<Buffer>>,
    /// The buffers of the values a run computes, by slot; as many slots as the
    /// largest cached plan needs.
    arena: Arena,
    rngs: Vec<Option<RngState>>,
    locs: Vec<Loc>,
    plans: Vec<CachedPlan>,
    targets: Vec<Target>,
    fed: Vec<u32>,
    last_plan: Option<usize>,
    /// Allocations reused by every run for kernel inputs and fetched views.
    input_scratch: Vec<TensorView<'static>>,
    fetch_scratch: Vec<Option<TensorView<'static>>>,
    /// The serialized value of each summary node computed in the last run.
    summary_bytes: Vec<Vec<u8>>,
    /// The intra-op pool and the kernels' scratch.
    kernel_ctx: KernelContext,
}

/// The elements of a view as f64 (summaries of any numeric dtype).
fn as_f64s(v: TensorView<'_>) -> Vec<f64> {
    use crate::tensor::DataView;
    match v.data {
        DataView::F32(d) => d.iter().map(|&x| f64::from(x)).collect(),
        DataView::F64(d) => d.to_vec(),
        DataView::I32(d) => d.iter().map(|&x| f64::from(x)).collect(),
        DataView::I64(d) => d.iter().map(|&x| x as f64).collect(),
        DataView::Bool(d) => d.iter().map(|&x| f64::from(u8::from(x))).collect(),
    }
}

/// Empties a vector and hands its allocation to a vector of another element type of the
/// same layout (here: views of another lifetime). No element crosses over; the in-place
/// `collect` of std keeps the buffer, so steady-state runs do not allocate for it.
fn recycle<T, U>(mut v: Vec<T>) -> Vec<U> {
    v.clear();
    v.into_iter().filter_map(|_| None).collect()
}

impl Session {
    /// A new session over `graph`'s static plan with the default options (one intra-op
    /// thread per core); no variable is initialized yet.
    ///
    /// If the operating system refuses to start the intra-op threads, the session runs
    /// single-threaded; [`Session::with_options`] reports that failure instead.
    pub fn new(graph: &impl AsGraph) -> Session {
        Session::with_options(graph, SessionOptions::default())
            .unwrap_or_else(|_| Session::with_pool(graph, None))
    }

    /// A new session over `graph`'s static plan that runs kernels with `options`.
    ///
    /// # Errors
    /// [`Error::ThreadPool`] when the intra-op threads cannot be started.
    pub fn with_options(graph: &impl AsGraph, options: SessionOptions) -> Result<Session> {
        let pool = shared_pool(options.resolved_threads())?;
        Ok(Session::with_pool(graph, pool))
    }

    fn with_pool(graph: &impl AsGraph, pool: Option<Arc<rayon::ThreadPool>>) -> Session {
        let def = graph.as_graph().def();
        let n = def.nodes.len();
        Session {
            graph: def,
            params: graph.as_graph().params(),
            vars: vec![None; def.variables.len()],
            arena: Arena::default(),
            rngs: (0..n).map(|_| None).collect(),
            locs: vec![Loc::Unset; n],
            plans: Vec::new(),
            targets: Vec::new(),
            fed: Vec::new(),
            last_plan: None,
            input_scratch: Vec::new(),
            fetch_scratch: Vec::new(),
            summary_bytes: vec![Vec::new(); n],
            kernel_ctx: KernelContext::new(pool),
        }
    }

    /// The number of threads one kernel may use in this session.
    pub fn intra_op_threads(&self) -> usize {
        self.kernel_ctx.threads()
    }

    /// Runs what `fetches` needs with `feeds` and returns the fetched values.
    ///
    /// # Errors
    /// A needed placeholder not fed, a feed of the wrong dtype or shape, an uninitialized
    /// variable, a kernel failure; the session's variables stay as they were before the
    /// failing node.
    pub fn run<F: Fetch>(&mut self, fetches: F, feeds: &[Feed<'_>]) -> Result<F::Output> {
        let mut targets = std::mem::take(&mut self.targets);
        targets.clear();
        fetches.targets(&mut targets);
        let result = self.run_targets(&targets, feeds, |values| fetches.extract(values));
        self.targets = targets;
        result
    }

    /// Runs what `fetches` needs with `feeds`, writing each fetched value into the
    /// caller's buffer: `sess.run_into((&g.train_op, Out(&g.loss, &mut loss)), feeds)`.
    /// With buffers of the right shapes, a steady-state call allocates nothing.
    ///
    /// # Errors
    /// As [`Session::run`].
    pub fn run_into<F: FetchInto>(&mut self, mut fetches: F, feeds: &[Feed<'_>]) -> Result<()> {
        let mut targets = std::mem::take(&mut self.targets);
        targets.clear();
        fetches.targets(&mut targets);
        let result = self.run_targets(&targets, feeds, |values| fetches.write(values));
        self.targets = targets;
        result
    }

    /// The body of `run` and `run_into`: computes `targets`, then hands their values
    /// to `extract`.
    fn run_targets<R>(
        &mut self,
        targets: &[Target],
        feeds: &[Feed<'_>],
        extract: impl FnOnce(&mut Values<'_>) -> Result<R>,
    ) -> Result<R> {
        let mut views = recycle(std::mem::take(&mut self.fetch_scratch));
        let result = self.execute(targets, feeds).and_then(|()| {
            views.extend(targets.iter().map(|t| {
                if t.wants_value {
                    self.view(t.node, feeds)
                } else {
                    None
                }
            }));
            let nodes = self.graph.nodes;
            let names = |n: u32| format!("{}:0", nodes[n as usize].name);
            // Summaries are bytes, not tensors: gathered only when one is fetched.
            let summaries: Vec<Option<&[u8]>> = if targets
                .iter()
                .any(|t| self.locs.get(t.node as usize) == Some(&Loc::Summary))
            {
                targets
                    .iter()
                    .map(|t| {
                        (self.locs[t.node as usize] == Loc::Summary)
                            .then(|| self.summary_bytes[t.node as usize].as_slice())
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let mut values = Values {
                views: &views,
                names: &names,
                next: 0,
                nodes: targets,
                summaries: &summaries,
            };
            extract(&mut values)
        });
        self.fetch_scratch = recycle(views);
        result
    }

    /// The identity of the session's graph (what its handles must carry).
    pub fn graph_id(&self) -> GraphId {
        GraphId::__of(self.graph)
    }

    /// The number of variables (slots `0..num_variables()`).
    pub(crate) fn num_variables(&self) -> usize {
        self.graph.variables.len()
    }

    /// The value of variable `slot`, if initialized.
    pub(crate) fn variable(&self, slot: u32) -> Option<&Buffer> {
        self.vars.get(slot as usize)?.as_ref()
    }

    /// The name of variable `slot`.
    pub(crate) fn variable_name(&self, slot: u32) -> &'static str {
        self.graph
            .variables
            .get(slot as usize)
            .map_or("?", |v| v.name)
    }

    /// The dtype and (fully known) shape of variable `slot`.
    pub(crate) fn variable_type(&self, slot: u32) -> (staticflow_ir::DType, Vec<usize>) {
        let node = self
            .graph
            .variables
            .get(slot as usize)
            .and_then(|v| self.graph.nodes.get(v.node as usize));
        match node {
            Some(n) => (n.dtype, n.shape.iter().map(|d| d.unwrap_or(0)).collect()),
            None => (staticflow_ir::DType::Float32, Vec::new()),
        }
    }

    /// Replaces the value of variable `slot` (restoring a checkpoint).
    pub(crate) fn set_variable(&mut self, slot: u32, value: Buffer) {
        if let Some(v) = self.vars.get_mut(slot as usize) {
            *v = Some(value);
        }
    }

    /// The names of the ops the last run executed, in order (fed nodes excluded).
    pub fn last_run_ops(&self) -> Vec<&'static str> {
        let nodes = self.graph.nodes;
        self.last_plan
            .and_then(|p| self.plans.get(p))
            .map(|p| {
                p.steps
                    .iter()
                    .filter(|&&n| !p.fed.contains(&n))
                    .map(|&n| crate::graph::static_str(&nodes[n as usize].name))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The number of buffer slots the last run's plan uses: values whose lifetimes do
    /// not overlap share a slot, and each fed node has one (filled only when its value
    /// is not contiguous). 0 before the first run.
    pub fn last_run_buffer_slots(&self) -> usize {
        self.last_plan
            .and_then(|p| self.plans.get(p))
            .map_or(0, |p| p.slots.total())
    }

    /// The ops the last run's plan fused, as `(first, absorbed)` name pairs: a
    /// `BiasAdd` that also applied the `Relu` reading it (one loop, no pre-activation
    /// buffer). A plan that fetches the pre-activation does not fuse it.
    pub fn last_run_fusions(&self) -> Vec<(&'static str, &'static str)> {
        let nodes = self.graph.nodes;
        let name = |n: u32| crate::graph::static_str(&nodes[n as usize].name);
        let Some(plan) = self.last_plan.and_then(|p| self.plans.get(p)) else {
            return Vec::new();
        };
        plan.steps
            .iter()
            .zip(&plan.fusion)
            .filter(|(_, &f)| f == Fusion::AliasOfInput)
            .filter_map(|(&n, _)| {
                let input = nodes[n as usize].inputs.first()?.node;
                Some((name(input), name(n)))
            })
            .collect()
    }

    /// The bytes of element storage the session's value buffers hold (their
    /// capacities, for every plan run so far; variables not included).
    pub fn buffer_bytes(&self) -> usize {
        self.arena.bytes()
    }

    fn execute(&mut self, targets: &[Target], feeds: &[Feed<'_>]) -> Result<()> {
        let nodes = self.graph.nodes;
        let mut fed = std::mem::take(&mut self.fed);
        fed.clear();
        for f in feeds {
            self.check_feed(f)?;
            fed.push(f.node);
        }
        let id = GraphId::__of(self.graph);
        if let Some(t) = targets.iter().find(|t| t.graph != id) {
            self.fed = fed;
            return Err(foreign_fetch(t));
        }
        let plan_index = match self
            .plans
            .iter()
            .position(|p| p.targets == targets && p.fed == fed)
        {
            Some(i) => i,
            None => {
                let steps = prune(nodes, targets.iter().map(|t| t.node), &fed);
                let params = self.params.as_deref().unwrap_or(&[]);
                let is_param = |n: u32| params.iter().any(|p| p.node == n);
                let fetched: Vec<u32> = targets
                    .iter()
                    .filter(|t| t.wants_value)
                    .map(|t| t.node)
                    .collect();
                let fusion = fuse(nodes, &steps, &fed, is_param, &fetched);
                let slots = assign_slots(nodes, &steps, &fed, is_param, fetched, &fusion);
                self.arena.reserve(&slots.counts);
                self.plans.push(CachedPlan {
                    targets: targets.to_vec(),
                    fed: fed.clone(),
                    steps,
                    slots,
                    fusion,
                });
                self.plans.len() - 1
            }
        };
        self.fed = fed;
        self.last_plan = Some(plan_index);
        for l in self.locs.iter_mut() {
            *l = Loc::Unset;
        }
        let steps = std::mem::take(&mut self.plans[plan_index].steps);
        let slots = std::mem::take(&mut self.plans[plan_index].slots.slots);
        let fusion = std::mem::take(&mut self.plans[plan_index].fusion);
        let result = steps
            .iter()
            .zip(&slots)
            .zip(&fusion)
            .try_for_each(|((&n, &slot), &fused)| self.step(n, slot, fused, feeds));
        self.plans[plan_index].steps = steps;
        self.plans[plan_index].slots.slots = slots;
        self.plans[plan_index].fusion = fusion;
        result
    }

    fn check_feed(&self, f: &Feed<'_>) -> Result<()> {
        if f.graph != GraphId::__of(self.graph) {
            return Err(Error::ForeignHandle {
                message: format!(
                    "Cannot interpret feed_dict key as Tensor: Tensor {} is not an element of this graph.",
                    tensor_str(f.graph, f.node)
                ),
            });
        }
        // In range: a handle of this graph names one of its nodes.
        let Some(node) = self.graph.nodes.get(f.node as usize) else {
            return Err(Error::ForeignHandle {
                message: format!("fed node {} is not an element of this graph.", f.node),
            });
        };
        let tensor = || format!("{}:0", node.name);
        if f.dtype() != node.dtype {
            return Err(Error::FeedDtype {
                tensor: tensor(),
                got: f.dtype().name(),
                expected: node.dtype.name(),
            });
        }
        if !fits(&node.shape, f.shape()) {
            return Err(Error::FeedShape {
                tensor: tensor(),
                got: python_concrete(f.shape()),
                expected: ShapeDisplay::python(&node.shape).to_string(),
            });
        }
        Ok(())
    }

    /// Executes node `n` of the current plan, writing its value (if in a buffer) to
    /// the arena's `slot`.
    fn step(
        &mut self,
        n: u32,
        slot: Option<Slot>,
        fusion: Fusion,
        feeds: &[Feed<'_>],
    ) -> Result<()> {
        let i = n as usize;
        let node = &self.graph.nodes[i];
        if let Some(fi) = feeds.iter().rposition(|f| f.node == n) {
            self.locs[i] = if feeds[fi].view().is_some() {
                Loc::Feed(fi)
            } else {
                let (slot, buffer) = self.slot_buffer(n, slot)?;
                feeds[fi].to_standard(buffer);
                Loc::Buffer(slot)
            };
            return Ok(());
        }
        if let Some(p) = self
            .params
            .as_ref()
            .and_then(|ps| ps.iter().position(|p| p.node == n))
        {
            self.locs[i] = Loc::Param(p);
            return Ok(());
        }
        if fusion == Fusion::AliasOfInput {
            // The fused step before already wrote this node's value.
            let src = node.inputs.first().map_or(0, |r| r.node);
            self.locs[i] = self.locs[src as usize];
            return Ok(());
        }
        match &node.op {
            Op::Placeholder => Err(Error::MissingFeed {
                name: node.name.to_string(),
                dtype: node.dtype.kernel_name(),
                shape: self.graph_shape_text(n),
            }),
            Op::Variable { slot } => {
                self.locs[i] = Loc::Var(*slot);
                Ok(())
            }
            Op::NoOp => Ok(()),
            Op::Identity | Op::PlaceholderWithDefault => {
                let src = node.inputs.first().map_or(0, |r| r.node);
                let loc = self.locs[src as usize];
                if let Loc::Var(slot) = loc {
                    self.require_initialized(slot)?;
                }
                self.locs[i] = loc;
                Ok(())
            }
            Op::Assign { slot, mode } => self.assign(n, *slot, *mode, feeds),
            Op::Apply(kind) => self.apply(n, *kind, feeds),
            Op::ScalarSummary { .. } | Op::HistogramSummary { .. } | Op::MergeSummary => {
                self.summarize(n, feeds)
            }
            op => {
                let (slot, out) = self.slot_buffer(n, slot)?;
                let mut out = std::mem::replace(out, Buffer::empty(node.dtype));
                let mut rng = match op {
                    Op::Random { seed, seed2, .. } | Op::DropoutMask { seed, seed2, .. } => Some(
                        self.rngs[i]
                            .take()
                            .unwrap_or_else(|| RngState::new(*seed, *seed2)),
                    ),
                    _ => None,
                };
                let mut inputs = recycle(std::mem::take(&mut self.input_scratch));
                // Out of `self` while the inputs borrow it (taking it allocates nothing).
                let mut ctx = std::mem::take(&mut self.kernel_ctx);
                let result = (|| -> Result<std::result::Result<(), kernels::KernelError>> {
                    for r in node.inputs.iter() {
                        inputs.push(self.input_view(r.node, feeds)?);
                    }
                    Ok(if fusion == Fusion::BiasAddRelu {
                        kernels::bias_add_relu(&inputs, &mut out)
                    } else {
                        kernels::compute_with(
                            op,
                            node.dtype,
                            &node.shape,
                            &inputs,
                            &mut out,
                            rng.as_mut(),
                            &mut ctx,
                        )
                    })
                })();
                self.input_scratch = recycle(inputs);
                self.kernel_ctx = ctx;
                self.arena.put(slot, out);
                if rng.is_some() {
                    self.rngs[i] = rng;
                }
                let result = result?;
                result.map_err(|e| Error::Kernel {
                    node: node.name.to_string(),
                    op: op.tf_type(),
                    message: e.to_string(),
                })?;
                self.locs[i] = Loc::Buffer(slot);
                Ok(())
            }
        }
    }

    /// The arena buffer the plan assigned to node `n`'s value. Every step that writes a
    /// buffer has a slot, so the error is for a planner bug, not a user's.
    fn slot_buffer(&mut self, n: u32, slot: Option<Slot>) -> Result<(Slot, &mut Buffer)> {
        let node = &self.graph.nodes[n as usize];
        slot.and_then(|s| Some((s, self.arena.get_mut(s)?)))
            .ok_or_else(|| Error::Kernel {
                node: node.name.to_string(),
                op: node.op.tf_type(),
                message: "internal error: the plan gave this node no buffer".into(),
            })
    }

    fn assign(&mut self, n: u32, slot: u32, mode: AssignMode, feeds: &[Feed<'_>]) -> Result<()> {
        let node = &self.graph.nodes[n as usize];
        let value_node = node.inputs.get(1).map_or(0, |r| r.node);
        if mode != AssignMode::Set {
            self.require_initialized(slot)?;
        }
        let s = slot as usize;
        let mut var = self.vars[s]
            .take()
            .unwrap_or_else(|| Buffer::empty(node.dtype));
        let result = if self.locs[value_node as usize] == Loc::Var(slot) {
            // `x.assign(x)` and friends: the value is the variable itself.
            let copy = var.clone();
            kernels::assign(mode, &mut var, copy.view())
        } else {
            match self.input_view(value_node, feeds) {
                Ok(v) => kernels::assign(mode, &mut var, v),
                Err(e) => {
                    self.vars[s] = Some(var);
                    return Err(e);
                }
            }
        };
        self.vars[s] = Some(var);
        result.map_err(|e| Error::Kernel {
            node: node.name.to_string(),
            op: node.op.tf_type(),
            message: e.to_string(),
        })?;
        self.locs[n as usize] = Loc::Var(slot);
        Ok(())
    }

    /// An optimizer update: the variable and its slots are taken out of the session
    /// for the kernel to update in place, then put back.
    fn apply(&mut self, n: u32, kind: ApplyKind, feeds: &[Feed<'_>]) -> Result<()> {
        let node = &self.graph.nodes[n as usize];
        let refs = kind.num_refs();
        let mut slots = [0u32; 3];
        for (k, r) in node.inputs.iter().take(refs).enumerate() {
            match self.graph.nodes[r.node as usize].op {
                Op::Variable { slot } => {
                    self.require_initialized(slot)?;
                    slots[k] = slot;
                }
                _ => {
                    return Err(Error::Kernel {
                        node: node.name.to_string(),
                        op: node.op.tf_type(),
                        message: format!("input {k} must be a variable"),
                    })
                }
            }
        }
        let mut taken: [Buffer; 3] = std::array::from_fn(|_| Buffer::empty(node.dtype));
        for k in 0..refs {
            if let Some(b) = self.vars[slots[k] as usize].take() {
                taken[k] = b;
            }
        }
        let mut inputs = recycle(std::mem::take(&mut self.input_scratch));
        let result = (|| -> Result<std::result::Result<(), kernels::KernelError>> {
            for r in node.inputs.iter().skip(refs) {
                inputs.push(self.input_view(r.node, feeds)?);
            }
            let [a, b, c] = &mut taken;
            Ok(match refs {
                1 => kernels::apply(kind, &mut [a], &inputs),
                2 => kernels::apply(kind, &mut [a, b], &inputs),
                _ => kernels::apply(kind, &mut [a, b, c], &inputs),
            })
        })();
        self.input_scratch = recycle(inputs);
        for k in 0..refs {
            self.vars[slots[k] as usize] =
                Some(std::mem::replace(&mut taken[k], Buffer::empty(node.dtype)));
        }
        result?.map_err(|e| Error::Kernel {
            node: node.name.to_string(),
            op: node.op.tf_type(),
            message: e.to_string(),
        })?;
        self.locs[n as usize] = Loc::Var(slots[0]);
        Ok(())
    }

    /// Serializes a summary op's `Summary` proto (host-side work, like TF's CPU kernels).
    fn summarize(&mut self, n: u32, feeds: &[Feed<'_>]) -> Result<()> {
        let i = n as usize;
        let node = &self.graph.nodes[i];
        let bytes = match &node.op {
            Op::MergeSummary => {
                let parts: Vec<&[u8]> = node
                    .inputs
                    .iter()
                    .map(|r| self.summary_bytes[r.node as usize].as_slice())
                    .collect();
                crate::summary::merge_summaries(&parts).map_err(|e| Error::Kernel {
                    node: node.name.to_string(),
                    op: node.op.tf_type(),
                    message: e.to_string(),
                })?
            }
            op => {
                let src = node.inputs.first().map_or(0, |r| r.node);
                let values = as_f64s(self.input_view(src, feeds)?);
                match op {
                    Op::ScalarSummary { tag } => {
                        let value = values.first().copied().unwrap_or(f64::NAN);
                        crate::summary::scalar_summary(tag, value as f32)
                    }
                    Op::HistogramSummary { tag } => crate::summary::histogram_summary(tag, &values),
                    _ => Vec::new(),
                }
            }
        };
        self.summary_bytes[i] = bytes;
        self.locs[i] = Loc::Summary;
        Ok(())
    }

    fn require_initialized(&self, slot: u32) -> Result<()> {
        match self.vars.get(slot as usize) {
            Some(Some(_)) => Ok(()),
            _ => Err(Error::Uninitialized {
                name: self
                    .graph
                    .variables
                    .get(slot as usize)
                    .map_or("?", |v| v.name)
                    .to_string(),
            }),
        }
    }

    fn graph_shape_text(&self, n: u32) -> String {
        crate::graph::Graph::from_static(self.graph).shape_text(n)
    }

    /// The value of node `n` as an op input: an error for uninitialized variables.
    fn input_view<'s>(&'s self, n: u32, feeds: &'s [Feed<'_>]) -> Result<TensorView<'s>> {
        if let Loc::Var(slot) = self.locs[n as usize] {
            self.require_initialized(slot)?;
        }
        self.view(n, feeds).ok_or_else(|| Error::Kernel {
            node: self.graph.nodes[n as usize].name.to_string(),
            op: self.graph.nodes[n as usize].op.tf_type(),
            message: "this node has no value in this run".into(),
        })
    }

    fn view<'s>(&'s self, n: u32, feeds: &'s [Feed<'_>]) -> Option<TensorView<'s>> {
        match self.locs.get(n as usize)? {
            Loc::Unset | Loc::Summary => None,
            Loc::Buffer(slot) => Some(self.arena.get(*slot)?.view()),
            Loc::Var(slot) => self.vars.get(*slot as usize)?.as_ref().map(Buffer::view),
            Loc::Feed(i) => feeds.get(*i)?.view(),
            Loc::Param(i) => Some(self.params.as_ref()?.get(*i)?.buffer.view()),
        }
    }
}

/// TF's error for fetching a handle of another graph (`session.py`'s
/// `Fetch argument %r cannot be interpreted as a Tensor. (%s)` around `ops.py`'s
/// `... is not an element of this graph.`). The handle's node is described from its own
/// graph's plan, as TF prints the foreign tensor or operation.
fn foreign_fetch(t: &Target) -> Error {
    let def = t.graph.def();
    let message = match def.nodes.get(t.node as usize) {
        Some(node) if !t.wants_value => format!(
            "Fetch argument <tf.Operation '{name}' type={op}> cannot be interpreted as a Tensor. \
             (Operation name: \"{name}\"\nop: \"{op}\"\n is not an element of this graph.)",
            name = node.name,
            op = node.op.tf_type(),
        ),
        Some(_) => format!(
            "Fetch argument {} cannot be interpreted as a Tensor. (Tensor {} is not an element of this graph.)",
            tensor_repr(t.graph, t.node),
            tensor_str(t.graph, t.node)
        ),
        None => format!("node {} is not an element of this graph.", t.node),
    };
    Error::ForeignHandle { message }
}

/// A fetched node as TF's Python shows it: `theta:0` with a `_ref` dtype for a
/// variable's read (TF fetches the variable itself), else the node's output 0.
fn tensor_parts(graph: GraphId, node: u32) -> (String, String, String) {
    let def = graph.def();
    let read_of = def.variables.iter().find(|v| v.read == node);
    let n = read_of.map_or(node, |v| v.node) as usize;
    match def.nodes.get(n) {
        Some(nd) => (
            format!("{}:0", nd.name),
            ShapeDisplay::python(&nd.shape).to_string(),
            format!(
                "{}{}",
                nd.dtype,
                if read_of.is_some() { "_ref" } else { "" }
            ),
        ),
        None => (
            format!("node {node}"),
            "<unknown>".into(),
            "<unknown>".into(),
        ),
    }
}

/// `Tensor("x:0", shape=(?, 3), dtype=float32)`, TF's `str(tensor)`.
fn tensor_str(graph: GraphId, node: u32) -> String {
    let (name, shape, dtype) = tensor_parts(graph, node);
    format!("Tensor(\"{name}\", shape={shape}, dtype={dtype})")
}

/// `<tf.Tensor 'x:0' shape=(?, 3) dtype=float32>`, TF's `repr(tensor)`.
fn tensor_repr(graph: GraphId, node: u32) -> String {
    let (name, shape, dtype) = tensor_parts(graph, node);
    format!("<tf.Tensor '{name}' shape={shape} dtype={dtype}>")
}
