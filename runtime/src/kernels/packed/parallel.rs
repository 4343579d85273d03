//! The blocks of `packed/driver` on the pool's threads. The operand every thread reads
//! (`B` when the work items are blocks of rows of `C`, `A` when they are blocks of
//! columns) is packed into full-depth panels, in chunks that whichever thread first
//! needs one packs ([`Chunks`]); the other operand is packed by each thread for its
//! item. Items are dealt one at a time, largest first ([`Items`]), so a thread that
//! the pool wakes late, or that the OS preempts, takes fewer, the threads finish
//! within a small item of each other, and no thread waits for another except on a
//! chunk being packed. The threads meet once, at the end of the call (one
//! `rayon::join` per pair of threads).
//!
//! ```text
//! each thread, while items are left:            (items: blocks of rows of C)
//!   take the next block of rows
//!   for each KC slice of k:
//!     pack A[rows, p..] (rows × KC)              its own buffer
//!     for each chunk of B (≤ NC columns):        packed by the first thread there
//!       micro-kernels over A panels × B panels
//! ```
//!
//! Blocks of columns mirror this with the operands' roles swapped; there each thread
//! reads its columns of a row-major `B` in place when `packed/driver` would (few
//! rows), packing only a last partial panel.

use super::cview::CView;
use super::driver::{balanced, macro_kernel, reads_b_in_place, Panels};
use super::isa::Supported;
use super::pack::{pack_a, pack_b, Block};
use super::threads::{chunk_flags, fork, Axis, Chunks, Items, MAX_CHUNKS};
use super::workspace::AlignedBuf;
use super::{Kernel, Problem};

/// Runs `p` into `c` on one job per buffer of `own` (at least two) in the current
/// pool, with items cut along `axis`; the shared operand goes into `shared`.
pub(super) fn run<K: Kernel>(
    cpu: Supported<K>,
    p: &Problem<'_>,
    c: CView<'_>,
    shared: &mut AlignedBuf,
    own: &mut [AlignedBuf],
    axis: Axis,
) {
    match axis {
        Axis::Rows => by_rows(cpu, p, c, shared, own),
        Axis::Cols => by_cols(cpu, p, c, shared, own),
    }
}

/// Panels per chunk of a shared range of `panels` panels: about two chunks per thread,
/// at most `max` panels, and few enough chunks for [`MAX_CHUNKS`].
fn chunk_panels(panels: usize, threads: usize, max: usize) -> usize {
    let want = panels.div_ceil(2 * threads).min(max);
    want.max(panels.div_ceil(MAX_CHUNKS)).max(1)
}

/// Items are blocks of rows; `B` is shared.
fn by_rows<K: Kernel>(
    cpu: Supported<K>,
    p: &Problem<'_>,
    mut c: CView<'_>,
    shared: &mut AlignedBuf,
    own: &mut [AlignedBuf],
) {
    let threads = own.len();
    let kc_step = balanced(p.k, K::KC, 1);
    let panel_len = p.k * K::NR;
    let all_panels = p.n.div_ceil(K::NR);
    let range_panels = (K::SHARED_MAX / panel_len).max(1);
    for first_panel in (0..all_panels).step_by(range_panels) {
        let panels = range_panels.min(all_panels - first_panel);
        let r0 = first_panel * K::NR;
        let width = (panels * K::NR).min(p.n - r0);
        let per_chunk = chunk_panels(panels, threads, K::NC / K::NR);
        let flags = chunk_flags();
        let buf = shared.get(panels * panel_len);
        let Some(chunks) = Chunks::new(
            buf,
            per_chunk * panel_len,
            panels.div_ceil(per_chunk),
            &flags,
        ) else {
            debug_assert!(false, "shared chunks do not fit");
            return;
        };
        let pack = |q: usize, out: &mut [f32]| {
            let col0 = r0 + q * per_chunk * K::NR;
            let blk = Block {
                row0: 0,
                rows: p.k,
                col0,
                cols: (per_chunk * K::NR).min(r0 + width - col0),
            };
            pack_b(cpu, p.b, p.sb, blk, out);
        };
        let items = Items::new(
            c.reborrow().share(),
            (0..p.m, r0..r0 + width),
            (K::MR, K::MC),
            threads,
            Axis::Rows,
        );
        fork(own, &|buf: &mut AlignedBuf| {
            while let Some((i0, rows, mut c)) = items.next() {
                let packed_a = buf.get(rows.next_multiple_of(K::MR) * kc_step);
                for p0 in (0..p.k).step_by(kc_step) {
                    let kc = kc_step.min(p.k - p0);
                    let accumulate = p.accumulate || p0 > 0;
                    let blk = Block {
                        row0: i0,
                        rows,
                        col0: p0,
                        cols: kc,
                    };
                    pack_a(cpu, p.a, p.sa, blk, packed_a);
                    let a = Panels {
                        data: packed_a,
                        stride: kc * K::MR,
                        offset: 0,
                        step: K::MR,
                        first: i0,
                        count: rows,
                    };
                    for q in 0..panels.div_ceil(per_chunk) {
                        let Some(chunk) = chunks.get(q, &pack) else {
                            return;
                        };
                        let first = r0 + q * per_chunk * K::NR;
                        let b = Panels {
                            data: chunk,
                            stride: panel_len,
                            offset: p0 * K::NR,
                            step: K::NR,
                            first,
                            count: (per_chunk * K::NR).min(r0 + width - first),
                        };
                        macro_kernel(cpu, kc, a, b, &mut c, accumulate);
                    }
                }
            }
        });
    }
}

