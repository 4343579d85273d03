//! Splitting one product among the intra-op pool's threads with nested `rayon::join`
//! (which, unlike `scope`/`spawn`, allocates nothing): each helper cuts its range of
//! work, and the mutable storage that goes with it, in two in proportion to the threads
//! on each side, and recurses until one thread is left. With one thread it is a plain
//! call: no pool, no atomics.

use super::cview::CView;
use super::workspace::AlignedBuf;

/// `units` units of work cut for `left` of `threads` threads: the left part's units.
fn cut(units: usize, left: usize, threads: usize) -> usize {
    // units·left < units·threads, which fits: units are panels of a matrix in memory.
    units * left / threads
}

/// Which dimension of `C` the threads share out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Axis {
    /// Each thread gets its own rows.
    Rows,
    /// Each thread gets its own columns.
    Cols,
}

/// Runs `f(first, count, c, buf)` for `threads` contiguous runs of the `units` units
/// (of `unit` rows or columns of `C`, by `axis`) from `first`, each with the view of
/// its own rows or columns of `c` and its own buffer from `bufs` (one per thread).
/// Empty runs are skipped.
#[allow(clippy::too_many_arguments)]
pub(super) fn split_work<F>(
    threads: usize,
    first: usize,
    units: usize,
    unit: usize,
    axis: Axis,
    c: CView<'_>,
    bufs: &mut [AlignedBuf],
    f: &F,
) where
    F: Fn(usize, usize, CView<'_>, &mut AlignedBuf) + Sync,
{
    if units == 0 {
        return;
    }
    if threads <= 1 {
        if let Some(buf) = bufs.first_mut() {
            f(first, units, c, buf);
        }
        return;
    }
    let left = threads / 2;
    let left_units = cut(units, left, threads);
    let at = (first + left_units) * unit;
    let (cl, cr) = match axis {
        Axis::Rows => c.split_rows(at),
        Axis::Cols => c.split_cols(at),
    };
    let (bl, br) = bufs.split_at_mut(left.min(bufs.len()));
    rayon::join(
        || split_work(left, first, left_units, unit, axis, cl, bl, f),
        || {
            let right = threads - left;
            let (first, units) = (first + left_units, units - left_units);
            split_work(right, first, units, unit, axis, cr, br, f)
        },
    );
}

/// Runs `f(first, count, out)` for `threads` contiguous runs of the `panels` panels
/// from `first`, where `out` holds these panels, `len` floats each.
pub(super) fn split_panels<F>(
    threads: usize,
    first: usize,
    panels: usize,
    len: usize,
    out: &mut [f32],
    f: &F,
) where
    F: Fn(usize, usize, &mut [f32]) + Sync,
{
    if panels == 0 {
        return;
    }
    if threads <= 1 {
        f(first, panels, out);
        return;
    }
    let left = threads / 2;
    let left_panels = cut(panels, left, threads);
    let (ol, or) = out.split_at_mut((left_panels * len).min(out.len()));
    rayon::join(
        || split_panels(left, first, left_panels, len, ol, f),
        || {
            let (first, panels) = (first + left_panels, panels - left_panels);
            split_panels(threads - left, first, panels, len, or, f)
        },
    );
}
