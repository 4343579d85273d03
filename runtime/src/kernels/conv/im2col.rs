//! im2col and its adjoint: the patches of a run of output positions as the rows of a
//! matrix (`[rows, kh·kw·c]`, in the filter's `[KH, KW, C]` order), zero where a window
//! hangs over the input's edge; and the sum of such rows back into the input's layout.
//!
//! In NHWC the `kw·c` values of one window row are contiguous in the input, so each
//! window row is one copy (or one add) of its in-bounds columns plus zero fills.

use super::super::num::Num;
use super::super::window::Geometry;

/// Walks the window rows of output positions `first..first + rows`: calls
/// `f(patch_row, in_lo, in_hi, input_offset)` for each window row of each position, where
/// `patch_row` is that window row's range in the patch matrix (of `kw·c` elements), the
/// patch elements `in_lo..in_hi` of it read the input from `input_offset` on, and the
/// rest of it lies outside the input (`in_lo == in_hi` when all of it does).
#[inline(always)]
fn for_each_window_row(
    g: &Geometry,
    first: usize,
    rows: usize,
    mut f: impl FnMut(std::ops::Range<usize>, usize, usize, usize),
) {
    let row_len = g.kw * g.c;
    let patch = g.kh * row_len;
    for r in 0..rows {
        let p = first + r;
        let ox = p % g.ow;
        let oy = (p / g.ow) % g.oh;
        let b = p / (g.ow * g.oh);
        let rs = g.rows(oy);
        let cs = g.cols(ox);
        let (in_lo, in_hi) = (cs.lo * g.c, cs.hi * g.c);
        for ky in 0..g.kh {
            let at = r * patch + ky * row_len;
            let range = at..at + row_len;
            if ky < rs.lo || ky >= rs.hi {
                f(range, 0, 0, 0);
            } else {
                let iy = rs.start + (ky - rs.lo);
                f(range, in_lo, in_hi, ((b * g.h + iy) * g.w + cs.start) * g.c);
            }
        }
    }
}

/// Writes the patches of output positions `first..first + rows` into `cols`
/// (`rows × kh·kw·c`, row-major), zeros outside the input.
///
/// `x` is the `[n, h, w, c]` input of `g` and `cols` holds exactly `rows` patches
/// (checked by the caller).
#[inline(always)]
pub(super) fn im2col<T: Num>(g: &Geometry, x: &[T], first: usize, rows: usize, cols: &mut [T]) {
    for_each_window_row(g, first, rows, |range, lo, hi, src| {
        let dst = &mut cols[range];
        dst[..lo].fill(T::ZERO);
        dst[lo..hi].copy_from_slice(&x[src..src + (hi - lo)]);
        dst[hi..].fill(T::ZERO);
    });
}

/// Adds the patches in `cols` (as [`im2col`] lays them out) back into `dx`, the
/// `[n, h, w, c]` input of `g`, dropping what falls outside the input.
#[inline(always)]
pub(super) fn col2im_add<T: Num>(
    g: &Geometry,
    cols: &[T],
    first: usize,
    rows: usize,
    dx: &mut [T],
) {
    for_each_window_row(g, first, rows, |range, lo, hi, dst| {
        let src = &cols[range][lo..hi];
        for (d, &s) in dx[dst..dst + src.len()].iter_mut().zip(src) {
            *d = d.plus(s);
        }
    });
}
