//! `MaxPool`, `AvgPool` and their gradients `MaxPoolGrad`, `AvgPoolGrad`: NHWC,
//! float32/float64, SAME or VALID windows.
//!
//! The forward kernels walk the output positions and, for each, the in-bounds rows and
//! columns of its window, combining whole channel vectors (contiguous in NHWC) at a
//! time. SAME padding never takes part: a max is over the window's elements inside
//! the input, and a mean divides by their count, as TF's kernels do.

#[cfg(test)]
mod tests;

use super::num::Num;
use super::window::Geometry;
use super::{same_shape, typed, KernelError, Result};
use crate::tensor::{Buffer, DataView, Element, TensorView};
use staticflow_ir::op::{Padding, WindowError};

/// The attrs of a pooling op.
#[derive(Clone, Copy, Debug)]
pub(super) struct Pool {
    /// Window size along (rows, columns).
    pub(super) ksize: [usize; 2],
    /// Strides along (rows, columns).
    pub(super) strides: [usize; 2],
    /// SAME or VALID.
    pub(super) padding: Padding,
}

impl Pool {
    /// The geometry over input `x` of op `op`, checked as TF's pooling kernels do.
    fn geometry(&self, op: &'static str, x: &[usize]) -> Result<Geometry> {
        if let Some(i) = self.ksize.iter().position(|&k| k == 0) {
            return Err(KernelError::Window(WindowError::ZeroKsize { dim: i + 1 }));
        }
        let x = rank4(op, "tensor_in", x)?;
        Geometry::new(op, x, self.ksize, self.strides, self.padding)
    }
}

/// The four dims of a rank-4 argument, or TF's message for it.
fn rank4(op: &'static str, arg: &'static str, shape: &[usize]) -> Result<[usize; 4]> {
    <[usize; 4]>::try_from(shape).map_err(|_| KernelError::Not4d {
        op,
        arg,
        shape: shape.to_vec(),
    })
}

/// Which forward pooling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// `MaxPool`
    Max,
    /// `AvgPool`
    Avg,
}

impl Kind {
    fn tf_type(self) -> &'static str {
        match self {
            Kind::Max => "MaxPool",
            Kind::Avg => "AvgPool",
        }
    }
}

/// `MaxPool` or `AvgPool` of `x`: `[n, oh, ow, c]`.
///
/// # Errors
/// [`KernelError::Not4d`], [`KernelError::Window`], [`KernelError::UnsupportedDtype`]
/// (integers, bool).
pub(super) fn pool(kind: Kind, p: &Pool, x: TensorView<'_>, out: &mut Buffer) -> Result {
    let op = kind.tf_type();
    let g = p.geometry(op, x.shape)?;
    let shape = g.out_shape(g.c);
    match x.data {
        DataView::F32(s) => forward(kind, &g, s, zeroed::<f32>(out, &g)),
        DataView::F64(s) => forward(kind, &g, s, zeroed::<f64>(out, &g)),
        other => {
            return Err(KernelError::UnsupportedDtype {
                op,
                dtype: other.dtype(),
            })
        }
    }
    out.set_shape(&shape);
    Ok(())
}

/// `MaxPoolGrad` from `(x, y, dy)`: each element of `dy` added to the first maximum
/// (row-major over the window) of its window in `x`, as TF's CPU kernel does; `y` is
/// checked for its shape only (the maxima are found again from `x`).
///
/// # Errors
/// As [`pool`], [`KernelError::ShapeMismatch`] when `y` or `dy` is not the pooled
/// shape, [`KernelError::DtypeMismatch`].
pub(super) fn max_pool_grad(
    p: &Pool,
    x: TensorView<'_>,
    y: TensorView<'_>,
    dy: TensorView<'_>,
    out: &mut Buffer,
) -> Result {
    const OP: &str = "MaxPoolGrad";
    let g = p.geometry(OP, x.shape)?;
    rank4(OP, "tensor_out", y.shape)?;
    rank4(OP, "out_backprop", dy.shape)?;
    let pooled = g.out_shape(g.c);
    same_shape(OP, 1, &pooled, y.shape)?;
    same_shape(OP, 2, &pooled, dy.shape)?;
    if y.dtype() != x.dtype() {
        return Err(KernelError::DtypeMismatch {
            op: OP,
            index: 1,
            expected: x.dtype(),
            got: y.dtype(),
        });
    }
    match x.data {
        DataView::F32(s) => max_backward(&g, s, typed(OP, 2, dy)?, zeroed_like::<f32>(out, s)),
        DataView::F64(s) => max_backward(&g, s, typed(OP, 2, dy)?, zeroed_like::<f64>(out, s)),
        other => {
            return Err(KernelError::UnsupportedDtype {
                op: OP,
                dtype: other.dtype(),
            })
        }
    }
    out.set_shape(x.shape);
    Ok(())
}

