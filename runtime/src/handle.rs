//! Typed handles: the public fields of a `graph!` type.
//!
//! A handle names a node of the static plan and carries its TF names; its element type
//! and rank are type parameters, so fetching gives `f32` for a rank-0 float32 tensor and
//! `Array2<f32>` for a rank-2 one.

use crate::graph::{static_str, GraphId};
use crate::session::Session;
use crate::Result;
use staticflow_ir::{DType, Dim, Node};
use std::marker::PhantomData;

/// A tensor of element type `T` and rank `D` (an ndarray dimension type).
pub struct Tensor<T, D> {
    pub(crate) graph: GraphId,
    pub(crate) node: u32,
    name: &'static str,
    op_name: &'static str,
    shape: &'static [Dim],
    _type: PhantomData<fn() -> (T, D)>,
}

impl<T, D> Clone for Tensor<T, D> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, D> Copy for Tensor<T, D> {}

impl<T: crate::tensor::Element, D> std::fmt::Debug for Tensor<T, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "<tf.Tensor '{}' shape={} dtype={}>",
            self.name,
            staticflow_ir::ShapeDisplay::python(self.shape),
            T::DTYPE
        )
    }
}

impl<T: crate::tensor::Element, D> Tensor<T, D> {
    /// Used by generated code.
    #[doc(hidden)]
    pub const fn __new(
        graph: GraphId,
        node: u32,
        name: &'static str,
        op_name: &'static str,
        shape: &'static [Dim],
    ) -> Self {
        Tensor {
            graph,
            node,
            name,
            op_name,
            shape,
            _type: PhantomData,
        }
    }

    /// The tensor's TF name, `op:0`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The name of the op that produces it.
    pub fn op_name(&self) -> &'static str {
        self.op_name
    }

    /// The static shape (`None` dims are known only at run time).
    pub fn shape(&self) -> &'static [Dim] {
        self.shape
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        T::DTYPE
    }

    /// The index of the producing node in the plan.
    pub fn node_index(&self) -> u32 {
        self.node
    }
}

/// A variable: a tensor whose value lives in each session.
pub struct Variable<T, D> {
    pub(crate) tensor: Tensor<T, D>,
    pub(crate) read: u32,
    initializer: Operation,
    index: u32,
}

impl<T, D> Clone for Variable<T, D> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, D> Copy for Variable<T, D> {}

impl<T: crate::tensor::Element, D> std::fmt::Debug for Variable<T, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "<tf.Variable '{}' shape={} dtype={}_ref>",
            self.tensor.name,
            staticflow_ir::ShapeDisplay::python(self.tensor.shape),
            T::DTYPE
        )
    }
}

impl<T: crate::tensor::Element, D> Variable<T, D> {
    /// Used by generated code.
    #[doc(hidden)]
    pub const fn __new(
        tensor: Tensor<T, D>,
        read: u32,
        initializer: Operation,
        index: u32,
    ) -> Self {
        Variable {
            tensor,
            read,
            initializer,
            index,
        }
    }

    /// The variable's TF name, `theta:0`.
    pub fn name(&self) -> &'static str {
        self.tensor.name
    }

    /// The variable op's name, `theta`.
    pub fn op_name(&self) -> &'static str {
        self.tensor.op_name
    }

    /// The static shape.
    pub fn shape(&self) -> &'static [Dim] {
        self.tensor.shape
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        T::DTYPE
    }

    /// The op that initializes it (`theta/Assign`), TF's `Variable.initializer`.
    pub fn initializer(&self) -> Operation {
        self.initializer
    }

    /// The variable's index among the graph's variables.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// Fetches its value in `sess` (TF's `Variable.eval()`).
    ///
    /// # Errors
    /// As [`Session::run`]; uninitialized variables give [`crate::Error::Uninitialized`].
    pub fn eval(&self, sess: &mut Session) -> Result<<Self as crate::fetch::Fetch>::Output>
    where
        Self: crate::fetch::Fetch,
    {
        sess.run(*self, &[])
    }
}

impl<T: crate::tensor::Element, D> Tensor<T, D> {
    /// Fetches its value in `sess` with no feeds (TF's `Tensor.eval()`).
    ///
    /// # Errors
    /// As [`Session::run`].
    pub fn eval(&self, sess: &mut Session) -> Result<<Self as crate::fetch::Fetch>::Output>
    where
        Self: crate::fetch::Fetch,
    {
        sess.run(*self, &[])
    }
}

/// An op without a useful output: initializers, `group`, `no_op`, assignments run for
/// their effect.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    pub(crate) graph: GraphId,
    pub(crate) node: u32,
    name: &'static str,
}

impl std::fmt::Debug for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<Operation '{}'>", self.name)
    }
}

impl Operation {
    /// Used by generated code.
    #[doc(hidden)]
    pub const fn __new(graph: GraphId, node: u32, name: &'static str) -> Self {
        Operation { graph, node, name }
    }

    /// The op's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Runs it in `sess` (TF's `Operation.run()`).
    ///
    /// # Errors
    /// As [`Session::run`].
    pub fn run(&self, sess: &mut Session) -> Result<()> {
        sess.run(*self, &[])
    }
}

/// A summary op (`summary::scalar`, `summary::merge_all`): fetching it gives the
/// serialized `Summary` protocol buffer, as in TF, for `FileWriter::add_summary`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub(crate) graph: GraphId,
    pub(crate) node: u32,
    name: &'static str,
}

impl std::fmt::Debug for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<tf.Tensor '{}' shape=() dtype=string>", self.name)
    }
}

impl Summary {
    /// Used by generated code.
    #[doc(hidden)]
    pub const fn __new(graph: GraphId, node: u32, name: &'static str) -> Self {
        Summary { graph, node, name }
    }

    /// The tensor name (`loss/MSE:0`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Fetches the serialized summary in `sess` (TF's `summary.eval()`).
    ///
    /// # Errors
    /// As [`Session::run`].
    pub fn eval(&self, sess: &mut Session) -> Result<Vec<u8>> {
        sess.run(*self, &[])
    }
}

/// A tensor found by name at run time: dtype and rank are checked when it is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnyTensor {
    pub(crate) graph: GraphId,
    pub(crate) node: u32,
    op_name: &'static str,
    dtype: DType,
    shape: &'static [Dim],
}

impl AnyTensor {
    pub(crate) fn __new(graph: GraphId, node: u32, n: &'static Node) -> Self {
        let shape: &'static [Dim] = match &n.shape {
            std::borrow::Cow::Borrowed(s) => s,
            std::borrow::Cow::Owned(o) => Box::leak(o.clone().into_boxed_slice()),
        };
        AnyTensor {
            graph,
            node,
            op_name: static_str(&n.name),
            dtype: n.dtype,
            shape,
        }
    }

    /// Used by generated code for lists of handles of different types.
    #[doc(hidden)]
    pub const fn __from_parts(
        graph: GraphId,
        node: u32,
        op_name: &'static str,
        dtype: DType,
        shape: &'static [Dim],
    ) -> Self {
        AnyTensor {
            graph,
            node,
            op_name,
            dtype,
            shape,
        }
    }

    /// The tensor's TF name, `op:0`.
    pub fn name(&self) -> String {
        format!("{}:0", self.op_name)
    }

    /// The producing op's name.
    pub fn op_name(&self) -> &'static str {
        self.op_name
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// The static shape.
    pub fn shape(&self) -> &'static [Dim] {
        self.shape
    }
}
