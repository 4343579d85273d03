//! The gemm of the convolution kernels: `c (+)= a · b` with arbitrary strides for `a`
//! and `b`, a row-major `c`, and an accumulate flag (the filter gradient sums over
//! chunks of rows). f32 runs the packed gemm (`kernels/packed`, with the session's pool
//! and packing buffers); f64 runs `matrixmultiply`'s `dgemm`, whose operands are
//! checked to cover their strided extents before the raw call, so its one `unsafe`
//! block rests on a local check.

use crate::kernels::num::Float;
use crate::kernels::packed;
use crate::kernels::KernelContext;

pub(super) use crate::kernels::packed::Strides;

/// Floats that have a gemm.
pub(super) trait Gemm: Float {
    /// `c = a · b`, or `c += a · b` when `accumulate`; `a` is `m×k`, `b` `k×n` with
    /// their strides, `c` row-major `m×n`. Does nothing (and trips a debug assertion)
    /// if a slice is too short for the dims, which the kernels' shape checks rule out.
    #[allow(clippy::too_many_arguments)]
    fn gemm(
        ctx: &mut KernelContext,
        dims: (usize, usize, usize),
        a: &[Self],
        sa: Strides,
        b: &[Self],
        sb: Strides,
        accumulate: bool,
        c: &mut [Self],
    );
}

impl Gemm for f32 {
    fn gemm(
        ctx: &mut KernelContext,
        dims: (usize, usize, usize),
        a: &[f32],
        sa: Strides,
        b: &[f32],
        sb: Strides,
        accumulate: bool,
        c: &mut [f32],
    ) {
        packed::sgemm(ctx, dims, a, sa, b, sb, accumulate, c);
    }
}

impl Gemm for f64 {
    fn gemm(
        _ctx: &mut KernelContext,
        (m, k, n): (usize, usize, usize),
        a: &[f64],
        sa: Strides,
        b: &[f64],
        sb: Strides,
        accumulate: bool,
        c: &mut [f64],
    ) {
        let covers = |len: usize, need: Option<usize>| need.is_some_and(|x| len >= x);
        let fits = covers(a.len(), sa.extent(m, k))
            && covers(b.len(), sb.extent(k, n))
            && m.checked_mul(n) == Some(c.len());
        debug_assert!(fits, "gemm operands do not cover their dims");
        if !fits || m == 0 || n == 0 {
            return;
        }
        if k == 0 {
            if !accumulate {
                c.fill(0.0);
            }
            return;
        }
        let beta = if accumulate { 1.0 } else { 0.0 };
        // Strides are bounded by slice lengths, so they fit in isize.
        let s = |x: usize| x as isize;
        // SAFETY: just checked that `a`, `b` and `c` cover every offset their strides
        // reach for these non-zero dims; `c` is row-major `m×n`.
        unsafe {
            matrixmultiply::dgemm(
                m,
                k,
                n,
                1.0,
                a.as_ptr(),
                s(sa.row),
                s(sa.col),
                b.as_ptr(),
                s(sb.row),
                s(sb.col),
                beta,
                c.as_mut_ptr(),
                s(n),
                1,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strided_products_and_accumulation() {
        let mut ctx = KernelContext::default();
        // a = [[1, 2], [3, 4]] stored transposed; b = [[1, 0, 2], [0, 1, 3]].
        let a = [1.0f64, 3.0, 2.0, 4.0];
        let b = [1.0, 0.0, 2.0, 0.0, 1.0, 3.0];
        let mut c = [9.0; 6];
        let dims = (2, 2, 3);
        let (sa, sb) = (Strides::transposed(2), Strides::rows(3));
        f64::gemm(&mut ctx, dims, &a, sa, &b, sb, false, &mut c);
        assert_eq!(c, [1.0, 2.0, 8.0, 3.0, 4.0, 18.0]);
        f64::gemm(&mut ctx, dims, &a, sa, &b, sb, true, &mut c);
        assert_eq!(c, [2.0, 4.0, 16.0, 6.0, 8.0, 36.0]);
        // k = 0: zeros, or unchanged when accumulating.
        f64::gemm(&mut ctx, (2, 0, 3), &[], sa, &[], sb, true, &mut c);
        assert_eq!(c[5], 36.0);
        f64::gemm(&mut ctx, (2, 0, 3), &[], sa, &[], sb, false, &mut c);
        assert_eq!(c, [0.0; 6]);
        // The same through f32's packed gemm.
        let a32 = a.map(|v| v as f32);
        let b32 = b.map(|v| v as f32);
        let mut c32 = [9.0f32; 6];
        f32::gemm(&mut ctx, dims, &a32, sa, &b32, sb, false, &mut c32);
        assert_eq!(c32, [1.0, 2.0, 8.0, 3.0, 4.0, 18.0]);
        f32::gemm(&mut ctx, dims, &a32, sa, &b32, sb, true, &mut c32);
        assert_eq!(c32, [2.0, 4.0, 16.0, 6.0, 8.0, 36.0]);
    }
}
