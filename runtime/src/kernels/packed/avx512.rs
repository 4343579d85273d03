//! The AVX-512 micro-kernel: an `MR × 16·NV` tile of `C` held in `MR·NV` zmm
//! accumulators. Each step of `k` loads `NV` vectors of the packed `B` panel and
//! broadcasts `MR` scalars of the packed `A` panel, one fused multiply-add per
//! accumulator. Partial tiles (the right and bottom edges of `C`) are written with
//! masked loads and stores, so padding never reaches `C`.

use super::{Kernel, Kind, MicroTile};
use std::arch::x86_64::{
    __m512, _mm512_add_ps, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_mask_storeu_ps,
    _mm512_maskz_loadu_ps, _mm512_set1_ps, _mm512_setzero_ps, _mm512_storeu_ps, _mm_prefetch,
    _MM_HINT_T0,
};

/// Lanes of a zmm register.
const LANES: usize = 16;

/// Steps of `k` per trip of the kernel's loop.
const UNROLL: usize = 4;

/// Steps of `k` ahead that the kernel prefetches the `B` panel (0: none).
const PREFETCH: usize = 8;

/// The AVX-512 micro-kernel with `MR` rows and `16·NV` columns.
pub(super) struct Avx512<const MR: usize, const NV: usize>;

impl<const MR: usize, const NV: usize> Kernel for Avx512<MR, NV> {
    const KIND: Kind = Kind::Avx512;
    const MR: usize = MR;
    const NR: usize = NV * LANES;
    const KC: usize = 512;
    const MC: usize = 480;
    const NC: usize = 512;

    unsafe fn tile(t: &MicroTile) {
        // SAFETY: forwarded from this function's contract, which includes AVX-512F.
        unsafe { tile::<MR, NV>(t) }
    }
}

/// See [`Kernel::tile`].
///
/// # Safety
/// As [`Kernel::tile`]; the CPU must have AVX-512F.
#[target_feature(enable = "avx512f")]
unsafe fn tile<const MR: usize, const NV: usize>(t: &MicroTile) {
    let MicroTile {
        kc,
        a,
        b,
        ldb,
        c,
        ldc,
        rows,
        cols,
        accumulate,
    } = *t;
    // Warm the tile of C while the products run.
    for i in 0..MR {
        if i < rows {
            for v in 0..NV {
                if v * LANES < cols {
                    // SAFETY: row `i < rows` and column `v·16 < cols` are inside the
                    // tile the caller vouches for; a prefetch never faults anyway.
                    unsafe { _mm_prefetch::<_MM_HINT_T0>(c.add(i * ldc + v * LANES).cast()) };
                }
            }
        }
    }
    let mut acc = [[_mm512_setzero_ps(); NV]; MR];
    let (mut a, mut b) = (a, b);
    // One step of k: `NV` loads of B, `MR` broadcasts of A, `MR·NV` FMAs.
    let mut step = |acc: &mut [[__m512; NV]; MR]| {
        let mut bv = [_mm512_setzero_ps(); NV];
        for (v, x) in bv.iter_mut().enumerate() {
            // SAFETY: the B panel holds `16·NV` floats at each of `kc` steps; `b` is
            // at the current one.
            *x = unsafe { _mm512_loadu_ps(b.add(v * LANES)) };
            if PREFETCH > 0 {
                // A prefetch never faults; `wrapping_add` may point past the panel.
                let ahead = b.wrapping_add(PREFETCH * ldb + v * LANES);
                _mm_prefetch::<_MM_HINT_T0>(ahead.cast());
            }
        }
        for (i, row) in acc.iter_mut().enumerate() {
            // SAFETY: the A panel holds `kc` columns of `MR` floats; `a` is at the
            // current one.
            let ai = _mm512_set1_ps(unsafe { *a.add(i) });
            for (x, bx) in row.iter_mut().zip(&bv) {
                *x = _mm512_fmadd_ps(ai, *bx, *x);
            }
        }
        // SAFETY: at most one past the end of the panels after the last step.
        unsafe {
            a = a.add(MR);
            b = b.add(ldb);
        }
    };
    for _ in 0..kc / UNROLL {
        for _ in 0..UNROLL {
            step(&mut acc);
        }
    }
    for _ in 0..kc % UNROLL {
        step(&mut acc);
    }
    // SAFETY: the caller vouches for `rows × cols` floats of C at stride `ldc`.
    unsafe { store::<MR, NV>(&acc, c, ldc, rows, cols, accumulate) }
}

/// Writes (or adds) the accumulators to the `rows × cols` corner of the tile at `c`.
///
/// # Safety
/// `c` must be valid for `rows × cols` floats at row stride `ldc`; AVX-512F.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn store<const MR: usize, const NV: usize>(
    acc: &[[__m512; NV]; MR],
    c: *mut f32,
    ldc: usize,
    rows: usize,
    cols: usize,
    accumulate: bool,
) {
    if rows == MR && cols == NV * LANES {
        for (i, row) in acc.iter().enumerate() {
            for (v, x) in row.iter().enumerate() {
                // SAFETY: a full tile: every row `< MR` and column `< 16·NV` is in C.
                unsafe {
                    let p = c.add(i * ldc + v * LANES);
                    let y = if accumulate {
                        _mm512_add_ps(_mm512_loadu_ps(p), *x)
                    } else {
                        *x
                    };
                    _mm512_storeu_ps(p, y);
                }
            }
        }
        return;
    }
    for (i, row) in acc.iter().enumerate() {
        if i >= rows {
            break;
        }
        for (v, x) in row.iter().enumerate() {
            let lanes = cols.saturating_sub(v * LANES).min(LANES);
            if lanes == 0 {
                break;
            }
            let mask = ((1u32 << lanes) - 1) as u16;
            // SAFETY: row `i < rows`; the mask enables only columns `< cols`, and
            // masked-off lanes are neither read nor written.
            unsafe {
                let p = c.add(i * ldc + v * LANES);
                let y = if accumulate {
                    _mm512_add_ps(_mm512_maskz_loadu_ps(mask, p), *x)
                } else {
                    *x
                };
                _mm512_mask_storeu_ps(p, mask, y);
            }
        }
    }
}
