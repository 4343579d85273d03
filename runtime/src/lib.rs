//! The runtime of staticflow: tensors, kernels and sessions that execute the static plan
//! a `graph!` emits.
#![deny(missing_docs)]

pub(crate) mod kernels;
pub mod tensor;
