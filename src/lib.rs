//! staticflow: TensorFlow 1.x graph mode for Rust, with the graph built at compile time.
//!
//! Write TF1 construction code inside [`graph!`]; the macro checks names, scopes,
//! variable reuse, dtypes and shapes while the crate compiles and emits a plain Rust type
//! whose public fields are typed handles. A [`Session`] runs the static plan.
//!
//! ```
//! use staticflow::prelude::*;
//!
//! graph! {
//!     pub struct First {
//!         let x = Variable(3, name = "x");
//!         let y = Variable(4, name = "y");
//!         let f = x * x * y + y + 2;
//!         let init = global_variables_initializer();
//!     }
//! }
//!
//! # fn main() -> Result<(), staticflow::Error> {
//! let g = First::new();
//! let mut sess = Session::new(&g);
//! sess.run(&g.init, feed![])?;
//! let f: i32 = sess.run(&g.f, feed![])?;
//! assert_eq!(f, 42);
//! assert_eq!(g.f.name(), "add_1:0");
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod datasets;

pub use ndarray;
pub use staticflow_ir::{DType, Dim};
pub use staticflow_macros::graph;
pub use staticflow_runtime::*;

/// Everything a program using `graph!` needs in scope.
pub mod prelude {
    pub use crate::feed;
    pub use staticflow_macros::graph;
    pub use staticflow_runtime::{
        AnyTensor, AsGraph, Error, Feed, FeedTarget, Graph, Operation, Out, Session,
        SessionOptions, Tensor, TensorValue, Variable,
    };
}

/// Builds the feeds of one run: `feed![g.X => &x_batch, g.y => &y_batch]`.
///
/// A typed handle takes a value of its element type and rank (`&Array2<f32>` for a
/// `Tensor<f32, Ix2>`, a plain `f32` for a scalar), so literals infer their type from the
/// placeholder; a handle found by name takes any array and is checked when run.
#[macro_export]
macro_rules! feed {
    () => {
        &[] as &[$crate::Feed<'_>]
    };
    ($($target:expr => $value:expr),+ $(,)?) => {
        &[$($crate::FeedTarget::feed(&$target, $value)),+]
    };
}

/// Used by code the macro generates; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use staticflow_ir::op::{AssignMode, Padding};
    pub use staticflow_ir::{
        ApplyKind, BinaryOp, ConstValue, DType, Node, Op, OutputRef, RandomDist, ReduceKind,
        UnaryOp,
    };
    pub use staticflow_runtime::{CollectionDef, MemberRef, StaticGraph, VariableDef};
    pub use std::borrow::Cow;
}
