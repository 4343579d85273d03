//! Feeds: values given to placeholders (or any tensor) for one run.

use crate::graph::GraphId;
use crate::handle::{AnyTensor, Tensor};
use crate::tensor::{DataView, Element, TensorView};
use ndarray::{ArrayBase, ArrayView, ArrayViewD, Data, Dimension, Ix0};

/// The elements of a fed value: a borrowed array or a scalar held inline.
#[derive(Clone, Debug)]
pub enum FeedElems<'a, T> {
    /// A borrowed array of any layout.
    View(ArrayViewD<'a, T>),
    /// A rank-0 value.
    Scalar(T),
}

/// A fed value, tagged with its dtype.
#[derive(Clone, Debug)]
pub enum FeedData<'a> {
    /// float32
    F32(FeedElems<'a, f32>),
    /// float64
    F64(FeedElems<'a, f64>),
    /// int32
    I32(FeedElems<'a, i32>),
    /// int64
    I64(FeedElems<'a, i64>),
    /// bool
    Bool(FeedElems<'a, bool>),
}

/// One feed: a target node and its value for this run. Build it with [`crate::feed!`].
#[derive(Clone, Debug)]
pub struct Feed<'a> {
    pub(crate) graph: GraphId,
    pub(crate) node: u32,
    pub(crate) data: FeedData<'a>,
}

/// Element types that can be fed (every [`Element`]).
pub trait FeedElement: Element {
    /// Tags elements with their dtype.
    fn wrap(elems: FeedElems<'_, Self>) -> FeedData<'_>;
}

macro_rules! feed_element {
    ($($t:ty => $v:ident),*) => {$(
        impl FeedElement for $t {
            fn wrap(elems: FeedElems<'_, Self>) -> FeedData<'_> {
                FeedData::$v(elems)
            }
        }
    )*};
}
feed_element!(f32 => F32, f64 => F64, i32 => I32, i64 => I64, bool => Bool);

/// Values that can be fed to a tensor of element type `T` and rank `D`.
pub trait IntoFeed<'a, T, D> {
    /// The elements.
    fn into_elems(self) -> FeedElems<'a, T>;
}

impl<'a, T: Element, D: Dimension, S: Data<Elem = T>> IntoFeed<'a, T, D> for &'a ArrayBase<S, D> {
    fn into_elems(self) -> FeedElems<'a, T> {
        FeedElems::View(self.view().into_dyn())
    }
}

impl<'a, T: Element, D: Dimension> IntoFeed<'a, T, D> for ArrayView<'a, T, D> {
    fn into_elems(self) -> FeedElems<'a, T> {
        FeedElems::View(self.into_dyn())
    }
}

impl<'a, T: Element> IntoFeed<'a, T, Ix0> for T {
    fn into_elems(self) -> FeedElems<'a, T> {
        FeedElems::Scalar(self)
    }
}

/// Handles that accept a fed value of type `V` (what [`crate::feed!`] calls).
pub trait FeedTarget<'a, V> {
    /// Pairs the handle with the value.
    fn feed(&self, value: V) -> Feed<'a>;
}

impl<'a, T: FeedElement, D, V: IntoFeed<'a, T, D>> FeedTarget<'a, V> for Tensor<T, D> {
    fn feed(&self, value: V) -> Feed<'a> {
        Feed {
            graph: self.graph,
            node: self.node,
            data: T::wrap(value.into_elems()),
        }
    }
}

/// Values that can be fed to a dynamically typed tensor; dtype and shape are checked
/// when the run starts.
pub trait IntoDynFeed<'a> {
    /// The tagged elements.
    fn into_data(self) -> FeedData<'a>;
}

impl<'a, T: FeedElement, D: Dimension, S: Data<Elem = T>> IntoDynFeed<'a> for &'a ArrayBase<S, D> {
    fn into_data(self) -> FeedData<'a> {
        T::wrap(FeedElems::View(self.view().into_dyn()))
    }
}

