//! Matrix-vector products over a matrix with few columns (`C <= 16` stored columns), the
//! shapes of full-batch linear regression: `X · θ` and `Xᵀ · e` for `X` of `m × 9`.
//!
//! gemm packs and tiles for large `n`; with `n = 1` and rows of 9 floats it runs at a
//! few percent of peak. Here one row of `X` is one 16-lane vector (masked to its `C`
//! columns, so nothing past the row is read), and
//! - `Xᵀ · e` accumulates `row · e[i]` into four vector accumulators (one pass over `X`,
//!   one fused multiply-add per row);
//! - `X · θ` multiplies each row by `θ` and sums 16 rows' lanes at once with a transposed
//!   reduction tree (about 2 shuffles per row instead of a full horizontal sum each).
//!
//! AVX-512 where the CPU has it; otherwise plain loops over 16-lane arrays that the
//! compiler vectorises for the baseline target (still several times faster than gemm).

use super::{Dims, Layout};

/// The most stored columns a matrix may have for these kernels.
const MAX_COLS: usize = 16;

/// `c = op(a) · b` for `n = 1` when `a` has at most 16 stored columns; `false` (nothing
/// written) for other shapes. `c` is `m` long, `b` holds `k` contiguous values.
pub(super) fn try_f32(d: &Dims, a: &[f32], b: &[f32], c: &mut [f32]) -> bool {
    if d.n != 1 || c.len() != d.m || b.len() < d.k {
        return false;
    }
    let b = &b[..d.k];
    match d.la {
        // a stored m×k, rows contiguous: c = a · b.
        Layout { row, col: 1 } if row == d.k && d.k <= MAX_COLS && a.len() >= d.m * d.k => {
            rows_dot(&a[..d.m * d.k], d.k, b, c);
            true
        }
        // a stored k×m, op(a) = aᵀ: c[j] = Σ_i a[i, j] · b[i].
        Layout { row: 1, col } if col == d.m && d.m <= MAX_COLS && a.len() >= d.k * d.m => {
            columns_dot(&a[..d.k * d.m], d.m, b, c);
            true
        }
        _ => false,
    }
}

/// `out[i] = Σ_j a[i, j] · x[j]` for `a` of `out.len() × cols`, `cols <= 16`.
fn rows_dot(a: &[f32], cols: usize, x: &[f32], out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU has AVX-512F (checked above); `a` is `out.len() × cols` and
        // `x` is `cols` long, checked by the caller's pattern guards and `b[..k]`.
        return unsafe { avx512::rows_dot(a, cols, x, out) };
    }
    portable::rows_dot(a, cols, x, out);
}

/// `out[j] = Σ_i a[i, j] · v[i]` for `a` of `v.len() × out.len()`, `out.len() <= 16`.
fn columns_dot(a: &[f32], cols: usize, v: &[f32], out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: as in `rows_dot`.
        return unsafe { avx512::columns_dot(a, cols, v, out) };
    }
    portable::columns_dot(a, cols, v, out);
}

/// Plain loops over 16-lane arrays.
mod portable {
    use super::MAX_COLS;

    /// One row, zero-padded to 16 lanes.
    #[inline(always)]
    fn padded(row: &[f32]) -> [f32; MAX_COLS] {
        let mut lanes = [0.0; MAX_COLS];
        lanes[..row.len()].copy_from_slice(row);
        lanes
    }

