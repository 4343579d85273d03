//! Splitting one product among the intra-op pool's threads with nested `rayon::join`
//! (which, unlike `scope`/`spawn`, allocates nothing): each helper cuts its range of
//! work and the mutable storage that goes with it in two, proportionally to the
//! threads on each side, and recurses until one thread is left. The single-thread case
//! is a plain call: no pool, no atomics.

use super::workspace::AlignedBuf;

/// `units` units of work cut for `left` of `threads` threads: the left part's units.
fn cut(units: usize, left: usize, threads: usize) -> usize {
    // units·left < units·threads, which fits: units are panels of a matrix in memory.
    units * left / threads
}

/// Runs `f(row0, rows, c_rows, a_buf)` for `threads` contiguous runs of the `rows`
/// rows from `row0`, cut at multiples of `unit` rows, each with its own rows of `c`
/// (row stride `ldc`; `c` holds exactly these rows) and its own `A` buffer (`bufs`
/// has one per thread). Runs of zero rows are skipped.
#[allow(clippy::too_many_arguments)]
pub(super) fn split_rows<F>(
    threads: usize,
    row0: usize,
    rows: usize,
    unit: usize,
    ldc: usize,
    c: &mut [f32],
    bufs: &mut [AlignedBuf],
    f: &F,
) where
    F: Fn(usize, usize, &mut [f32], &mut AlignedBuf) + Sync,
{
    if rows == 0 {
        return;
    }
    if threads <= 1 {
        if let Some(buf) = bufs.first_mut() {
            f(row0, rows, c, buf);
        }
        return;
    }
    let left = threads / 2;
    let left_rows = (cut(rows.div_ceil(unit), left, threads) * unit).min(rows);
    let (cl, cr) = c.split_at_mut((left_rows * ldc).min(c.len()));
    let (bl, br) = bufs.split_at_mut(left.min(bufs.len()));
    rayon::join(
        || split_rows(left, row0, left_rows, unit, ldc, cl, bl, f),
        || {
            split_rows(
                threads - left,
                row0 + left_rows,
                rows - left_rows,
                unit,
                ldc,
                cr,
                br,
                f,
            )
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
            split_panels(
                threads - left,
                first + left_panels,
                panels - left_panels,
                len,
                or,
                f,
            )
        },
    );
}
