//! The op table shared by the `graph!` macro and the runtime.
//!
//! Each op's semantics live here once: its TensorFlow type name, its dtype rule and its
//! shape rule ([`infer`]). The macro uses them to check a graph while the crate compiles;
//! the runtime uses the same types to describe the static plan the macro emits
//! ([`Node`]) and the same shape helpers to size its buffers.
#![deny(missing_docs)]

pub mod dtype;
pub mod infer;
pub mod node;
pub mod op;
pub mod shape;
pub mod value;

pub use dtype::DType;
pub use infer::{infer, InferError, TensorType};
pub use node::{Node, OutputRef};
pub use op::{ApplyKind, BinaryOp, Op, RandomDist, ReduceKind, UnaryOp};
pub use shape::{Dim, ShapeDisplay};
pub use value::ConstValue;
