//! What `Session::run` can fetch and what it returns for each: `f32` for a rank-0
//! float32 tensor, `Array2<f32>` for a rank-2 one, `()` for an operation, tuples and
//! lists of those.

use crate::graph::GraphId;
use crate::handle::{AnyTensor, Operation, Tensor, Variable};
use crate::tensor::{DataView, Element, TensorView};
use crate::{Error, Result};
use ndarray::{ArrayD, Dimension, IxDyn};

/// A node a run must compute, and whether its value is returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    /// The graph of the handle it came from (checked against the session's).
    pub graph: GraphId,
    /// The node index.
    pub node: u32,
    /// False for operations run for their effect.
    pub wants_value: bool,
}

/// The values of a finished run, handed out in target order.
pub struct Values<'a> {
    pub(crate) views: &'a [Option<TensorView<'a>>],
    pub(crate) names: &'a dyn Fn(u32) -> String,
    pub(crate) next: usize,
    pub(crate) nodes: &'a [Target],
    /// The serialized summaries of summary targets, by target position.
    pub(crate) summaries: &'a [Option<&'a [u8]>],
}

impl<'a> Values<'a> {
    pub(crate) fn next_view(&mut self) -> Result<(u32, TensorView<'a>)> {
        let i = self.next;
        self.next += 1;
        let node = self.nodes.get(i).map_or(0, |t| t.node);
        match self.views.get(i).copied().flatten() {
            Some(v) => Ok((node, v)),
            None => Err(Error::FetchType {
                tensor: (self.names)(node),
                requested: "a value".into(),
                actual: "no value".into(),
            }),
        }
    }

    pub(crate) fn skip(&mut self) {
        self.next += 1;
    }
}