/// `AvgPoolGrad` from `(x, dy)`: each element of `dy` spread evenly over its window's
/// elements inside `x` (`x` gives the shape and dtype only).
///
/// # Errors
/// As [`max_pool_grad`].
pub(super) fn avg_pool_grad(
    p: &Pool,
    x: TensorView<'_>,
    dy: TensorView<'_>,
    out: &mut Buffer,
) -> Result {
    const OP: &str = "AvgPoolGrad";
    let g = p.geometry(OP, x.shape)?;
    rank4(OP, "out_backprop", dy.shape)?;
    same_shape(OP, 1, &g.out_shape(g.c), dy.shape)?;
    let len = x.data.len();
    match x.data {
        DataView::F32(_) => avg_backward(&g, typed(OP, 1, dy)?, zeroed_len::<f32>(out, len)),
        DataView::F64(_) => avg_backward(&g, typed(OP, 1, dy)?, zeroed_len::<f64>(out, len)),
        other => {
            return Err(KernelError::UnsupportedDtype {
                op: OP,
                dtype: other.dtype(),
            })
        }
    }
    out.set_shape(x.shape);
    Ok(())
}

/// The output storage as `len` zeros, reusing its capacity.
fn zeroed_len<T: Element + Num>(out: &mut Buffer, len: usize) -> &mut Vec<T> {
    let v = T::vec_mut(&mut out.data);
    v.clear();
    v.resize(len, T::ZERO);
    v
}

/// Zeroed storage for the pooled output of `g` (no overflow: with any channels, at
/// most the input's size).
fn zeroed<'b, T: Element + Num>(out: &'b mut Buffer, g: &Geometry) -> &'b mut Vec<T> {
    zeroed_len(out, g.out_positions() * g.c)
}

/// Zeroed storage of `x`'s size.
fn zeroed_like<'b, T: Element + Num>(out: &'b mut Buffer, x: &[T]) -> &'b mut Vec<T> {
    zeroed_len(out, x.len())
}

/// Calls `f(position, b, rows, cols)` for each output position of `g`.
#[inline(always)]
fn for_each_position(
    g: &Geometry,
    mut f: impl FnMut(usize, usize, std::ops::Range<usize>, std::ops::Range<usize>),
) {
    let mut pos = 0;
    for b in 0..g.n {
        for oy in 0..g.oh {
            let rs = g.rows(oy);
            let rows = rs.start..rs.start + rs.len();
            for ox in 0..g.ow {
                let cs = g.cols(ox);
                f(pos, b, rows.clone(), cs.start..cs.start + cs.len());
                pos += 1;
            }
        }
    }
}

/// The max or mean of each window, channel vectors at a time, into the zeroed `y`.
fn forward<T: Num>(kind: Kind, g: &Geometry, x: &[T], y: &mut [T]) {
    let c = g.c;
    if c == 0 {
        return;
    }
    for_each_position(g, |pos, b, rows, cols| {
        let out = &mut y[pos * c..(pos + 1) * c];
        let count = rows.len() * cols.len();
        let mut first = true;
        for iy in rows {
            for ix in cols.clone() {
                let at = ((b * g.h + iy) * g.w + ix) * c;
                let src = &x[at..at + c];
                match kind {
                    _ if first => out.copy_from_slice(src),
                    // Strictly greater: the first maximum wins, and a NaN first stays.
                    Kind::Max => {
                        for (o, &v) in out.iter_mut().zip(src) {
                            if v > *o {
                                *o = v;
                            }
                        }
                    }
                    Kind::Avg => {
                        for (o, &v) in out.iter_mut().zip(src) {
                            *o = o.plus(v);
                        }
                    }
                }
                first = false;
            }
        }
        if kind == Kind::Avg {
            for o in out.iter_mut() {
                *o = o.div_count(count);
            }
        }
    });
}

/// Each `dy` into `dx` at its window's first maximum, found again from `x`.
fn max_backward<T: Num>(g: &Geometry, x: &[T], dy: &[T], dx: &mut [T]) {
    let c = g.c;
    if c == 0 {
        return;
    }
    for_each_position(g, |pos, b, rows, cols| {
        for ch in 0..c {
            let mut best: Option<(usize, T)> = None;
            for iy in rows.clone() {
                for ix in cols.clone() {
                    let at = ((b * g.h + iy) * g.w + ix) * c + ch;
                    let v = x[at];
                    if best.is_none_or(|(_, m)| v > m) {
                        best = Some((at, v));
                    }
                }
            }
            if let Some((at, _)) = best {
                dx[at] = dx[at].plus(dy[pos * c + ch]);
            }
        }
    });
}

/// Each `dy`, divided by its window's count, added over the window in `dx`.
fn avg_backward<T: Num>(g: &Geometry, dy: &[T], dx: &mut [T]) {
    let c = g.c;
    if c == 0 {
        return;
    }
    for_each_position(g, |pos, b, rows, cols| {
        // TF multiplies by the reciprocal of the count.
        let coeff = T::from_f64(1.0 / (rows.len() * cols.len()) as f64);
        let grad = &dy[pos * c..(pos + 1) * c];
        for iy in rows {
            for ix in cols.clone() {
                let at = ((b * g.h + iy) * g.w + ix) * c;
                for (d, &v) in dx[at..at + c].iter_mut().zip(grad) {
                    *d = d.plus(v.times(coeff));
                }
            }
        }
    });
}
