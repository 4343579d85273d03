//! Fetching into the caller's storage: [`Session::run_into`](crate::Session::run_into)
//! writes each fetched value into a buffer the caller owns and reuses, so a steady-state
//! run allocates nothing at all (`run` must allocate the arrays it returns).

use crate::fetch::{Target, Values};
use crate::handle::{Operation, Tensor, Variable};
use crate::tensor::{Element, TensorView};
use crate::{Error, Result};
use ndarray::{Array, Dimension, Ix0, IxDyn};

/// Something `Session::run_into` can fetch: an [`Operation`] (run for its effect), an
/// [`Out`] pairing a tensor with the buffer its value goes to, or a tuple of those.
pub trait FetchInto {
    /// Appends the nodes it needs, in order.
    fn targets(&self, out: &mut Vec<Target>);
    /// Writes the run's values (same order as `targets`) into the caller's buffers.
    ///
    /// # Errors
    /// [`Error::FetchType`] when a value's dtype or rank does not fit its buffer.
    fn write(&mut self, values: &mut Values<'_>) -> Result<()>;
}

/// A tensor (or variable) and the caller's buffer its fetched value is written to:
/// `Out(&g.loss, &mut loss)` with `loss: f32`, `Out(&g.logits, &mut logits)` with an
/// `Array2<f32>`. An array of the value's shape is overwritten in place; one of another
/// shape is replaced (that allocates, once per new shape).
pub struct Out<'a, H, B>(pub &'a H, pub &'a mut B);

/// The run's next value as `T`s, or the error naming what was asked for.
fn next_typed<'v, T: Element>(
    values: &mut Values<'v>,
    rank: Option<usize>,
) -> Result<(TensorView<'v>, &'v [T])> {
    let (node, view) = values.next_view()?;
    match T::slice(view.data) {
        Some(data) if rank.is_none_or(|r| r == view.shape.len()) => Ok((view, data)),
        _ => Err(Error::FetchType {
            tensor: (values.names)(node),
            requested: format!("{} of rank {rank:?}", T::DTYPE),
            actual: format!("{} of shape {:?}", view.dtype(), view.shape),
        }),
    }
}

/// Copies a fetched value into `out`, in place when the shapes agree.
fn write_array<T: Element, D: Dimension>(
    values: &mut Values<'_>,
    out: &mut Array<T, D>,
) -> Result<()> {
    let (view, data) = next_typed::<T>(values, D::NDIM)?;
    if out.shape() == view.shape {
        if let Some(slot) = out.as_slice_mut() {
            slot.copy_from_slice(data);
            return Ok(());
        }
    }
    let dim = D::from_dimension(&IxDyn(view.shape));
    let fresh = dim.and_then(|d| Array::from_shape_vec(d, data.to_vec()).ok());
    match fresh {
        Some(a) => {
            *out = a;
            Ok(())
        }
        None => Err(Error::FetchType {
            tensor: "fetched value".into(),
            requested: format!("rank {:?}", D::NDIM),
            actual: format!("shape {:?}", view.shape),
        }),
    }
}

impl<T: Element, D: Dimension> FetchInto for Out<'_, Tensor<T, D>, Array<T, D>> {
    fn targets(&self, out: &mut Vec<Target>) {
        out.push(Target {
            graph: self.0.graph,
            node: self.0.node,
            wants_value: true,
        });
    }
    fn write(&mut self, values: &mut Values<'_>) -> Result<()> {
        write_array(values, self.1)
    }
}

impl<T: Element> FetchInto for Out<'_, Tensor<T, Ix0>, T> {
    fn targets(&self, out: &mut Vec<Target>) {
        out.push(Target {
            graph: self.0.graph,
            node: self.0.node,
            wants_value: true,
        });
    }
    fn write(&mut self, values: &mut Values<'_>) -> Result<()> {
        let (_, data) = next_typed::<T>(values, Some(0))?;
        if let Some(&x) = data.first() {
            *self.1 = x;
        }
        Ok(())
    }
}

impl<T: Element, D: Dimension> FetchInto for Out<'_, Variable<T, D>, Array<T, D>> {
    fn targets(&self, out: &mut Vec<Target>) {
        out.push(Target {
            graph: self.0.tensor.graph,
            node: self.0.read,
            wants_value: true,
        });
    }
    fn write(&mut self, values: &mut Values<'_>) -> Result<()> {
        write_array(values, self.1)
    }
}

impl FetchInto for &Operation {
    fn targets(&self, out: &mut Vec<Target>) {
        out.push(Target {
            graph: self.graph,
            node: self.node,
            wants_value: false,
        });
    }
    fn write(&mut self, values: &mut Values<'_>) -> Result<()> {
        values.skip();
        Ok(())
    }
}

macro_rules! fetch_into_tuple {
    ($($name:ident),+) => {
        impl<$($name: FetchInto),+> FetchInto for ($($name,)+) {
            #[allow(non_snake_case)]
            fn targets(&self, out: &mut Vec<Target>) {
                let ($($name,)+) = self;
                $($name.targets(out);)+
            }
            #[allow(non_snake_case)]
            fn write(&mut self, values: &mut Values<'_>) -> Result<()> {
                let ($($name,)+) = self;
                $($name.write(values)?;)+
                Ok(())
            }
        }
    };
}
fetch_into_tuple!(A);
fetch_into_tuple!(A, B);
fetch_into_tuple!(A, B, C);
fetch_into_tuple!(A, B, C, E);
fetch_into_tuple!(A, B, C, E, G);
fetch_into_tuple!(A, B, C, E, G, H);
