//! Constant tensor data carried inside the static plan.

use crate::DType;
use std::borrow::Cow;

/// The elements of a constant, row-major; its shape is the node's static shape.
#[derive(Clone, Debug, PartialEq)]
pub enum ConstValue {
    /// float32 elements.
    Float32(Cow<'static, [f32]>),
    /// float64 elements.
    Float64(Cow<'static, [f64]>),
    /// int32 elements.
    Int32(Cow<'static, [i32]>),
    /// int64 elements.
    Int64(Cow<'static, [i64]>),
    /// bool elements.
    Bool(Cow<'static, [bool]>),
}

impl ConstValue {
    /// The dtype of the elements.
    pub fn dtype(&self) -> DType {
        match self {
            ConstValue::Float32(_) => DType::Float32,
            ConstValue::Float64(_) => DType::Float64,
            ConstValue::Int32(_) => DType::Int32,
            ConstValue::Int64(_) => DType::Int64,
            ConstValue::Bool(_) => DType::Bool,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            ConstValue::Float32(v) => v.len(),
            ConstValue::Float64(v) => v.len(),
            ConstValue::Int32(v) => v.len(),
            ConstValue::Int64(v) => v.len(),
            ConstValue::Bool(v) => v.len(),
        }
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Builds a constant of `dtype` from numbers given as f64 (bools: non-zero is true).
    /// Casts as TF's `constant(value, dtype)` does for in-range values.
    pub fn from_f64s(dtype: DType, values: &[f64]) -> ConstValue {
        match dtype {
            DType::Float32 => ConstValue::Float32(values.iter().map(|&v| v as f32).collect()),
            DType::Float64 => ConstValue::Float64(values.to_vec().into()),
            DType::Int32 => ConstValue::Int32(values.iter().map(|&v| v as i32).collect()),
            DType::Int64 => ConstValue::Int64(values.iter().map(|&v| v as i64).collect()),
            DType::Bool => ConstValue::Bool(values.iter().map(|&v| v != 0.0).collect()),
        }
    }

    /// The elements as f64 (bools as 0/1), for compile-time folding of small constants.
    pub fn to_f64s(&self) -> Vec<f64> {
        match self {
            ConstValue::Float32(v) => v.iter().map(|&x| x as f64).collect(),
            ConstValue::Float64(v) => v.to_vec(),
            ConstValue::Int32(v) => v.iter().map(|&x| x as f64).collect(),
            ConstValue::Int64(v) => v.iter().map(|&x| x as f64).collect(),
            ConstValue::Bool(v) => v.iter().map(|&x| if x { 1.0 } else { 0.0 }).collect(),
        }
    }
}
