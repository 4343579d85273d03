//! MatMul's gemm: f32 runs the packed gemm (`kernels/packed`, with the session's pool
//! and packing buffers); f64 runs `matrixmultiply`'s `dgemm`, whose operands are
//! checked to cover the strided extents before the raw call, so its one `unsafe` block
//! rests on a local check rather than on its callers.

use super::{Dims, Layout};
use crate::kernels::num::Num;
use crate::kernels::packed::{self, Strides};
use crate::kernels::KernelContext;

/// Floats that have a gemm.
pub(super) trait Gemm: Num {
    /// Below this many multiply-adds (`m * k * n`) the plain loop beats gemm's packing.
    const SMALL: usize;
    /// Up to this many rows of `op(a)`, with rows of `op(b)` contiguous, the plain
    /// loop's axpy passes over `b` beat packing it.
    const FEW_ROWS: usize;

    /// `c = op(a) · op(b)`, row-major `m×n` into `c` (every element written, so `c`
    /// need not be zeroed). Does nothing (and trips a debug assertion) if a slice is
    /// too short for the dims, which the kernel's shape checks rule out.
    fn gemm(ctx: &mut KernelContext, d: &Dims, a: &[Self], b: &[Self], c: &mut [Self]);
}

/// The packed gemm's strides of a layout.
fn strides(l: Layout) -> Strides {
    Strides {
        row: l.row,
        col: l.col,
    }
}

/// Measured against the AVX-512 packed gemm: it wins from 8×8×8 and from 4 rows.
impl Gemm for f32 {
    const SMALL: usize = 512;
    const FEW_ROWS: usize = 3;

    fn gemm(ctx: &mut KernelContext, d: &Dims, a: &[f32], b: &[f32], c: &mut [f32]) {
        let (sa, sb) = (strides(d.la), strides(d.lb));
        packed::sgemm(ctx, (d.m, d.k, d.n), a, sa, b, sb, false, c);
    }
}

/// Measured against `matrixmultiply`'s dgemm.
impl Gemm for f64 {
    const SMALL: usize = 4096;
    const FEW_ROWS: usize = 4;

    fn gemm(_ctx: &mut KernelContext, d: &Dims, a: &[f64], b: &[f64], c: &mut [f64]) {
        let (sa, sb) = (strides(d.la), strides(d.lb));
        let covers = |len: usize, need: Option<usize>| need.is_some_and(|n| len >= n);
        let fits = covers(a.len(), sa.extent(d.m, d.k))
            && covers(b.len(), sb.extent(d.k, d.n))
            && d.m.checked_mul(d.n) == Some(c.len());
        debug_assert!(fits, "gemm operands do not cover their dims");
        if !fits || c.is_empty() {
            return;
        }
        if d.k == 0 {
            c.fill(0.0);
            return;
        }
        // Strides are bounded by slice lengths, so they fit in isize.
        let s = |x: usize| x as isize;
        // SAFETY: just checked that `a`, `b` and `c` cover every offset their strides
        // reach for these non-zero dims; `c`'s layout is row-major `m×n`; beta = 0, so
        // `c` is only written.
        unsafe {
            matrixmultiply::dgemm(
                d.m,
                d.k,
                d.n,
                1.0,
                a.as_ptr(),
                s(d.la.row),
                s(d.la.col),
                b.as_ptr(),
                s(d.lb.row),
                s(d.lb.col),
                0.0,
                c.as_mut_ptr(),
                s(d.n),
                1,
            )
        }
    }
}