/// Items are blocks of columns; `A` is shared.
fn by_cols<K: Kernel>(
    cpu: Supported<K>,
    p: &Problem<'_>,
    mut c: CView<'_>,
    shared: &mut AlignedBuf,
    own: &mut [AlignedBuf],
) {
    let threads = own.len();
    let kc_step = balanced(p.k, K::KC, 1);
    let panel_len = p.k * K::MR;
    let all_panels = p.m.div_ceil(K::MR);
    let range_panels = (K::SHARED_MAX / panel_len).max(1);
    for first_panel in (0..all_panels).step_by(range_panels) {
        let panels = range_panels.min(all_panels - first_panel);
        let r0 = first_panel * K::MR;
        let height = (panels * K::MR).min(p.m - r0);
        let per_chunk = chunk_panels(panels, threads, K::MC / K::MR);
        let flags = chunk_flags();
        let buf = shared.get(panels * panel_len);
        let Some(chunks) = Chunks::new(
            buf,
            per_chunk * panel_len,
            panels.div_ceil(per_chunk),
            &flags,
        ) else {
            debug_assert!(false, "shared chunks do not fit");
            return;
        };
        let pack = |q: usize, out: &mut [f32]| {
            let row0 = r0 + q * per_chunk * K::MR;
            let blk = Block {
                row0,
                rows: (per_chunk * K::MR).min(r0 + height - row0),
                col0: 0,
                cols: p.k,
            };
            pack_a(cpu, p.a, p.sa, blk, out);
        };
        let items = Items::new(
            c.reborrow().share(),
            (r0..r0 + height, 0..p.n),
            (K::NR, K::NC),
            threads,
            Axis::Cols,
        );
        let direct = reads_b_in_place::<K>(p);
        fork(own, &|buf: &mut AlignedBuf| {
            while let Some((j0, cols, mut c)) = items.next() {
                // Read in place: the item's whole panels of B (all of them unless it
                // ends in the last, partial one); pack the rest.
                let in_place = if direct {
                    (j0 + cols).min(p.n / K::NR * K::NR).saturating_sub(j0)
                } else {
                    0
                };
                let packed_cols = cols - in_place;
                let packed_b = buf.get(packed_cols.next_multiple_of(K::NR) * kc_step);
                for p0 in (0..p.k).step_by(kc_step) {
                    let kc = kc_step.min(p.k - p0);
                    let accumulate = p.accumulate || p0 > 0;
                    if packed_cols > 0 {
                        let blk = Block {
                            row0: p0,
                            rows: kc,
                            col0: j0 + in_place,
                            cols: packed_cols,
                        };
                        pack_b(cpu, p.b, p.sb, blk, packed_b);
                    }
                    let b_in_place = Panels {
                        data: p.b,
                        stride: K::NR,
                        offset: p0 * p.sb.row + j0,
                        step: p.sb.row,
                        first: j0,
                        count: in_place,
                    };
                    let b_packed = Panels {
                        data: packed_b,
                        stride: kc * K::NR,
                        offset: 0,
                        step: K::NR,
                        first: j0 + in_place,
                        count: packed_cols,
                    };
                    for q in 0..panels.div_ceil(per_chunk) {
                        let Some(chunk) = chunks.get(q, &pack) else {
                            return;
                        };
                        let first = r0 + q * per_chunk * K::MR;
                        let a = Panels {
                            data: chunk,
                            stride: panel_len,
                            offset: p0 * K::MR,
                            step: K::MR,
                            first,
                            count: (per_chunk * K::MR).min(r0 + height - first),
                        };
                        for b in [b_in_place, b_packed] {
                            if b.count > 0 {
                                macro_kernel(cpu, kc, a, b, &mut c, accumulate);
                            }
                        }
                    }
                }
            }
        });
    }
}
