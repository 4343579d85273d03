//! The safe face of `matrixmultiply`'s `sgemm`/`dgemm`: operands are checked to
//! cover the strided extents before the raw call, so the kernel's one `unsafe` block
//! rests on a local check rather than on its callers.

use super::{Dims, Layout};
use crate::kernels::num::Num;

/// Floats that have a gemm.
pub(super) trait Gemm: Num {
    /// The raw gemm: `c ← 1·a·b + 0·c` with arbitrary strides.
    ///
    /// # Safety
    /// As `matrixmultiply::sgemm`: every offset the strides reach for an `m×k` `a`, a
    /// `k×n` `b` and an `m×n` `c` must be inside its allocation.
    #[allow(clippy::too_many_arguments)]
    unsafe fn raw(
        m: usize,
        k: usize,
        n: usize,
        a: *const Self,
        la: Layout,
        b: *const Self,
        lb: Layout,
        c: *mut Self,
    );

    /// `c = op(a) · op(b)`, row-major `m×n` into `c`. Does nothing (and trips a debug
    /// assertion) if a slice is too short for the dims, which the kernel's shape checks
    /// rule out.
    fn gemm(d: &Dims, a: &[Self], b: &[Self], c: &mut [Self]) {
        // One past the largest offset a strided matrix reaches (None on overflow).
        let extent = |rows: usize, cols: usize, l: Layout| {
            let last_row = (rows.checked_sub(1)?).checked_mul(l.row)?;
            let last_col = (cols.checked_sub(1)?).checked_mul(l.col)?;
            last_row.checked_add(last_col)?.checked_add(1)
        };
        let covers = |len: usize, need: Option<usize>| need.is_some_and(|n| len >= n);
        let fits = covers(a.len(), extent(d.m, d.k, d.la))
            && covers(b.len(), extent(d.k, d.n, d.lb))
            && d.m.checked_mul(d.n) == Some(c.len());
        debug_assert!(fits, "gemm operands do not cover their dims");
        if fits {
            // SAFETY: just checked that `a`, `b` and `c` cover every offset their
            // strides reach for these (non-zero) dims; `c`'s layout is row-major `m×n`.
            unsafe {
                Self::raw(
                    d.m,
                    d.k,
                    d.n,
                    a.as_ptr(),
                    d.la,
                    b.as_ptr(),
                    d.lb,
                    c.as_mut_ptr(),
                )
            }
        }
    }
}

macro_rules! gemm_impl {
    ($t:ty, $f:path) => {
        impl Gemm for $t {
            unsafe fn raw(
                m: usize,
                k: usize,
                n: usize,
                a: *const Self,
                la: Layout,
                b: *const Self,
                lb: Layout,
                c: *mut Self,
            ) {
                // Strides are bounded by slice lengths, so they fit in isize.
                let s = |x: usize| x as isize;
                // SAFETY: forwarded from this function's contract; beta = 0, so `c` is
                // only written.
                unsafe {
                    $f(
                        m,
                        k,
                        n,
                        1.0,
                        a,
                        s(la.row),
                        s(la.col),
                        b,
                        s(lb.row),
                        s(lb.col),
                        0.0,
                        c,
                        s(n),
                        1,
                    )
                }
            }
        }
    };
}

gemm_impl!(f32, matrixmultiply::sgemm);
gemm_impl!(f64, matrixmultiply::dgemm);
