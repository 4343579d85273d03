//! The blocked loop nest around a micro-kernel (BLIS's loops, with the roles of `A`
//! and `B` swapped because `C` is row-major and the kernels broadcast `A`), arranged so
//! that a call on several threads meets only twice (two `rayon::join`s): once after the
//! threads have packed the shared operand together, once at the end. A hand-off to a
//! pool thread costs microseconds (tens, when other processes compete for the cores),
//! so per-block barriers would eat the gain.
//!
//! With the rows of `C` shared out among the threads ([`Axis::Rows`]):
//!
//! ```text
//! all threads: pack B (k × n) into full-depth NR panels      shared; one join
//! each thread, for its own rows of C:
//!   for each KC slice of k:                    C += A[:, p..] · B[p.., :]
//!     for each MC block of its rows:
//!       pack A[i.., p..] (MC × KC)             its own buffer
//!       for each NC block of n:                KC × NC of B sits in L2
//!         for each MR panel of A:              one MR × KC panel, sits in L1
//!           for each NR panel of B:            streamed from L2
//!             micro-kernel: C[MR × NR] (+)= A panel · B panel
//! ```
//!
//! With the columns shared out ([`Axis::Cols`]; better balanced when the rows do not
//! divide evenly, e.g. 64 rows on two threads of 12-row panels) the operands swap
//! roles: `A` is packed together into full-depth MR panels, and each thread packs
//! `KC × NC` blocks of `B` for its own columns and runs all the `A` panels past each.
//! The shared operand is packed [`Kernel::SHARED_MAX`] floats at a time (a range of columns
//! of `B`, or of rows of `A`), which bounds the workspace; products of ordinary size
//! fit one range. On one thread the same loops run without the joins.
//!
//! The first KC slice writes `C` (or adds to it when the caller accumulates); the later
//! ones add. Blocks are balanced (`k = 512` with `KC = 384` is two slices of 256) so no
//! slice or block is left with a sliver.

use super::cview::CView;
use super::isa::Supported;
use super::pack::{pack_a, pack_b, Block};
use super::threads::{split_panels, split_work, Axis};
use super::workspace::{AlignedBuf, PackedWorkspace};
use super::{Kernel, Problem};

/// `len` cut into `⌈len/max⌉` even steps, rounded up to a multiple of `unit`.
fn balanced(len: usize, max: usize, unit: usize) -> usize {
    let blocks = len.div_ceil(max).max(1);
    len.div_ceil(blocks).next_multiple_of(unit).max(unit)
}

/// Runs `p` into `c` (row-major `m × n`) with kernel `K` on `threads` threads of
/// `pool` (`None` or one thread: the calling thread alone), sharing out `axis`. Does
/// nothing if `c` is not `m × n`, which the caller has checked.
pub(super) fn run<K: Kernel>(
    cpu: Supported<K>,
    p: &Problem<'_>,
    c: &mut [f32],
    ws: &mut PackedWorkspace,
    pool: Option<&rayon::ThreadPool>,
    (threads, axis): (usize, Axis),
) {
    let Some(c) = CView::new(c, p.m, p.n) else {
        return;
    };
    let units = match axis {
        Axis::Rows => p.m.div_ceil(K::MR),
        Axis::Cols => p.n.div_ceil(K::NR),
    };
    let threads = threads.clamp(1, units.max(1));
    let (shared, own) = ws.buffers(threads);
    let body = || match axis {
        Axis::Rows => by_rows(cpu, p, c, shared, own),
        Axis::Cols => by_cols(cpu, p, c, shared, own),
    };
    match pool {
        Some(pool) if threads > 1 => pool.install(body),
        _ => body(),
    }
}

/// Packed panels of one operand: panel `q` starts at `data[offset + q·stride]`; they
/// cover `count` rows (of `A`) or columns (of `B`) of `C` from `first`.
#[derive(Clone, Copy)]
struct Panels<'a> {
    /// The packed buffer.
    data: &'a [f32],
    /// Floats from one panel to the next.
    stride: usize,
    /// Where panel 0 starts.
    offset: usize,
    /// The first row (column) of `C`.
    first: usize,
    /// Rows (columns) covered.
    count: usize,
}

