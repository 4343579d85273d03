//! Element types, named as TensorFlow names them.

/// The element type of a tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    /// `tf.float32`
    Float32,
    /// `tf.float64`
    Float64,
    /// `tf.int32`
    Int32,
    /// `tf.int64`
    Int64,
    /// `tf.bool`
    Bool,
}

impl DType {
    /// Every dtype, in a fixed order.
    pub const ALL: [DType; 5] = [
        DType::Float32,
        DType::Float64,
        DType::Int32,
        DType::Int64,
        DType::Bool,
    ];

    /// The Python-side name (`float32`), as `tf.float32.name` prints it.
    pub fn name(self) -> &'static str {
        match self {
            DType::Float32 => "float32",
            DType::Float64 => "float64",
            DType::Int32 => "int32",
            DType::Int64 => "int64",
            DType::Bool => "bool",
        }
    }

    /// The kernel-side name (`float`, `double`), as TF's run-time messages print it.
    pub fn kernel_name(self) -> &'static str {
        match self {
            DType::Float32 => "float",
            DType::Float64 => "double",
            DType::Int32 => "int32",
            DType::Int64 => "int64",
            DType::Bool => "bool",
        }
    }

    /// Parses a Python-side name (`float32`, also `float`/`double` aliases).
    pub fn from_name(name: &str) -> Option<DType> {
        Some(match name {
            "float32" | "float" => DType::Float32,
            "float64" | "double" => DType::Float64,
            "int32" => DType::Int32,
            "int64" => DType::Int64,
            "bool" => DType::Bool,
            _ => return None,
        })
    }

    /// True for float32 and float64.
    pub fn is_float(self) -> bool {
        matches!(self, DType::Float32 | DType::Float64)
    }

    /// True for int32 and int64.
    pub fn is_integer(self) -> bool {
        matches!(self, DType::Int32 | DType::Int64)
    }

    /// True for the dtypes arithmetic is defined on (everything but bool).
    pub fn is_numeric(self) -> bool {
        self != DType::Bool
    }

    /// The Rust element type that holds this dtype (`f32`, `i64`, ...).
    pub fn rust_type(self) -> &'static str {
        match self {
            DType::Float32 => "f32",
            DType::Float64 => "f64",
            DType::Int32 => "i32",
            DType::Int64 => "i64",
            DType::Bool => "bool",
        }
    }
}

impl std::fmt::Display for DType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for d in DType::ALL {
            assert_eq!(DType::from_name(d.name()), Some(d));
        }
        assert_eq!(DType::Float32.kernel_name(), "float");
        assert_eq!(DType::from_name("complex64"), None);
    }
}