    pub(super) fn rows_dot(a: &[f32], cols: usize, x: &[f32], out: &mut [f32]) {
        if cols == 0 {
            out.fill(0.0);
            return;
        }
        let x = padded(x);
        for (o, row) in out.iter_mut().zip(a.chunks_exact(cols)) {
            let row = padded(row);
            let mut s = [0.0f32; 8];
            for j in 0..8 {
                s[j] = row[j] * x[j] + row[j + 8] * x[j + 8];
            }
            *o = ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]));
        }
    }

    pub(super) fn columns_dot(a: &[f32], cols: usize, v: &[f32], out: &mut [f32]) {
        let mut acc = [[0.0f32; MAX_COLS]; 2];
        if cols > 0 {
            for (i, (row, &e)) in a.chunks_exact(cols).zip(v).enumerate() {
                let row = padded(row);
                let acc = &mut acc[i % 2];
                for j in 0..MAX_COLS {
                    acc[j] += row[j] * e;
                }
            }
        }
        for (j, o) in out.iter_mut().enumerate() {
            *o = acc[0][j] + acc[1][j];
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    /// The mask of a row's `cols` lanes (`cols <= 16`).
    #[inline(always)]
    fn lanes(cols: usize) -> __mmask16 {
        ((1u32 << cols) - 1) as __mmask16
    }

    /// Row `i` of `a` (`cols` columns) times `x`, lanes past `cols` zero.
    ///
    /// # Safety
    /// AVX-512F; row `i` lies inside `a`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn product(a: &[f32], cols: usize, i: usize, m: __mmask16, x: __m512) -> __m512 {
        // SAFETY: the masked load touches only the row's `cols` floats, inside `a`.
        unsafe { _mm512_maskz_mul_ps(m, _mm512_maskz_loadu_ps(m, a.as_ptr().add(i * cols)), x) }
    }

    /// Per 128-bit lane: `a0+a2, b0+b2, a1+a3, b1+b3`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn pair(a: __m512, b: __m512) -> __m512 {
        _mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b))
    }

    /// Two [`pair`]s to one vector holding four rows' partial sums per 128-bit lane.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn quad(a: __m512, b: __m512) -> __m512 {
        _mm512_add_ps(
            _mm512_shuffle_ps::<0x44>(a, b),
            _mm512_shuffle_ps::<0xEE>(a, b),
        )
    }

    /// Adds 128-bit lanes 0+1 and 2+3 of `a`, then of `b`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn halves(a: __m512, b: __m512) -> __m512 {
        _mm512_add_ps(
            _mm512_shuffle_f32x4::<0x88>(a, b),
            _mm512_shuffle_f32x4::<0xDD>(a, b),
        )
    }

    /// Lane `r` of the result is the sum of the lanes of `v[r]`: a transposed reduction
    /// tree (unpacks, then 32-bit and 128-bit lane shuffles), 30 shuffles for 16 rows.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn sum16(v: &[__m512; 16]) -> __m512 {
        let mut w = [_mm512_setzero_ps(); 8];
        for (k, w) in w.iter_mut().enumerate() {
            *w = pair(v[2 * k], v[2 * k + 1]);
        }
        let mut x = [_mm512_setzero_ps(); 4];
        for (k, x) in x.iter_mut().enumerate() {
            *x = quad(w[2 * k], w[2 * k + 1]);
        }
        halves(halves(x[0], x[1]), halves(x[2], x[3]))
    }

    /// # Safety
    /// AVX-512F; `a` is `out.len() × cols`, `x` is `cols` long, `cols <= 16`.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn rows_dot(a: &[f32], cols: usize, x: &[f32], out: &mut [f32]) {
        let m = lanes(cols);
        // SAFETY: masked to `x`'s `cols` floats.
        let x = unsafe { _mm512_maskz_loadu_ps(m, x.as_ptr()) };
        let rows = out.len();
        let mut i = 0;
        while i + 16 <= rows {
            let mut v = [_mm512_setzero_ps(); 16];
            for (r, v) in v.iter_mut().enumerate() {
                // SAFETY: rows `i..i + 16` exist.
                *v = unsafe { product(a, cols, i + r, m, x) };
            }
            // SAFETY: `out[i..i + 16]` exists.
            unsafe { _mm512_storeu_ps(out.as_mut_ptr().add(i), sum16(&v)) };
            i += 16;
        }
        for (r, o) in out.iter_mut().enumerate().skip(i) {
            // SAFETY: row `r` exists.
            *o = _mm512_reduce_add_ps(unsafe { product(a, cols, r, m, x) });
        }
    }

    /// # Safety
    /// AVX-512F; `a` is `v.len() × out.len()`, `out.len() <= 16`.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn columns_dot(a: &[f32], cols: usize, v: &[f32], out: &mut [f32]) {
        let m = lanes(cols);
        let mut acc = [_mm512_setzero_ps(); 4];
        let rows = v.len();
        /// Row `i` of `a`, lanes past `cols` zero.
        ///
        /// # Safety
        /// AVX-512F; row `i` lies inside `a`.
        #[target_feature(enable = "avx512f")]
        #[inline]
        unsafe fn row(a: &[f32], cols: usize, m: __mmask16, i: usize) -> __m512 {
            // SAFETY: the caller's row is inside `a`; the load is masked to it.
            unsafe { _mm512_maskz_loadu_ps(m, a.as_ptr().add(i * cols)) }
        }
        let mut i = 0;
        while i + 4 <= rows {
            for (u, acc) in acc.iter_mut().enumerate() {
                // SAFETY: `i + u < rows`, and `a` has `rows` rows.
                let r = unsafe { row(a, cols, m, i + u) };
                *acc = _mm512_fmadd_ps(r, _mm512_set1_ps(v[i + u]), *acc);
            }
            i += 4;
        }
        for (r, &e) in v.iter().enumerate().skip(i) {
            // SAFETY: `r < rows`.
            let x = unsafe { row(a, cols, m, r) };
            acc[0] = _mm512_fmadd_ps(x, _mm512_set1_ps(e), acc[0]);
        }
        let total = _mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3]));
        // SAFETY: masked to `out`'s `cols` floats.
        unsafe { _mm512_mask_storeu_ps(out.as_mut_ptr(), m, total) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(a: &[f32], rows: usize, cols: usize, x: &[f32], transposed: bool) -> Vec<f64> {
        let at = |i: usize, j: usize| f64::from(a[i * cols + j]);
        if transposed {
            (0..cols)
                .map(|j| (0..rows).map(|i| at(i, j) * f64::from(x[i])).sum())
                .collect()
        } else {
            (0..rows)
                .map(|i| (0..cols).map(|j| at(i, j) * f64::from(x[j])).sum())
                .collect()
        }
    }

    fn data(len: usize, seed: u32) -> Vec<f32> {
        (0..len)
            .map(|i| ((i as u32).wrapping_mul(2_654_435_761) ^ seed) % 1000)
            .map(|v| v as f32 / 250.0 - 2.0)
            .collect()
    }

    fn close(got: &[f32], want: &[f64], scale: f64) {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert!((f64::from(*g) - w).abs() <= 1e-5 * scale, "{g} vs {w}");
        }
    }

    /// Both layouts, every column count, row counts around the 16-row blocks, on the
    /// portable loops and (where the CPU has it) AVX-512.
    #[test]
    fn matches_a_float64_reference() {
        for cols in 1..=MAX_COLS {
            for rows in [1, 3, 15, 16, 17, 33, 100] {
                let a = data(rows * cols, 7);
                let x = data(cols, 3);
                let v = data(rows, 5);
                let scale = (rows * cols) as f64;
                let want = reference(&a, rows, cols, &x, false);
                let mut out = vec![f32::NAN; rows];
                rows_dot(&a, cols, &x, &mut out);
                close(&out, &want, scale);
                portable::rows_dot(&a, cols, &x, &mut out);
                close(&out, &want, scale);
                let want = reference(&a, rows, cols, &v, true);
                let mut out = vec![f32::NAN; cols];
                columns_dot(&a, cols, &v, &mut out);
                close(&out, &want, scale);
                portable::columns_dot(&a, cols, &v, &mut out);
                close(&out, &want, scale);
            }
        }
    }

    #[test]
    fn declines_other_shapes() {
        let dims = |m, k, n, la| Dims {
            m,
            k,
            n,
            la,
            lb: Layout::new(n, false),
        };
        let a = vec![1.0; 17 * 40];
        let b = vec![1.0; 40];
        let mut c = vec![0.0; 40];
        // 17 stored columns, two output columns.
        assert!(!try_f32(
            &dims(40, 17, 1, Layout::new(17, false)),
            &a,
            &b,
            &mut c
        ));
        assert!(!try_f32(
            &dims(20, 17, 2, Layout::new(17, false)),
            &a,
            &b,
            &mut c
        ));
        assert!(try_f32(
            &dims(40, 9, 1, Layout::new(9, false)),
            &a,
            &b[..9],
            &mut c[..40]
        ));
    }
}