/// Something `Session::run` can fetch.
pub trait Fetch {
    /// What the run returns for it.
    type Output;
    /// Appends the nodes it needs, in order.
    fn targets(&self, out: &mut Vec<Target>);
    /// Builds the output from the run's values (same order as `targets`).
    ///
    /// # Errors
    /// When a value does not match the handle's dtype or rank (dynamic handles).
    fn extract(&self, values: &mut Values<'_>) -> Result<Self::Output>;
}

/// Ranks a fetch can produce: rank 0 gives the element itself, others an `Array`.
pub trait FetchDim: Dimension {
    /// The fetched value for element type `T`.
    type Fetched<T: Element>;
    /// Builds it from row-major data; `None` when the shape's rank differs.
    fn build<T: Element>(shape: &[usize], data: &[T]) -> Option<Self::Fetched<T>>;
}

impl FetchDim for ndarray::Ix0 {
    type Fetched<T: Element> = T;
    fn build<T: Element>(shape: &[usize], data: &[T]) -> Option<T> {
        if shape.is_empty() {
            data.first().copied()
        } else {
            None
        }
    }
}

macro_rules! fetch_dim {
    ($($ix:ty),*) => {$(
        impl FetchDim for $ix {
            type Fetched<T: Element> = ndarray::Array<T, $ix>;
            fn build<T: Element>(shape: &[usize], data: &[T]) -> Option<Self::Fetched<T>> {
                let dim = <$ix>::from_dimension(&IxDyn(shape))?;
                ndarray::Array::from_shape_vec(dim, data.to_vec()).ok()
            }
        }
    )*};
}
fetch_dim!(
    ndarray::Ix1,
    ndarray::Ix2,
    ndarray::Ix3,
    ndarray::Ix4,
    ndarray::Ix5,
    ndarray::Ix6,
    IxDyn
);

fn typed<T: Element, D: FetchDim>(
    node: u32,
    view: TensorView<'_>,
    names: &dyn Fn(u32) -> String,
) -> Result<D::Fetched<T>> {
    T::slice(view.data)
        .and_then(|data| D::build::<T>(view.shape, data))
        .ok_or_else(|| Error::FetchType {
            tensor: names(node),
            requested: format!("{} of rank {:?}", T::DTYPE, D::NDIM),
            actual: format!("{} of shape {:?}", view.dtype(), view.shape),
        })
}

impl<T: Element, D: FetchDim> Fetch for Tensor<T, D> {
    type Output = D::Fetched<T>;
    fn targets(&self, out: &mut Vec<Target>) {
        out.push(Target {
            graph: self.graph,
            node: self.node,
            wants_value: true,
        });
    }
    fn extract(&self, values: &mut Values<'_>) -> Result<Self::Output> {
        let (node, view) = values.next_view()?;
        typed::<T, D>(node, view, values.names)
    }
}

impl<T: Element, D: FetchDim> Fetch for Variable<T, D> {
    type Output = D::Fetched<T>;
    fn targets(&self, out: &mut Vec<Target>) {
        out.push(Target {
            graph: self.tensor.graph,
            node: self.read,
            wants_value: true,
        });
    }
    fn extract(&self, values: &mut Values<'_>) -> Result<Self::Output> {
        let (node, view) = values.next_view()?;
        typed::<T, D>(node, view, values.names)
    }
}

impl Fetch for Operation {
    type Output = ();
    fn targets(&self, out: &mut Vec<Target>) {
        out.push(Target {
            graph: self.graph,
            node: self.node,
            wants_value: false,
        });
    }
    fn extract(&self, values: &mut Values<'_>) -> Result<()> {
        values.skip();
        Ok(())
    }
}

impl Fetch for crate::handle::Summary {
    type Output = Vec<u8>;
    fn targets(&self, out: &mut Vec<Target>) {
        out.push(Target {
            graph: self.graph,
            node: self.node,
            wants_value: true,
        });
    }
    fn extract(&self, values: &mut Values<'_>) -> Result<Vec<u8>> {
        let i = values.next;
        values.next += 1;
        let node = values.nodes.get(i).map_or(0, |t| t.node);
        match values.summaries.get(i).copied().flatten() {
            Some(bytes) => Ok(bytes.to_vec()),
            None => Err(Error::FetchType {
                tensor: (values.names)(node),
                requested: "a summary".into(),
                actual: "no summary".into(),
            }),
        }
    }
}

/// A fetched value of a dynamically typed tensor.
#[derive(Clone, Debug, PartialEq)]
pub enum TensorValue {
    /// float32
    F32(ArrayD<f32>),
    /// float64
    F64(ArrayD<f64>),
    /// int32
    I32(ArrayD<i32>),
    /// int64
    I64(ArrayD<i64>),
    /// bool
    Bool(ArrayD<bool>),
}

impl Fetch for AnyTensor {
    type Output = TensorValue;
    fn targets(&self, out: &mut Vec<Target>) {
        out.push(Target {
            graph: self.graph,
            node: self.node,
            wants_value: true,
        });
    }
    fn extract(&self, values: &mut Values<'_>) -> Result<TensorValue> {
        let (node, view) = values.next_view()?;
        let names = values.names;
        Ok(match view.data {
            DataView::F32(_) => TensorValue::F32(typed::<f32, IxDyn>(node, view, names)?),
            DataView::F64(_) => TensorValue::F64(typed::<f64, IxDyn>(node, view, names)?),
            DataView::I32(_) => TensorValue::I32(typed::<i32, IxDyn>(node, view, names)?),
            DataView::I64(_) => TensorValue::I64(typed::<i64, IxDyn>(node, view, names)?),
            DataView::Bool(_) => TensorValue::Bool(typed::<bool, IxDyn>(node, view, names)?),
        })
    }
}

impl<F: Fetch + ?Sized> Fetch for &F {
    type Output = F::Output;
    fn targets(&self, out: &mut Vec<Target>) {
        (**self).targets(out)
    }
    fn extract(&self, values: &mut Values<'_>) -> Result<Self::Output> {
        (**self).extract(values)
    }
}

impl<F: Fetch> Fetch for [F] {
    type Output = Vec<F::Output>;
    fn targets(&self, out: &mut Vec<Target>) {
        for f in self {
            f.targets(out);
        }
    }
    fn extract(&self, values: &mut Values<'_>) -> Result<Self::Output> {
        self.iter().map(|f| f.extract(values)).collect()
    }
}

impl<F: Fetch> Fetch for Vec<F> {
    type Output = Vec<F::Output>;
    fn targets(&self, out: &mut Vec<Target>) {
        self.as_slice().targets(out)
    }
    fn extract(&self, values: &mut Values<'_>) -> Result<Self::Output> {
        self.as_slice().extract(values)
    }
}

impl<F: Fetch, const N: usize> Fetch for [F; N] {
    type Output = Vec<F::Output>;
    fn targets(&self, out: &mut Vec<Target>) {
        self.as_slice().targets(out)
    }
    fn extract(&self, values: &mut Values<'_>) -> Result<Self::Output> {
        self.as_slice().extract(values)
    }
}

macro_rules! fetch_tuple {
    ($($name:ident),+) => {
        impl<$($name: Fetch),+> Fetch for ($($name,)+) {
            type Output = ($($name::Output,)+);
            #[allow(non_snake_case)]
            fn targets(&self, out: &mut Vec<Target>) {
                let ($($name,)+) = self;
                $($name.targets(out);)+
            }
            #[allow(non_snake_case)]
            fn extract(&self, values: &mut Values<'_>) -> Result<Self::Output> {
                let ($($name,)+) = self;
                Ok(($($name.extract(values)?,)+))
            }
        }
    };
}
fetch_tuple!(A);
fetch_tuple!(A, B);
fetch_tuple!(A, B, C);
fetch_tuple!(A, B, C, E);
fetch_tuple!(A, B, C, E, G);
fetch_tuple!(A, B, C, E, G, H);
fetch_tuple!(A, B, C, E, G, H, I);
fetch_tuple!(A, B, C, E, G, H, I, J);
