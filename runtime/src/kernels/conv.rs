//! `Conv2D` and its gradients `Conv2DBackpropInput` and `Conv2DBackpropFilter`, NHWC,
//! float32/float64, as im2col + gemm (`conv/im2col`, `conv/gemm`).
//!
//! With `P = n·oh·ow` output positions, `K = kh·kw·c` and the filter seen as a `K × oc`
//! matrix `W`: forward `y = cols · W`; input gradient `dx = col2im(dy · Wᵀ)`; filter
//! gradient `dW = colsᵀ · dy`. Positions are taken in chunks whose patches fit
//! [`SCRATCH_ELEMS`], in a per-thread scratch buffer (`conv/scratch`), so the patch
//! matrix of a large batch is never built whole. The f32 gemms run the packed gemm
//! (`kernels/packed`) with the session's pool and packing buffers, so a steady-state
//! f32 run allocates nothing; f64 stays on matrixmultiply, which allocates its packing
//! buffers per call. When the patches are the input itself (1×1 windows at stride 1,
//! or one window covering the whole image) the gemm reads the input directly.

mod gemm;
mod im2col;
mod scratch;
#[cfg(test)]
mod tests;

use super::layout::checked_len;
use super::num::Num;
use super::window::Geometry;
use super::KernelContext;
use super::{typed, KernelError, Result};
use crate::tensor::{Buffer, DataView, Element, TensorView};
use gemm::{Gemm, Strides};
use im2col::{col2im_add, im2col};
use scratch::Scratch;
use staticflow_ir::op::Padding;
use staticflow_ir::DType;

/// Patch-matrix elements per chunk: 512 KiB of f32, small enough to stay in cache
/// between im2col and the gemm that reads it. A patch larger than this is one chunk of
/// one row.
pub(super) const SCRATCH_ELEMS: usize = 1 << 17;

/// The shapes of one convolution.
#[derive(Clone, Copy, Debug)]
struct Conv {
    /// Input, window and output geometry.
    g: Geometry,
    /// Patch length `kh·kw·c` (rows of `W`).
    k: usize,
    /// Output channels (columns of `W`).
    oc: usize,
}

impl Conv {
    /// Checks a `[n, h, w, c]` input against a `[kh, kw, c, oc]` filter, in the order
    /// and words of TF's kernels: ranks, depths, then the window.
    fn new(
        op: &'static str,
        x: &[usize],
        f: &[usize],
        strides: [usize; 2],
        padding: Padding,
    ) -> Result<Conv> {
        let x = rank4(op, "input", x)?;
        let f = rank4(op, "filter", f)?;
        let (c, fc) = (x[3], f[2]);
        if c != fc {
            let forward = op == "Conv2D";
            return Err(match c.checked_rem(fc) {
                Some(0) => KernelError::GroupedConv {
                    input: c,
                    filter: fc,
                },
                _ if forward => KernelError::ConvDepth {
                    input: c,
                    filter: fc,
                },
                _ => KernelError::BackpropDepth { op },
            });
        }
        let g = Geometry::new(op, x, [f[0], f[1]], strides, padding)?;
        let k = f[0]
            .checked_mul(f[1])
            .and_then(|v| v.checked_mul(c))
            .ok_or_else(|| KernelError::TooLarge {
                op,
                shape: f.to_vec(),
            })?;
        Ok(Conv { g, k, oc: f[3] })
    }

    /// Output positions.
    fn positions(&self) -> usize {
        self.g.out_positions()
    }

    /// True when the patch matrix is the input itself, row-major `P × K`: 1×1 windows
    /// at stride 1, or one unpadded window covering each whole image.
    fn patches_are_input(&self) -> bool {
        let g = &self.g;
        let pointwise = g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1;
        let whole = g.kh == g.h && g.kw == g.w && g.oh == 1 && g.ow == 1;
        (pointwise || whole) && g.pad_top == 0 && g.pad_left == 0
    }

    /// Positions per chunk: as many patches as fit [`SCRATCH_ELEMS`], at least one.
    fn chunk(&self) -> usize {
        (SCRATCH_ELEMS / self.k.max(1)).clamp(1, self.positions().max(1))
    }

