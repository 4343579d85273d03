//! Run-time tensor storage: owned buffers that keep their capacity between runs, and
//! borrowed views that kernels read.

use staticflow_ir::DType;

/// Owned elements of one dtype.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    /// float32
    F32(Vec<f32>),
    /// float64
    F64(Vec<f64>),
    /// int32
    I32(Vec<i32>),
    /// int64
    I64(Vec<i64>),
    /// bool
    Bool(Vec<bool>),
}

/// Borrowed elements of one dtype.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DataView<'a> {
    /// float32
    F32(&'a [f32]),
    /// float64
    F64(&'a [f64]),
    /// int32
    I32(&'a [i32]),
    /// int64
    I64(&'a [i64]),
    /// bool
    Bool(&'a [bool]),
}

/// A row-major tensor buffer. Kernels resize it in place, so a buffer that already
/// has the capacity for a run's shape is reused without allocating.
#[derive(Clone, Debug, PartialEq)]
pub struct Buffer {
    /// The elements, row-major.
    pub data: Data,
    /// The concrete dims.
    pub shape: Vec<usize>,
}

/// A borrowed row-major tensor.
#[derive(Clone, Copy, Debug)]
pub struct TensorView<'a> {
    /// The elements, row-major.
    pub data: DataView<'a>,
    /// The concrete dims.
    pub shape: &'a [usize],
}

impl Data {
    /// Empty storage of `dtype`.
    pub fn empty(dtype: DType) -> Data {
        match dtype {
            DType::Float32 => Data::F32(Vec::new()),
            DType::Float64 => Data::F64(Vec::new()),
            DType::Int32 => Data::I32(Vec::new()),
            DType::Int64 => Data::I64(Vec::new()),
            DType::Bool => Data::Bool(Vec::new()),
        }
    }

    /// The dtype held.
    pub fn dtype(&self) -> DType {
        match self {
            Data::F32(_) => DType::Float32,
            Data::F64(_) => DType::Float64,
            Data::I32(_) => DType::Int32,
            Data::I64(_) => DType::Int64,
            Data::Bool(_) => DType::Bool,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.view().len()
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Borrows the elements.
    pub fn view(&self) -> DataView<'_> {
        match self {
            Data::F32(v) => DataView::F32(v),
            Data::F64(v) => DataView::F64(v),
            Data::I32(v) => DataView::I32(v),
            Data::I64(v) => DataView::I64(v),
            Data::Bool(v) => DataView::Bool(v),
        }
    }
}

impl DataView<'_> {
    /// The dtype held.
    pub fn dtype(&self) -> DType {
        match self {
            DataView::F32(_) => DType::Float32,
            DataView::F64(_) => DType::Float64,
            DataView::I32(_) => DType::Int32,
            DataView::I64(_) => DType::Int64,
            DataView::Bool(_) => DType::Bool,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            DataView::F32(v) => v.len(),
            DataView::F64(v) => v.len(),
            DataView::I32(v) => v.len(),
            DataView::I64(v) => v.len(),
            DataView::Bool(v) => v.len(),
        }
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Copies the elements into an owned buffer's storage, reusing its capacity.
    pub fn copy_into(&self, out: &mut Data) {
        match (self, &mut *out) {
            (DataView::F32(s), Data::F32(d)) => copy_slice(s, d),
            (DataView::F64(s), Data::F64(d)) => copy_slice(s, d),
            (DataView::I32(s), Data::I32(d)) => copy_slice(s, d),
            (DataView::I64(s), Data::I64(d)) => copy_slice(s, d),
            (DataView::Bool(s), Data::Bool(d)) => copy_slice(s, d),
            (s, d) => {
                *d = match s {
                    DataView::F32(s) => Data::F32(s.to_vec()),
                    DataView::F64(s) => Data::F64(s.to_vec()),
                    DataView::I32(s) => Data::I32(s.to_vec()),
                    DataView::I64(s) => Data::I64(s.to_vec()),
                    DataView::Bool(s) => Data::Bool(s.to_vec()),
                }
            }
        }
    }
}

fn copy_slice<T: Copy>(src: &[T], dst: &mut Vec<T>) {
    dst.clear();
    dst.extend_from_slice(src);
}

impl Buffer {
    /// An empty buffer of `dtype`.
    pub fn empty(dtype: DType) -> Buffer {
        Buffer {
            data: Data::empty(dtype),
            shape: Vec::new(),
        }
    }

    /// Borrows the buffer.
    pub fn view(&self) -> TensorView<'_> {
        TensorView {
            data: self.data.view(),
            shape: &self.shape,
        }
    }

    /// Sets the shape, reusing the shape vector's capacity.
    pub fn set_shape(&mut self, dims: &[usize]) {
        self.shape.clear();
        self.shape.extend_from_slice(dims);
    }

    /// Copies a view into this buffer, reusing capacity.
    pub fn copy_from(&mut self, src: TensorView<'_>) {
        src.data.copy_into(&mut self.data);
        self.set_shape(src.shape);
    }
}

impl TensorView<'_> {
    /// The dtype held.
    pub fn dtype(&self) -> DType {
        self.data.dtype()
    }
}

/// A Rust element type that a tensor can hold; links Rust types to [`DType`]s.
pub trait Element: Copy + Default + PartialEq + std::fmt::Debug + Send + Sync + 'static {
    /// The dtype of this element type.
    const DTYPE: DType;
    /// Borrows matching storage, or `None` for another dtype.
    fn slice(data: DataView<'_>) -> Option<&[Self]>;
    /// Mutably borrows matching storage, replacing storage of another dtype.
    fn vec_mut(data: &mut Data) -> &mut Vec<Self>;
    /// Wraps a slice as a dtype-tagged view.
    fn view(slice: &[Self]) -> DataView<'_>;
}

macro_rules! element {
    ($t:ty, $variant:ident, $dtype:expr) => {
        impl Element for $t {
            const DTYPE: DType = $dtype;
            fn slice(data: DataView<'_>) -> Option<&[Self]> {
                match data {
                    DataView::$variant(s) => Some(s),
                    _ => None,
                }
            }
            fn vec_mut(data: &mut Data) -> &mut Vec<Self> {
                if !matches!(data, Data::$variant(_)) {
                    *data = Data::$variant(Vec::new());
                }
                match data {
                    Data::$variant(v) => v,
                    // Unreachable: replaced just above.
                    _ => unreachable!("storage was just set to this dtype"),
                }
            }
            fn view(slice: &[Self]) -> DataView<'_> {
                DataView::$variant(slice)
            }
        }
    };
}

element!(f32, F32, DType::Float32);
element!(f64, F64, DType::Float64);
element!(i32, I32, DType::Int32);
element!(i64, I64, DType::Int64);
element!(bool, Bool, DType::Bool);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_reuses_capacity_and_switches_dtype() {
        let mut b = Buffer::empty(DType::Float32);
        let src = [1.0f32, 2.0, 3.0];
        b.copy_from(TensorView {
            data: DataView::F32(&src),
            shape: &[3],
        });
        let cap = match &b.data {
            Data::F32(v) => v.capacity(),
            _ => 0,
        };
        b.copy_from(TensorView {
            data: DataView::F32(&src[..2]),
            shape: &[2],
        });
        assert_eq!(b.data, Data::F32(vec![1.0, 2.0]));
        assert!(matches!(&b.data, Data::F32(v) if v.capacity() == cap));
        let ints = [7i32];
        b.copy_from(TensorView {
            data: DataView::I32(&ints),
            shape: &[],
        });
        assert_eq!(b.data.dtype(), DType::Int32);
    }
}
