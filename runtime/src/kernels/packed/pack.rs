//! Packing: copies a block of `op(A)` or `op(B)`, read through its strides, into the
//! panel order the micro-kernels stream.
//!
//! * `A` (`rows × kc`) becomes panels of `MR` rows; a panel stores, for each `p` of
//!   `kc`, the `MR` values of column `p` next to each other (`kc·MR` floats).
//! * `B` (`kc × cols`) becomes panels of `NR` columns; a panel stores, for each `p`,
//!   the `NR` values of row `p` next to each other (`kc·NR` floats).
//!
//! The last panel of a block is padded with zeros, so the micro-kernel always computes
//! a full tile and the padding only ever multiplies into lanes that are not stored.
//!
//! Both are the same job on a panel: `out[p·w + i] = x(i, p)` for `i < w`, `p < kc`,
//! where `x(i, p)` sits at `start + i·si + p·sp` in the source. When `sp = 1` (`A`
//! row-major, `B` transposed) each `i` is a contiguous run and the panel is a
//! transpose, done in 4×4 blocks of SSE registers ([`interleave`]); when `si = 1`
//! (`A` transposed, `B` row-major) each `p` is a contiguous run and the panel is a
//! row copy ([`copy_rows`]); other strides take a plain loop.

use super::isa::Supported;
use super::{Kernel, Kind, Strides};

/// A block of a strided matrix: `rows × cols` from `(row0, col0)`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Block {
    /// First row.
    pub(super) row0: usize,
    /// Rows.
    pub(super) rows: usize,
    /// First column.
    pub(super) col0: usize,
    /// Columns.
    pub(super) cols: usize,
}

/// One panel's source: `valid` of the `w` lanes (the rest are zero) over `kc` steps;
/// lane `i`, step `p` at `start + i·si + p·sp`.
#[derive(Clone, Copy, Debug)]
struct Panel {
    /// Offset of lane 0, step 0.
    start: usize,
    /// Step between lanes.
    si: usize,
    /// Step between steps.
    sp: usize,
    /// Lanes with data.
    valid: usize,
    /// Lanes of the panel (`MR` or `NR`).
    w: usize,
    /// Steps.
    kc: usize,
}

/// Packs `blk` (`rows × kc`, `kc = blk.cols`) of `a` into `K::MR`-row panels at the
/// front of `out`, which must hold `⌈rows/MR⌉·MR·kc` floats; `a` must cover the block.
/// Runs a copy of the loops compiled for `K`'s instruction set.
pub(super) fn pack_a<K: Kernel>(
    _cpu: Supported<K>,
    a: &[f32],
    s: Strides,
    blk: Block,
    out: &mut [f32],
) {
    match K::KIND {
        // SAFETY: `_cpu` proves the CPU has `K::KIND`'s features, AVX-512F here.
        #[cfg(target_arch = "x86_64")]
        Kind::Avx512 => unsafe { pack_a_avx512(K::MR, a, s, blk, out) },
        // SAFETY: as above, AVX2 and FMA here.
        #[cfg(target_arch = "x86_64")]
        Kind::Avx2Fma => unsafe { pack_a_avx2(K::MR, a, s, blk, out) },
        _ => pack_a_body(K::MR, a, s, blk, out),
    }
}

/// Packs `blk` (`kc × cols`, `kc = blk.rows`) of `b` into `K::NR`-column panels at
/// the front of `out`, which must hold `⌈cols/NR⌉·NR·kc` floats; `b` must cover the
/// block. Runs a copy of the loops compiled for `K`'s instruction set.
pub(super) fn pack_b<K: Kernel>(
    _cpu: Supported<K>,
    b: &[f32],
    s: Strides,
    blk: Block,
    out: &mut [f32],
) {
    match K::KIND {
        // SAFETY: `_cpu` proves the CPU has `K::KIND`'s features, AVX-512F here.
        #[cfg(target_arch = "x86_64")]
        Kind::Avx512 => unsafe { pack_b_avx512(K::NR, b, s, blk, out) },
        // SAFETY: as above, AVX2 and FMA here.
        #[cfg(target_arch = "x86_64")]
        Kind::Avx2Fma => unsafe { pack_b_avx2(K::NR, b, s, blk, out) },
        _ => pack_b_body(K::NR, b, s, blk, out),
    }
}

/// [`pack_a_body`] compiled for AVX-512F.
///
/// # Safety
/// The CPU must have AVX-512F.
#[cfg(target_arch = "x86_64")]
#[clippy::msrv = "1.89"]
#[target_feature(enable = "avx512f")]
unsafe fn pack_a_avx512(mr: usize, a: &[f32], s: Strides, blk: Block, out: &mut [f32]) {
    pack_a_body(mr, a, s, blk, out);
}