macro_rules! dyn_scalar {
    ($($t:ty),*) => {$(
        impl<'a> IntoDynFeed<'a> for $t {
            fn into_data(self) -> FeedData<'a> {
                <$t>::wrap(FeedElems::Scalar(self))
            }
        }
    )*};
}
dyn_scalar!(f32, f64, i32, i64, bool);

impl<'a, V: IntoDynFeed<'a>> FeedTarget<'a, V> for AnyTensor {
    fn feed(&self, value: V) -> Feed<'a> {
        Feed {
            graph: self.graph,
            node: self.node,
            data: value.into_data(),
        }
    }
}

fn elems_view<'b, T: Element>(e: &'b FeedElems<'_, T>) -> Option<(&'b [T], &'b [usize])> {
    match e {
        FeedElems::View(v) => Some((v.as_slice()?, v.shape())),
        FeedElems::Scalar(s) => Some((std::slice::from_ref(s), &[])),
    }
}

impl Feed<'_> {
    /// The fed value as a row-major view, or `None` when it is not contiguous
    /// (then [`Feed::to_standard`] copies it).
    pub(crate) fn view(&self) -> Option<TensorView<'_>> {
        Some(match &self.data {
            FeedData::F32(e) => elems_view(e).map(|(d, s)| TensorView {
                data: DataView::F32(d),
                shape: s,
            })?,
            FeedData::F64(e) => elems_view(e).map(|(d, s)| TensorView {
                data: DataView::F64(d),
                shape: s,
            })?,
            FeedData::I32(e) => elems_view(e).map(|(d, s)| TensorView {
                data: DataView::I32(d),
                shape: s,
            })?,
            FeedData::I64(e) => elems_view(e).map(|(d, s)| TensorView {
                data: DataView::I64(d),
                shape: s,
            })?,
            FeedData::Bool(e) => elems_view(e).map(|(d, s)| TensorView {
                data: DataView::Bool(d),
                shape: s,
            })?,
        })
    }

    /// The fed value's dtype.
    pub(crate) fn dtype(&self) -> staticflow_ir::DType {
        match &self.data {
            FeedData::F32(_) => staticflow_ir::DType::Float32,
            FeedData::F64(_) => staticflow_ir::DType::Float64,
            FeedData::I32(_) => staticflow_ir::DType::Int32,
            FeedData::I64(_) => staticflow_ir::DType::Int64,
            FeedData::Bool(_) => staticflow_ir::DType::Bool,
        }
    }

    /// The fed value's shape.
    pub(crate) fn shape(&self) -> &[usize] {
        fn s<'b, T>(e: &'b FeedElems<'_, T>) -> &'b [usize] {
            match e {
                FeedElems::View(v) => v.shape(),
                FeedElems::Scalar(_) => &[],
            }
        }
        match &self.data {
            FeedData::F32(e) => s(e),
            FeedData::F64(e) => s(e),
            FeedData::I32(e) => s(e),
            FeedData::I64(e) => s(e),
            FeedData::Bool(e) => s(e),
        }
    }

    /// Copies a non-contiguous fed value into `out` in row-major order.
    pub(crate) fn to_standard(&self, out: &mut crate::tensor::Buffer) {
        fn copy<T: Element>(e: &FeedElems<'_, T>, out: &mut crate::tensor::Buffer) {
            let v = T::vec_mut(&mut out.data);
            v.clear();
            match e {
                FeedElems::View(a) => v.extend(a.iter().copied()),
                FeedElems::Scalar(x) => v.push(*x),
            }
        }
        match &self.data {
            FeedData::F32(e) => copy(e, out),
            FeedData::F64(e) => copy(e, out),
            FeedData::I32(e) => copy(e, out),
            FeedData::I64(e) => copy(e, out),
            FeedData::Bool(e) => copy(e, out),
        }
        let shape = self.shape().to_vec();
        out.set_shape(&shape);
    }
}
