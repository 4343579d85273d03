//! The runtime of staticflow: tensors, kernels and sessions that execute the static plan
//! a `graph!` emits.
#![deny(missing_docs)]

mod arena;
pub mod checkpoint;
pub mod error;
pub mod feed;
pub mod fetch;
pub mod fetch_into;
#[doc(hidden)]
pub mod gemm;
pub mod graph;
pub mod handle;
pub(crate) mod kernels;
mod plan;
pub mod safetensors;
pub mod saver;
pub mod session;
pub mod summary;
pub mod tensor;
pub mod threads;

pub use error::{Error, Result};
pub use feed::{Feed, FeedTarget};
pub use fetch::{Fetch, TensorValue};
pub use fetch_into::{FetchInto, Out};
pub use graph::{
    AsGraph, CollectionDef, Graph, GraphId, MemberRef, OperationInfo, ParamValue, StaticGraph,
    VariableDef,
};
pub use handle::{AnyTensor, Operation, Summary, Tensor, Variable};
pub use saver::{latest_checkpoint, Saver};
pub use session::Session;
pub use threads::SessionOptions;