/// [`pack_b_body`] compiled for AVX-512F.
///
/// # Safety
/// The CPU must have AVX-512F.
#[cfg(target_arch = "x86_64")]
#[clippy::msrv = "1.89"]
#[target_feature(enable = "avx512f")]
unsafe fn pack_b_avx512(nr: usize, b: &[f32], s: Strides, blk: Block, out: &mut [f32]) {
    pack_b_body(nr, b, s, blk, out);
}

/// [`pack_a_body`] compiled for AVX2.
///
/// # Safety
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn pack_a_avx2(mr: usize, a: &[f32], s: Strides, blk: Block, out: &mut [f32]) {
    pack_a_body(mr, a, s, blk, out);
}

/// [`pack_b_body`] compiled for AVX2.
///
/// # Safety
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn pack_b_avx2(nr: usize, b: &[f32], s: Strides, blk: Block, out: &mut [f32]) {
    pack_b_body(nr, b, s, blk, out);
}

/// [`pack_a`]'s loops, for `mr`-row panels.
#[inline(always)]
fn pack_a_body(mr: usize, a: &[f32], s: Strides, blk: Block, out: &mut [f32]) {
    let src = Panel {
        start: blk.row0 * s.row + blk.col0 * s.col,
        si: s.row,
        sp: s.col,
        valid: blk.rows,
        w: mr,
        kc: blk.cols,
    };
    pack_block(a, src, out);
}

/// [`pack_b`]'s loops, for `nr`-column panels.
#[inline(always)]
fn pack_b_body(nr: usize, b: &[f32], s: Strides, blk: Block, out: &mut [f32]) {
    let src = Panel {
        start: blk.row0 * s.row + blk.col0 * s.col,
        si: s.col,
        sp: s.row,
        valid: blk.cols,
        w: nr,
        kc: blk.rows,
    };
    pack_block(b, src, out);
}

/// All `⌈valid/w⌉` panels of a block (`src.valid` lanes in all), by the loop that
/// suits its strides: steps contiguous (a transpose per panel), lanes contiguous (each
/// step's run of lanes copied across all panels, reading each source row once, in
/// order), or neither.
#[inline(always)]
fn pack_block(x: &[f32], src: Panel, out: &mut [f32]) {
    let Panel { w, kc, .. } = src;
    if src.si == 1 && src.sp != 1 {
        return match w {
            32 => copy_steps::<32>(x, src, out),
            16 => copy_steps::<16>(x, src, out),
            12 => copy_steps::<12>(x, src, out),
            8 => copy_steps::<8>(x, src, out),
            6 => copy_steps::<6>(x, src, out),
            _ => copy_steps_any(x, src, out),
        };
    }
    let panels = out.chunks_exact_mut(w * kc).take(src.valid.div_ceil(w));
    for (q, panel) in panels.enumerate() {
        let one = Panel {
            start: src.start + q * w * src.si,
            valid: w.min(src.valid - q * w),
            ..src
        };
        if one.sp == 1 && kc > 0 {
            interleave(x, one, panel);
        } else {
            strided(x, one, panel);
        }
    }
}

/// Lanes read together by [`copy_steps`]: a few cache lines of each source row per
/// pass, written to a few panels (more panels at once means more write streams).
const GROUP_LANES: usize = 64;

/// Lanes contiguous (`si = 1`): step `p` of a panel is a run of floats at
/// `start + p·sp`. Groups of panels covering [`GROUP_LANES`] lanes are filled a step
/// at a time, so each source row is read a few whole cache lines at a time; `W` is the
/// panel width, a constant so that a full panel's step is a fixed-size copy.
#[inline(always)]
fn copy_steps<const W: usize>(x: &[f32], src: Panel, out: &mut [f32]) {
    let kc = src.kc;
    let group = (GROUP_LANES / W).max(1);
    for (g, outs) in out.chunks_mut(group * W * kc).enumerate() {
        let first = g * group * W;
        if first >= src.valid {
            break;
        }
        let lanes = (group * W).min(src.valid - first);
        for p in 0..kc {
            let from = src.start + first + p * src.sp;
            let row = &x[from..from + lanes];
            for (q, run) in row.chunks(W).enumerate() {
                let dst = &mut outs[(q * kc + p) * W..][..W];
                if let Ok(run) = <&[f32; W]>::try_from(run) {
                    dst.copy_from_slice(run);
                } else {
                    dst[..run.len()].copy_from_slice(run);
                    dst[run.len()..].fill(0.0);
                }
            }
        }
    }
}

