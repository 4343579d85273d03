//! Reverse-mode autodiff at compile time: `gradients(ys, xs, grad_ys)` builds the
//! backward nodes under `gradients/`, named `gradients/<op>_grad/...` as TF names them.
//!
//! As in TF (and tinygrad): only ops on a path from an x to a y are differentiated,
//! partial gradients of a node used several times are summed (`gradients/AddN`), a
//! broadcast gradient is summed back to its input's shape, ops without a gradient
//! (argmax, equal, casts to int) give `None`, and `stop_gradient` blocks.

use super::builtins::add_node;
use super::graph::GraphB;
use super::Interp;
use crate::ctxt::{Reported, Sp};
use staticflow_ir::{BinaryOp, Dim, Op, UnaryOp};
use std::collections::HashMap;

impl Interp {
    /// `tf.gradients`: one gradient node per x, or `None` where no path leads to a y.
    /// `xs` are node indices (a variable is its VariableV2 node).
    pub(super) fn gradients(
        &mut self,
        ys: &[u32],
        xs: &[u32],
        grad_ys: &[Option<u32>],
        stop: &[u32],
        name: &str,
        sp: Sp,
    ) -> Result<Vec<Option<u32>>, Reported> {
        let n = self.g.nodes.len();
        // Backward reachability from ys, forward from xs: the nodes in between.
        let mut back = vec![false; n];
        let mut stack: Vec<u32> = ys.to_vec();
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut back[i as usize], true) {
                continue;
            }
            stack.extend(self.g.nodes[i as usize].inputs.iter().map(|r| r.node));
        }
        let mut fwd = vec![false; n];
        for i in 0..n {
            fwd[i] = xs.contains(&(i as u32))
                || self.g.nodes[i].inputs.iter().any(|r| fwd[r.node as usize]);
        }
        let between: Vec<bool> = (0..n).map(|i| back[i] && fwd[i]).collect();

        let scope = self.g.unique_name(name);
        let prev = self.g.push_name_scope(Some(&format!("{scope}/")));
        let result = self.backprop(ys, xs, grad_ys, stop, &between, sp);
        self.g.pop_name_scope(prev);
        result
    }

    fn backprop(
        &mut self,
        ys: &[u32],
        xs: &[u32],
        grad_ys: &[Option<u32>],
        stop: &[u32],
        between: &[bool],
        sp: Sp,
    ) -> Result<Vec<Option<u32>>, Reported> {
        let mut partials: HashMap<u32, Vec<u32>> = HashMap::new();
        for (i, &y) in ys.iter().enumerate() {
            let gy = match grad_ys.get(i).copied().flatten() {
                Some(g) => g,
                None => {
                    let ty = self.g.ty(y).clone();
                    self.g.add(
                        &format!("grad_ys_{i}"),
                        Op::OnesLike,
                        vec![GraphB::out(y)],
                        ty,
                    )
                }
            };
            partials.entry(y).or_default().push(gy);
        }
        let mut finals: HashMap<u32, u32> = HashMap::new();
        let top = ys.iter().copied().max().unwrap_or(0);
        for node in (0..=top).rev() {
            let Some(parts) = partials.remove(&node) else {
                continue;
            };
            let dz = self.aggregate(parts, sp)?;
            finals.insert(node, dz);
            let op = &self.g.nodes[node as usize].op;
            let blocked = stop.contains(&node)
                || matches!(op, Op::StopGradient)
                || !self.g.ty(node).dtype.is_float();
            if blocked || !between[node as usize] {
                continue;
            }
            let grad_scope = format!("{}_grad", self.g.nodes[node as usize].name);
            let prev = self.g.push_name_scope(Some(&grad_scope));
            let in_grads = self.grad_rule(node, dz, sp);
            self.g.pop_name_scope(prev);
            let inputs = self.g.nodes[node as usize].inputs.clone();
            for (input, g) in inputs.iter().zip(in_grads?) {
                let src = input.node;
                if let Some(g) = g {
                    if between[src as usize] && self.g.ty(src).dtype.is_float() {
                        partials.entry(src).or_default().push(g);
                    }
                }
            }
        }
        Ok(xs.iter().map(|x| finals.get(x).copied()).collect())
    }

    /// Sums the partial gradients of one node (`gradients/AddN`).
    fn aggregate(&mut self, parts: Vec<u32>, sp: Sp) -> Result<u32, Reported> {
        match parts[..] {
            [single] => Ok(single),
            _ => {
                let name = self.g.unique_name("AddN");
                add_node(self, name, Op::AddN, &parts, sp)
            }
        }
    }

    /// Adds one backward op named after its TF type (uniquified in the `_grad` scope).
    fn gop(&mut self, op: Op, inputs: &[u32], sp: Sp) -> Result<u32, Reported> {
        let name = self.g.unique_name(op.tf_type());
        add_node(self, name, op, inputs, sp)
    }

    /// Sums `g` (shaped like `out`) back to the shape of `x`, the input of a
    /// broadcasting op whose other input is `other`; no op when nothing can broadcast.
    fn sum_to(&mut self, g: u32, x: u32, other: u32, sp: Sp) -> Result<u32, Reported> {
        let xs = self.g.ty(x).shape.clone();
        let os = self.g.ty(other).shape.clone();
        let gs = self.g.ty(g).shape.clone();
        if !broadcasts(&xs, &os, &gs) {
            return Ok(g);
        }
        self.gop(Op::SumToShape, &[g, x], sp)
    }

    /// The gradients of node `n`'s inputs given the gradient `dz` of its output.
    fn grad_rule(&mut self, n: u32, dz: u32, sp: Sp) -> Result<Vec<Option<u32>>, Reported> {
        let node = self.g.nodes[n as usize].clone();
        let input = |k: usize| node.inputs.get(k).map_or(0, |r| r.node);
        let none = |count: usize| vec![None; count];
        Ok(match &node.op {
            Op::Identity => vec![Some(dz)],
            Op::Unary(UnaryOp::Neg) => vec![Some(self.gop(Op::Unary(UnaryOp::Neg), &[dz], sp)?)],
            Op::Unary(u) => {
                // ReluGrad reads the Relu's output, as TF's _ReluGrad does: then nothing
                // but the Relu reads a dense layer's BiasAdd, and the two can fuse.
                let x = if *u == UnaryOp::Relu { n } else { input(0) };
                vec![Some(self.gop(Op::UnaryGrad(*u), &[x, n, dz], sp)?)]
            }
            Op::Binary(b) => {
                let (x, y) = (input(0), input(1));
                match b {
                    BinaryOp::AddV2 | BinaryOp::Add => {
                        vec![
                            Some(self.sum_to(dz, x, y, sp)?),
                            Some(self.sum_to(dz, y, x, sp)?),
                        ]
                    }
                    BinaryOp::Sub => {
                        let neg = self.gop(Op::Unary(UnaryOp::Neg), &[dz], sp)?;
                        vec![
                            Some(self.sum_to(dz, x, y, sp)?),
                            Some(self.sum_to(neg, y, x, sp)?),
                        ]
                    }
                    BinaryOp::Mul => {
                        let gx = self.gop(Op::Binary(BinaryOp::Mul), &[dz, y], sp)?;
                        let gy = self.gop(Op::Binary(BinaryOp::Mul), &[x, dz], sp)?;
                        vec![
                            Some(self.sum_to(gx, x, y, sp)?),
                            Some(self.sum_to(gy, y, x, sp)?),
                        ]
                    }
                    BinaryOp::RealDiv => {
                        let gx = self.gop(Op::Binary(BinaryOp::RealDiv), &[dz, y], sp)?;
                        let gy = self.gop(
                            Op::BinaryGrad {
                                op: BinaryOp::RealDiv,
                                wrt: 1,
                            },
                            &[x, y, dz],
                            sp,
                        )?;
                        vec![
                            Some(self.sum_to(gx, x, y, sp)?),
                            Some(self.sum_to(gy, y, x, sp)?),
                        ]
                    }
                    BinaryOp::Pow | BinaryOp::Maximum | BinaryOp::Minimum => {
                        let gx = self.gop(Op::BinaryGrad { op: *b, wrt: 0 }, &[x, y, dz], sp)?;
                        let gy = self.gop(Op::BinaryGrad { op: *b, wrt: 1 }, &[x, y, dz], sp)?;
                        vec![
                            Some(self.sum_to(gx, x, y, sp)?),
                            Some(self.sum_to(gy, y, x, sp)?),
                        ]
                    }
                    BinaryOp::Equal => none(2),
                }
            }
            Op::MatMul {
                transpose_a,
                transpose_b,
            } => {
                let (a, b) = (input(0), input(1));
                let mm = |ta: bool, tb: bool| Op::MatMul {
                    transpose_a: ta,
                    transpose_b: tb,
                };
                let (ga, gb) = match (transpose_a, transpose_b) {
                    (false, false) => (
                        self.gop(mm(false, true), &[dz, b], sp)?,
                        self.gop(mm(true, false), &[a, dz], sp)?,
                    ),
                    (false, true) => (
                        self.gop(mm(false, false), &[dz, b], sp)?,
                        self.gop(mm(true, false), &[dz, a], sp)?,
                    ),
                    (true, false) => (
                        self.gop(mm(false, true), &[b, dz], sp)?,
                        self.gop(mm(false, false), &[a, dz], sp)?,
                    ),
                    (true, true) => (
                        self.gop(mm(true, true), &[b, dz], sp)?,
                        self.gop(mm(true, true), &[dz, a], sp)?,
                    ),
                };
                vec![Some(ga), Some(gb)]
            }
            Op::Transpose { perm } => {
                let mut inverse = vec![0; perm.len()];
                for (i, &p) in perm.iter().enumerate() {
                    inverse[p] = i;
                }
                let op = Op::Transpose {
                    perm: inverse.into(),
                };
                vec![Some(self.gop(op, &[dz], sp)?)]
            }
            Op::Reshape { .. } => vec![Some(self.gop(Op::ReshapeLike, &[dz, input(0)], sp)?)],
            Op::Concat { axis } => {
                let mut args = vec![dz];
                args.extend(node.inputs.iter().map(|r| r.node));
                (0..node.inputs.len())
                    .map(|index| {
                        self.gop(Op::ConcatGrad { axis: *axis, index }, &args, sp)
                            .map(Some)
                    })
                    .collect::<Result<_, _>>()?
            }
            Op::MatrixInverse => {
                // d(A^-1) = -A^-T dY A^-T, with the forward output as A^-1.
                let t = self.gop(
                    Op::MatMul {
                        transpose_a: true,
                        transpose_b: false,
                    },
                    &[n, dz],
                    sp,
                )?;
                let u = self.gop(
                    Op::MatMul {
                        transpose_a: false,
                        transpose_b: true,
                    },
                    &[t, n],
                    sp,
                )?;
                vec![Some(self.gop(Op::Unary(UnaryOp::Neg), &[u], sp)?)]
            }
            Op::Reduce {
                kind,
                axes,
                keep_dims,
            } => {
                let op = Op::ReduceGrad {
                    kind: *kind,
                    axes: axes.clone(),
                    keep_dims: *keep_dims,
                };
                let mut grads = vec![Some(self.gop(op, &[input(0), n, dz], sp)?)];
                grads.resize(node.inputs.len(), None);
                grads
            }
            Op::AddN => vec![Some(dz); node.inputs.len()],
            Op::Softmax => vec![Some(self.gop(Op::SoftmaxGrad, &[n, dz], sp)?)],
            Op::LogSoftmax => vec![Some(self.gop(Op::LogSoftmaxGrad, &[n, dz], sp)?)],
            Op::Cast => {
                let x = input(0);
                let from = self.g.ty(x).dtype;
                if from.is_float() {
                    let ty = self.g.ty(x).clone();
                    let name = self.g.unique_name("Cast");
                    vec![Some(self.g.add_exact(
                        name,
                        Op::Cast,
                        vec![GraphB::out(dz)],
                        ty,
                    ))]
                } else {
                    none(1)
                }
            }
            Op::BiasAdd => vec![Some(dz), Some(self.gop(Op::BiasAddGrad, &[dz], sp)?)],
            Op::SoftmaxCrossEntropy => {
                let g = self.gop(Op::SoftmaxCrossEntropyGrad, &[input(0), input(1), dz], sp)?;
                vec![Some(g), None]
            }
            Op::SparseSoftmaxCrossEntropy => {
                let g = self.gop(
                    Op::SparseSoftmaxCrossEntropyGrad,
                    &[input(0), input(1), dz],
                    sp,
                )?;
                vec![Some(g), None]
            }
            Op::SigmoidCrossEntropy => {
                let g = self.gop(Op::SigmoidCrossEntropyGrad, &[input(0), input(1), dz], sp)?;
                vec![Some(g), None]
            }
            Op::L2Loss => vec![Some(self.gop(
                Op::Binary(BinaryOp::Mul),
                &[input(0), dz],
                sp,
            )?)],
            Op::Conv2D { strides, padding } => {
                let (x, f) = (input(0), input(1));
                let (strides, padding) = (*strides, *padding);
                let gx = self.gop(
                    Op::Conv2DBackpropInput { strides, padding },
                    &[x, f, dz],
                    sp,
                )?;
                let gf = self.gop(
                    Op::Conv2DBackpropFilter { strides, padding },
                    &[x, f, dz],
                    sp,
                )?;
                vec![Some(gx), Some(gf)]
            }
            Op::MaxPool {
                ksize,
                strides,
                padding,
            } => {
                let op = Op::MaxPoolGrad {
                    ksize: *ksize,
                    strides: *strides,
                    padding: *padding,
                };
                vec![Some(self.gop(op, &[input(0), n, dz], sp)?)]
            }
            Op::AvgPool {
                ksize,
                strides,
                padding,
            } => {
                let op = Op::AvgPoolGrad {
                    ksize: *ksize,
                    strides: *strides,
                    padding: *padding,
                };
                vec![Some(self.gop(op, &[input(0), dz], sp)?)]
            }
            // Sources, integer-valued ops, state updates and backward ops themselves.
            _ => none(node.inputs.len()),
        })
    }
}

/// True when `x` may have been broadcast against `other` to `out`: some dim of `out`
/// may differ from `x`'s (padding dims, or a dim that `other` decides).
fn broadcasts(x: &[Dim], other: &[Dim], out: &[Dim]) -> bool {
    if x.len() != out.len() {
        return true;
    }
    let rank = out.len();
    (0..rank).any(|i| {
        let k = rank - 1 - i;
        let xd = x[k];
        let od = out[k];
        let other_d = if i < other.len() {
            other[other.len() - 1 - i]
        } else {
            Some(1)
        };
        match (xd, od) {
            // Known and equal: nothing to sum here.
            (Some(a), Some(b)) if a == b => false,
            // Only `x` decides this dim when the other side is 1 (or absent).
            _ if other_d == Some(1) => false,
            _ => true,
        }
    })
}
