//! The safe face of `matrixmultiply`'s `sgemm`/`dgemm` for the convolution kernels:
//! `c (+)= a · b` with arbitrary strides for `a` and `b`, a row-major `c`, and an
//! accumulate flag (the filter gradient sums over chunks of rows). Operands are checked
//! to cover their strided extents before the raw call, so the one `unsafe` block rests
//! on a local check. (MatMul's `matmul/gemm` has no `beta`; this one is separate so the
//! two kernels stay independent.)

use crate::kernels::num::Float;

/// Strides `(row, col)` of a logical matrix over a slice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Strides {
    /// Step between rows.
    pub(super) row: usize,
    /// Step between columns.
    pub(super) col: usize,
}

impl Strides {
    /// A row-major matrix with `cols` columns.
    pub(super) fn rows(cols: usize) -> Strides {
        Strides { row: cols, col: 1 }
    }

    /// The transpose of a row-major matrix with `cols` columns.
    pub(super) fn transposed(cols: usize) -> Strides {
        Strides { row: 1, col: cols }
    }

    /// One past the largest offset of a `rows×cols` matrix (`None` on overflow; `Some(0)`
    /// for an empty one).
    fn extent(self, rows: usize, cols: usize) -> Option<usize> {
        if rows == 0 || cols == 0 {
            return Some(0);
        }
        let last_row = (rows - 1).checked_mul(self.row)?;
        let last_col = (cols - 1).checked_mul(self.col)?;
        last_row.checked_add(last_col)?.checked_add(1)
    }
}

/// Floats that have a gemm.
pub(super) trait Gemm: Float {
    /// The raw gemm: `c ← a·b + beta·c`, `c` row-major `m×n`.
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
        sa: Strides,
        b: *const Self,
        sb: Strides,
        beta: Self,
        c: *mut Self,
    );

    /// `c = a · b`, or `c += a · b` when `accumulate`; `a` is `m×k`, `b` `k×n` with
    /// their strides, `c` row-major `m×n`. Does nothing (and trips a debug assertion)
    /// if a slice is too short for the dims, which the kernels' shape checks rule out.
    fn gemm(
        (m, k, n): (usize, usize, usize),
        a: &[Self],
        sa: Strides,
        b: &[Self],
        sb: Strides,
        accumulate: bool,
        c: &mut [Self],
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
                c.fill(Self::ZERO);
            }
            return;
        }
        let beta = if accumulate {
            Self::from_f64(1.0)
        } else {
            Self::ZERO
        };
        // SAFETY: just checked that `a`, `b` and `c` cover every offset their strides
        // reach for these non-zero dims; `c` is row-major `m×n`.
        unsafe {
            Self::raw(
                m,
                k,
                n,
                a.as_ptr(),
                sa,
                b.as_ptr(),
                sb,
                beta,
                c.as_mut_ptr(),
            )
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
                sa: Strides,
                b: *const Self,
                sb: Strides,
                beta: Self,
                c: *mut Self,
            ) {
                // Strides are bounded by slice lengths, so they fit in isize.
                let s = |x: usize| x as isize;
                // SAFETY: forwarded from this function's contract.
                unsafe {
                    $f(
                        m,
                        k,
                        n,
                        1.0,
                        a,
                        s(sa.row),
                        s(sa.col),
                        b,
                        s(sb.row),
                        s(sb.col),
                        beta,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strided_products_and_accumulation() {
        // a = [[1, 2], [3, 4]] stored transposed; b = [[1, 0, 2], [0, 1, 3]].
        let a = [1.0f64, 3.0, 2.0, 4.0];
        let b = [1.0, 0.0, 2.0, 0.0, 1.0, 3.0];
        let mut c = [9.0; 6];
        let dims = (2, 2, 3);
        let (sa, sb) = (Strides::transposed(2), Strides::rows(3));
        f64::gemm(dims, &a, sa, &b, sb, false, &mut c);
        assert_eq!(c, [1.0, 2.0, 8.0, 3.0, 4.0, 18.0]);
        f64::gemm(dims, &a, sa, &b, sb, true, &mut c);
        assert_eq!(c, [2.0, 4.0, 16.0, 6.0, 8.0, 36.0]);
        // k = 0: zeros, or unchanged when accumulating.
        f64::gemm((2, 0, 3), &[], sa, &[], sb, true, &mut c);
        assert_eq!(c[5], 36.0);
        f64::gemm((2, 0, 3), &[], sa, &[], sb, false, &mut c);
        assert_eq!(c, [0.0; 6]);
    }
}