/// [`copy_steps`] for any width.
#[inline(always)]
fn copy_steps_any(x: &[f32], src: Panel, out: &mut [f32]) {
    let (w, kc) = (src.w, src.kc);
    for (q, panel) in out.chunks_exact_mut(w * kc).enumerate() {
        let first = q * w;
        if first >= src.valid {
            break;
        }
        let lanes = w.min(src.valid - first);
        for (p, dst) in panel.chunks_exact_mut(w).enumerate() {
            let from = src.start + first + p * src.sp;
            dst[..lanes].copy_from_slice(&x[from..from + lanes]);
            dst[lanes..].fill(0.0);
        }
    }
}

/// Any strides: one element at a time.
#[inline(always)]
fn strided(x: &[f32], src: Panel, out: &mut [f32]) {
    for (p, dst) in out.chunks_exact_mut(src.w).take(src.kc).enumerate() {
        for (i, d) in dst.iter_mut().enumerate() {
            *d = if i < src.valid {
                x[src.start + i * src.si + p * src.sp]
            } else {
                0.0
            };
        }
    }
}

/// Steps contiguous (`sp = 1`): lane `i` is a run of `kc` floats, and the panel is
/// their transpose. Four lanes at a time, in 4×4 blocks of SSE registers (x86-64
/// always has SSE), the leftovers one by one.
#[inline(always)]
fn interleave(x: &[f32], src: Panel, out: &mut [f32]) {
    let Panel { w, kc, valid, .. } = src;
    let lane = |i: usize| (i < valid).then(|| &x[src.start + i * src.si..][..kc]);
    let out = &mut out[..w * kc];
    let mut g = 0;
    #[cfg(target_arch = "x86_64")]
    while g + 4 <= w {
        let rows = [lane(g), lane(g + 1), lane(g + 2), lane(g + 3)];
        transpose_4(rows, w, kc, &mut out[g..]);
        g += 4;
    }
    for i in g..w {
        let run = lane(i);
        for (p, dst) in out.chunks_exact_mut(w).enumerate() {
            dst[i] = run.map_or(0.0, |r| r[p]);
        }
    }
}

/// Writes `rows[r][p]` (zero for a missing row) to `out[p·w + r]` for `r < 4` and
/// `p < kc`; each present row holds `kc` floats and `out` at least `(kc-1)·w + 4`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn transpose_4(rows: [Option<&[f32]>; 4], w: usize, kc: usize, out: &mut [f32]) {
    use std::arch::x86_64::{
        __m128, _mm_loadu_ps, _mm_movehl_ps, _mm_movelh_ps, _mm_storeu_ps, _mm_unpackhi_ps,
        _mm_unpacklo_ps,
    };
    /// The transpose of four rows of four.
    #[inline(always)]
    fn t4([r0, r1, r2, r3]: [__m128; 4]) -> [__m128; 4] {
        // SAFETY: register shuffles only; SSE is part of x86-64.
        unsafe {
            // [a0 b0 a1 b1], [c0 d0 c1 d1], [a2 b2 a3 b3], [c2 d2 c3 d3]
            let (t0, t1) = (_mm_unpacklo_ps(r0, r1), _mm_unpacklo_ps(r2, r3));
            let (t2, t3) = (_mm_unpackhi_ps(r0, r1), _mm_unpackhi_ps(r2, r3));
            [
                _mm_movelh_ps(t0, t1),
                _mm_movehl_ps(t1, t0),
                _mm_movelh_ps(t2, t3),
                _mm_movehl_ps(t3, t2),
            ]
        }
    }
    let body = kc / 4 * 4;
    let full = match rows {
        [Some(r0), Some(r1), Some(r2), Some(r3)] => Some([r0, r1, r2, r3]),
        _ => None,
    };
    match full {
        Some(r)
            if body > 0 && r.iter().all(|r| r.len() >= kc) && out.len() >= (body - 1) * w + 4 =>
        {
            let src = r.map(<[f32]>::as_ptr);
            let dst = out.as_mut_ptr();
            for p in (0..body).step_by(4) {
                // SAFETY: `p + 4 <= body <= kc`, within each row's `kc` floats (checked
                // above); SSE is part of x86-64.
                let cols = t4(src.map(|r| unsafe { _mm_loadu_ps(r.add(p)) }));
                for (j, v) in cols.into_iter().enumerate() {
                    // SAFETY: `(p + j)·w + 4 <= (body - 1)·w + 4 <= out.len()` (checked
                    // above).
                    unsafe { _mm_storeu_ps(dst.add((p + j) * w), v) };
                }
            }
        }
        _ => {
            for p in 0..body {
                for (r, row) in rows.iter().enumerate() {
                    out[p * w + r] = row.map_or(0.0, |x| x[p]);
                }
            }
        }
    }
    for p in body..kc {
        for (r, row) in rows.iter().enumerate() {
            out[p * w + r] = row.map_or(0.0, |x| x[p]);
        }
    }
}