impl<'a> Panels<'a> {
    /// Panel `q`'s `len` floats, if the buffer holds them.
    fn panel(&self, q: usize, len: usize) -> Option<&'a [f32]> {
        let start = self.offset.checked_add(q.checked_mul(self.stride)?)?;
        self.data.get(start..start.checked_add(len)?)
    }
}

/// The loops with the rows of `C` shared out: `B` packed together into `shared`,
/// `A` blocks by each thread into its buffer of `own`.
fn by_rows<K: Kernel>(
    cpu: Supported<K>,
    p: &Problem<'_>,
    mut c: CView<'_>,
    shared: &mut AlignedBuf,
    own: &mut [AlignedBuf],
) {
    let threads = own.len();
    let units = p.m.div_ceil(K::MR);
    let kc_step = balanced(p.k, K::KC, 1);
    let mc_step = balanced(units.div_ceil(threads) * K::MR, K::MC, K::MR);
    let nc_step = balanced(p.n, K::NC, K::NR);
    // Full-depth panels of B per range: whole NC blocks of them, or fewer panels (at
    // least one) when k is so deep that one block would not fit.
    let panel_len = p.k * K::NR;
    let range_panels = (K::SHARED_MAX / panel_len).max(1);
    let block_panels = nc_step / K::NR;
    let range = if range_panels >= block_panels {
        range_panels / block_panels * nc_step
    } else {
        range_panels * K::NR
    };
    for r0 in (0..p.n).step_by(range) {
        let width = range.min(p.n - r0);
        let panels = width.div_ceil(K::NR);
        let packed_b = shared.get(panels * panel_len);
        split_panels(
            threads,
            0,
            panels,
            panel_len,
            packed_b,
            &|first, count, out| {
                let col0 = r0 + first * K::NR;
                let cols = (count * K::NR).min(r0 + width - col0);
                let blk = Block {
                    row0: 0,
                    rows: p.k,
                    col0,
                    cols,
                };
                pack_b(cpu, p.b, p.sb, blk, out);
            },
        );
        let packed_b = &*packed_b;
        let work = |first: usize, count: usize, mut c: CView<'_>, buf: &mut AlignedBuf| {
            let row0 = first * K::MR;
            let rows = (count * K::MR).min(p.m - row0);
            let packed_a = buf.get(mc_step.min(rows).next_multiple_of(K::MR) * kc_step);
            for p0 in (0..p.k).step_by(kc_step) {
                let kc = kc_step.min(p.k - p0);
                let accumulate = p.accumulate || p0 > 0;
                for i0 in (row0..row0 + rows).step_by(mc_step) {
                    let mc = mc_step.min(row0 + rows - i0);
                    let blk = Block {
                        row0: i0,
                        rows: mc,
                        col0: p0,
                        cols: kc,
                    };
                    pack_a(cpu, p.a, p.sa, blk, packed_a);
                    let a = Panels {
                        data: packed_a,
                        stride: kc * K::MR,
                        offset: 0,
                        first: i0,
                        count: mc,
                    };
                    for j0 in (r0..r0 + width).step_by(nc_step) {
                        let b = Panels {
                            data: packed_b,
                            stride: panel_len,
                            offset: (j0 - r0) / K::NR * panel_len + p0 * K::NR,
                            first: j0,
                            count: nc_step.min(r0 + width - j0),
                        };
                        macro_kernel(cpu, kc, a, b, &mut c, accumulate);
                    }
                }
            }
        };
        split_work(
            threads,
            0,
            units,
            K::MR,
            Axis::Rows,
            c.reborrow(),
            own,
            &work,
        );
    }
}

