//! The AVX2+FMA micro-kernel: an `MR × 8·NV` tile of `C` in `MR·NV` ymm accumulators
//! (6×16 uses 12 of the 16 registers, leaving two for `B` and one for the broadcast).
//! AVX2 has no cheap masked stores, so a partial tile goes through a small buffer on
//! the stack and only its valid corner is copied to `C`.

use super::{Kernel, Kind, MicroTile};
use std::arch::x86_64::{
    _mm256_add_ps, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_set1_ps, _mm256_setzero_ps,
    _mm256_storeu_ps, _mm_prefetch, _MM_HINT_T0,
};

/// Lanes of a ymm register.
const LANES: usize = 8;

/// The AVX2+FMA micro-kernel with `MR` rows and `8·NV` columns.
pub(super) struct Avx2<const MR: usize, const NV: usize>;

impl<const MR: usize, const NV: usize> Kernel for Avx2<MR, NV> {
    const KIND: Kind = Kind::Avx2Fma;
    const MR: usize = MR;
    const NR: usize = NV * LANES;
    const KC: usize = 256;
    const MC: usize = 480;
    const NC: usize = 1024;

    unsafe fn tile(t: &MicroTile) {
        // SAFETY: forwarded from this function's contract, which includes AVX2 and FMA.
        unsafe { tile::<MR, NV>(t) }
    }
}

/// See [`Kernel::tile`].
///
/// # Safety
/// As [`Kernel::tile`]; the CPU must have AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
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
    for i in 0..MR {
        if i < rows {
            // SAFETY: row `i < rows` starts inside the tile the caller vouches for; a
            // prefetch never faults anyway.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(c.add(i * ldc).cast()) };
        }
    }
    let mut acc = [[_mm256_setzero_ps(); NV]; MR];
    let (mut a, mut b) = (a, b);
    for _ in 0..kc {
        let mut bv = [_mm256_setzero_ps(); NV];
        for (v, x) in bv.iter_mut().enumerate() {
            // SAFETY: the B panel holds `8·NV` floats at each of `kc` steps; `b` is at
            // the current one.
            *x = unsafe { _mm256_loadu_ps(b.add(v * LANES)) };
        }
        for (i, row) in acc.iter_mut().enumerate() {
            // SAFETY: the A panel holds `kc` columns of `MR` floats; this is column `p`.
            let ai = _mm256_set1_ps(unsafe { *a.add(i) });
            for (x, bx) in row.iter_mut().zip(&bv) {
                *x = _mm256_fmadd_ps(ai, *bx, *x);
            }
        }
        // SAFETY: at most one past the end of the panels after the last step.
        unsafe {
            a = a.add(MR);
            b = b.add(ldb);
        }
    }
    if rows == MR && cols == NV * LANES {
        for (i, row) in acc.iter().enumerate() {
            for (v, x) in row.iter().enumerate() {
                // SAFETY: a full tile: every row `< MR` and column `< 8·NV` is in C.
                unsafe {
                    let p = c.add(i * ldc + v * LANES);
                    let y = if accumulate {
                        _mm256_add_ps(_mm256_loadu_ps(p), *x)
                    } else {
                        *x
                    };
                    _mm256_storeu_ps(p, y);
                }
            }
        }
        return;
    }
    // A partial tile: spill to the stack, then copy the valid corner.
    let mut tmp = [[[0.0f32; LANES]; NV]; MR];
    for (t, row) in tmp.iter_mut().zip(&acc) {
        for (tv, x) in t.iter_mut().zip(row) {
            // SAFETY: `tv` is 8 floats.
            unsafe { _mm256_storeu_ps(tv.as_mut_ptr(), *x) };
        }
    }
    for (i, t) in tmp.iter().enumerate().take(rows) {
        for (j, &x) in t.as_flattened().iter().enumerate().take(cols) {
            // SAFETY: row `i < rows`, column `j < cols`: inside the caller's tile.
            unsafe {
                let p = c.add(i * ldc + j);
                *p = if accumulate { *p + x } else { x };
            }
        }
    }
}