    /// Runs `f(first, rows, cols)` over the chunks of positions with their patch
    /// matrix built in the thread's scratch.
    fn for_each_chunk<T: Gemm + Scratch>(&self, x: &[T], mut f: impl FnMut(usize, usize, &[T])) {
        let (p, k) = (self.positions(), self.k);
        let chunk = self.chunk();
        T::with_scratch(chunk * k, |scratch| {
            for first in (0..p).step_by(chunk) {
                let rows = chunk.min(p - first);
                let cols = &mut scratch[..rows * k];
                im2col(&self.g, x, first, rows, cols);
                f(first, rows, cols);
            }
        });
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

/// `Conv2D`: `[n, h, w, c]` input, `[kh, kw, c, oc]` filter → `[n, oh, ow, oc]`.
///
/// # Errors
/// [`KernelError::Not4d`], [`KernelError::ConvDepth`], [`KernelError::GroupedConv`],
/// [`KernelError::Window`], [`KernelError::TooLarge`], [`KernelError::DtypeMismatch`],
/// [`KernelError::UnsupportedDtype`] (integers, bool).
pub(super) fn conv2d(
    x: TensorView<'_>,
    f: TensorView<'_>,
    strides: [usize; 2],
    padding: Padding,
    out: &mut Buffer,
    ctx: &mut KernelContext,
) -> Result {
    const OP: &str = "Conv2D";
    let conv = Conv::new(OP, x.shape, f.shape, strides, padding)?;
    let shape = conv.g.out_shape(conv.oc);
    let len = checked_len(OP, &shape)?;
    match x.data {
        DataView::F32(xs) => forward(ctx, &conv, xs, typed(OP, 1, f)?, zeroed::<f32>(out, len)),
        DataView::F64(xs) => forward(ctx, &conv, xs, typed(OP, 1, f)?, zeroed::<f64>(out, len)),
        other => return Err(unsupported(OP, other.dtype())),
    }
    out.set_shape(&shape);
    Ok(())
}

/// `Conv2DBackpropInput`: the gradient of `Conv2D` with respect to its input, from the
/// input (for its shape), the filter and `dy`.
///
/// # Errors
/// As [`conv2d`], and [`KernelError::BackpropBatch`], [`KernelError::BackpropDepth`],
/// [`KernelError::BackpropOutDepth`], [`KernelError::BackpropSize`] when `dy` is not
/// the shape of the forward output.
pub(super) fn conv2d_backprop_input(
    x: TensorView<'_>,
    f: TensorView<'_>,
    dy: TensorView<'_>,
    strides: [usize; 2],
    padding: Padding,
    out: &mut Buffer,
    ctx: &mut KernelContext,
) -> Result {
    const OP: &str = "Conv2DBackpropInput";
    let conv = backprop_shapes(OP, x.shape, f.shape, dy.shape, strides, padding)?;
    let len = x.data.len();
    match x.data {
        DataView::F32(_) => backprop_input(
            ctx,
            &conv,
            typed(OP, 1, f)?,
            typed(OP, 2, dy)?,
            zeroed::<f32>(out, len),
        ),
        DataView::F64(_) => backprop_input(
            ctx,
            &conv,
            typed(OP, 1, f)?,
            typed(OP, 2, dy)?,
            zeroed::<f64>(out, len),
        ),
        other => return Err(unsupported(OP, other.dtype())),
    }
    out.set_shape(x.shape);
    Ok(())
}

/// `Conv2DBackpropFilter`: the gradient of `Conv2D` with respect to its filter, from the
/// input, the filter (for its shape) and `dy`.
///
/// # Errors
/// As [`conv2d_backprop_input`].
pub(super) fn conv2d_backprop_filter(
    x: TensorView<'_>,
    f: TensorView<'_>,
    dy: TensorView<'_>,
    strides: [usize; 2],
    padding: Padding,
    out: &mut Buffer,
    ctx: &mut KernelContext,
) -> Result {
    const OP: &str = "Conv2DBackpropFilter";
    let conv = backprop_shapes(OP, x.shape, f.shape, dy.shape, strides, padding)?;
    let len = f.data.len();
    match (x.data, f.data) {
        (DataView::F32(xs), DataView::F32(_)) => {
            backprop_filter(ctx, &conv, xs, typed(OP, 2, dy)?, zeroed::<f32>(out, len))
        }
        (DataView::F64(xs), DataView::F64(_)) => {
            backprop_filter(ctx, &conv, xs, typed(OP, 2, dy)?, zeroed::<f64>(out, len))
        }
        (DataView::F32(_) | DataView::F64(_), other) => {
            return Err(KernelError::DtypeMismatch {
                op: OP,
                index: 1,
                expected: x.dtype(),
                got: other.dtype(),
            })
        }
        (other, _) => return Err(unsupported(OP, other.dtype())),
    }
    out.set_shape(f.shape);
    Ok(())
}

/// The checks of TF's `ConvBackpropComputeDimensions`: ranks, batch, depths, then each
/// spatial size of `dy` against the forward output's.
fn backprop_shapes(
    op: &'static str,
    x: &[usize],
    f: &[usize],
    dy: &[usize],
    strides: [usize; 2],
    padding: Padding,
) -> Result<Conv> {
    let xs = rank4(op, "input", x)?;
    let fs = rank4(op, "filter", f)?;
    let ds = rank4(op, "out_backprop", dy)?;
    if xs[0] != ds[0] {
        return Err(KernelError::BackpropBatch {
            op,
            input: xs[0],
            dy: ds[0],
        });
    }
    let conv = Conv::new(op, x, f, strides, padding)?;
    if fs[3] != ds[3] {
        return Err(KernelError::BackpropOutDepth { op });
    }
    let computed = conv.g.out_shape(conv.oc);
    for dim in [1, 2] {
        if ds[dim] != computed[dim] {
            return Err(KernelError::BackpropSize {
                op,
                dim,
                actual: ds[dim],
                computed: computed[dim],
                input: xs[dim],
                filter: fs[dim - 1],
                stride: strides[dim - 1],
            });
        }
    }
    Ok(conv)
}

/// The output storage, `len` zeros, reusing its capacity.
fn zeroed<T: Element + Num>(out: &mut Buffer, len: usize) -> &mut Vec<T> {
    let v = T::vec_mut(&mut out.data);
    v.clear();
    v.resize(len, T::ZERO);
    v
}

/// No kernel for `dtype`.
fn unsupported(op: &'static str, dtype: DType) -> KernelError {
    KernelError::UnsupportedDtype { op, dtype }
}

/// `y = cols · W`, chunk by chunk, into the zeroed `y` (`P × oc`).
fn forward<T: Gemm + Scratch>(ctx: &mut KernelContext, conv: &Conv, x: &[T], f: &[T], y: &mut [T]) {
    let (p, k, oc) = (conv.positions(), conv.k, conv.oc);
    if y.is_empty() || k == 0 {
        return;
    }
    if conv.patches_are_input() {
        return T::gemm(
            ctx,
            (p, k, oc),
            x,
            Strides::rows(k),
            f,
            Strides::rows(oc),
            false,
            y,
        );
    }
    conv.for_each_chunk(x, |first, rows, cols| {
        let y = &mut y[first * oc..(first + rows) * oc];
        T::gemm(
            ctx,
            (rows, k, oc),
            cols,
            Strides::rows(k),
            f,
            Strides::rows(oc),
            false,
            y,
        );
    });
}

/// `dx = col2im(dy · Wᵀ)`, chunk by chunk, into the zeroed `dx`.
fn backprop_input<T: Gemm + Scratch>(
    ctx: &mut KernelContext,
    conv: &Conv,
    f: &[T],
    dy: &[T],
    dx: &mut [T],
) {
    let (p, k, oc) = (conv.positions(), conv.k, conv.oc);
    if dx.is_empty() || p == 0 || k == 0 || oc == 0 {
        return;
    }
    let wt = Strides::transposed(oc);
    if conv.patches_are_input() {
        return T::gemm(ctx, (p, oc, k), dy, Strides::rows(oc), f, wt, false, dx);
    }
    let chunk = conv.chunk();
    T::with_scratch(chunk * k, |scratch| {
        for first in (0..p).step_by(chunk) {
            let rows = chunk.min(p - first);
            let cols = &mut scratch[..rows * k];
            let dy = &dy[first * oc..(first + rows) * oc];
            T::gemm(
                ctx,
                (rows, oc, k),
                dy,
                Strides::rows(oc),
                f,
                wt,
                false,
                cols,
            );
            col2im_add(&conv.g, cols, first, rows, dx);
        }
    });
}

/// `dW = colsᵀ · dy`, summed chunk by chunk into the zeroed `dw` (`K × oc`).
fn backprop_filter<T: Gemm + Scratch>(
    ctx: &mut KernelContext,
    conv: &Conv,
    x: &[T],
    dy: &[T],
    dw: &mut [T],
) {
    let (p, k, oc) = (conv.positions(), conv.k, conv.oc);
    if dw.is_empty() || p == 0 {
        return;
    }
    let colst = Strides::transposed(k);
    if conv.patches_are_input() {
        return T::gemm(ctx, (k, p, oc), x, colst, dy, Strides::rows(oc), false, dw);
    }
    conv.for_each_chunk(x, |first, rows, cols| {
        let dy = &dy[first * oc..(first + rows) * oc];
        T::gemm(
            ctx,
            (k, rows, oc),
            cols,
            colst,
            dy,
            Strides::rows(oc),
            first > 0,
            dw,
        );
    });
}