/// The loops with the columns of `C` shared out: `A` packed together into `shared`,
/// `B` blocks by each thread into its buffer of `own`.
fn by_cols<K: Kernel>(
    cpu: Supported<K>,
    p: &Problem<'_>,
    mut c: CView<'_>,
    shared: &mut AlignedBuf,
    own: &mut [AlignedBuf],
) {
    let threads = own.len();
    let units = p.n.div_ceil(K::NR);
    let kc_step = balanced(p.k, K::KC, 1);
    let nc_step = balanced(units.div_ceil(threads) * K::NR, K::NC, K::NR);
    // Full-depth panels of A per range.
    let panel_len = p.k * K::MR;
    let range = (K::SHARED_MAX / panel_len).max(1) * K::MR;
    for r0 in (0..p.m).step_by(range) {
        let height = range.min(p.m - r0);
        let panels = height.div_ceil(K::MR);
        let packed_a = shared.get(panels * panel_len);
        split_panels(
            threads,
            0,
            panels,
            panel_len,
            packed_a,
            &|first, count, out| {
                let row0 = r0 + first * K::MR;
                let rows = (count * K::MR).min(r0 + height - row0);
                let blk = Block {
                    row0,
                    rows,
                    col0: 0,
                    cols: p.k,
                };
                pack_a(cpu, p.a, p.sa, blk, out);
            },
        );
        let packed_a = &*packed_a;
        let work = |first: usize, count: usize, mut c: CView<'_>, buf: &mut AlignedBuf| {
            let col0 = first * K::NR;
            let cols = (count * K::NR).min(p.n - col0);
            let packed_b = buf.get(nc_step.min(cols).next_multiple_of(K::NR) * kc_step);
            for p0 in (0..p.k).step_by(kc_step) {
                let kc = kc_step.min(p.k - p0);
                let accumulate = p.accumulate || p0 > 0;
                for j0 in (col0..col0 + cols).step_by(nc_step) {
                    let nc = nc_step.min(col0 + cols - j0);
                    let blk = Block {
                        row0: p0,
                        rows: kc,
                        col0: j0,
                        cols: nc,
                    };
                    pack_b(cpu, p.b, p.sb, blk, packed_b);
                    let a = Panels {
                        data: packed_a,
                        stride: panel_len,
                        offset: p0 * K::MR,
                        first: r0,
                        count: height,
                    };
                    let b = Panels {
                        data: packed_b,
                        stride: kc * K::NR,
                        offset: 0,
                        first: j0,
                        count: nc,
                    };
                    macro_kernel(cpu, kc, a, b, &mut c, accumulate);
                }
            }
        };
        split_work(
            threads,
            0,
            units,
            K::NR,
            Axis::Cols,
            c.reborrow(),
            own,
            &work,
        );
    }
}

/// All micro-tiles of `a`'s panels times `b`'s panels (`kc` steps each) into `c`.
fn macro_kernel<K: Kernel>(
    _cpu: Supported<K>,
    kc: usize,
    a: Panels<'_>,
    b: Panels<'_>,
    c: &mut CView<'_>,
    accumulate: bool,
) {
    let ldc = c.ldc();
    for ir in 0..a.count.div_ceil(K::MR) {
        let rows = K::MR.min(a.count - ir * K::MR);
        let Some(a_panel) = a.panel(ir, kc * K::MR) else {
            debug_assert!(false, "A panel outside its buffer");
            return;
        };
        for jr in 0..b.count.div_ceil(K::NR) {
            let cols = K::NR.min(b.count - jr * K::NR);
            let b_panel = b.panel(jr, kc * K::NR);
            let tile = c.tile(a.first + ir * K::MR, b.first + jr * K::NR, rows, cols);
            let (Some(b_panel), Some(tile)) = (b_panel, tile) else {
                debug_assert!(false, "micro-tile outside its operands");
                return;
            };
            // SAFETY: the A panel holds `kc·MR` floats and the B panel `kc·NR` (`panel`
            // checked), `1 <= rows <= MR` and `1 <= cols <= NR` by construction, and
            // `c.tile` vouches for `rows × cols` floats at stride `ldc`, held
            // exclusively through `c`; `_cpu` proves the CPU has the kernel's features.
            unsafe {
                K::tile(
                    kc,
                    a_panel.as_ptr(),
                    b_panel.as_ptr(),
                    tile,
                    ldc,
                    rows,
                    cols,
                    accumulate,
                )
            }
        }
    }
}
