//! The blocked loop nest around a micro-kernel (BLIS's loops, with the roles of `A`
//! and `B` swapped because `C` is row-major and the kernels broadcast `A`), on the
//! calling thread; `packed/parallel` runs the same blocks on the pool's threads.
//!
//! ```text
//! pack B (k × n) into full-depth NR panels     (SHARED_MAX floats at a time)
//! for each KC slice of k:                      C += A[:, p..] · B[p.., :]
//!   for each MC block of the rows:
//!     pack A[i.., p..] (MC × KC)
//!     for each NC block of n:                  KC × NC of B sits in L2
//!       for each MR panel of A:                one MR × KC panel, sits in L1
//!         for each NR panel of B:              streamed from L2
//!           micro-kernel: C[MR × NR] (+)= A panel · B panel
//! ```
//!
//! With few rows ([`reads_b_in_place`]) a row-major `B` is not packed at all: the
//! kernels read its whole panels where they are (a step of `k` is a row of `B`), and
//! only a last partial panel is packed.
//!
//! The first KC slice writes `C` (or adds to it when the caller accumulates); the later
//! ones add. Blocks are balanced (`k = 600` with `KC = 512` is two slices of 300) so no
//! slice or block is left with a sliver.

use super::cview::CView;
use super::isa::Supported;
use super::pack::{pack_a, pack_b, Block};
use super::parallel;
use super::threads::Axis;
use super::workspace::{AlignedBuf, PackedWorkspace};
use super::{Kernel, MicroTile, Problem};

/// `len` cut into `⌈len/max⌉` even steps, rounded up to a multiple of `unit`.
pub(super) fn balanced(len: usize, max: usize, unit: usize) -> usize {
    let blocks = len.div_ceil(max).max(1);
    len.div_ceil(blocks).next_multiple_of(unit).max(unit)
}

/// Runs `p` into `c` (row-major `m × n`) with kernel `K`: on `threads` threads of
/// `pool`, dealing out blocks of `axis`, or on the calling thread alone (`None` or one
/// thread). Does nothing if `c` is not `m × n`, which the caller has checked.
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
    let (shared, own) = ws.buffers(threads.max(1));
    match (pool, own) {
        (Some(pool), own @ [_, _, ..]) => {
            pool.install(|| parallel::run(cpu, p, c, shared, own, axis));
        }
        (_, [own, ..]) => single(cpu, p, c, shared, own),
        (_, []) => {}
    }
}

/// Packed panels of one operand: panel `q` starts at `data[offset + q·stride]`; they
/// cover `count` rows (of `A`) or columns (of `B`) of `C` from `first`.
#[derive(Clone, Copy)]
pub(super) struct Panels<'a> {
    /// The buffer (packed panels, or `B` itself when read in place).
    pub(super) data: &'a [f32],
    /// Floats from one panel to the next.
    pub(super) stride: usize,
    /// Where panel 0 starts.
    pub(super) offset: usize,
    /// Floats from one step of `k` to the next within a panel (the panel's width when
    /// packed).
    pub(super) step: usize,
    /// The first row (column) of `C`.
    pub(super) first: usize,
    /// Rows (columns) covered.
    pub(super) count: usize,
}

impl<'a> Panels<'a> {
    /// Panel `q` over `kc` steps of `width` floats (`kc >= 1`), if the buffer holds it.
    fn panel(&self, q: usize, kc: usize, width: usize) -> Option<&'a [f32]> {
        let start = self.offset.checked_add(q.checked_mul(self.stride)?)?;
        let len = (kc.checked_sub(1)?)
            .checked_mul(self.step)?
            .checked_add(width)?;
        self.data.get(start..start.checked_add(len)?)
    }
}

/// Most rows of `C` for which a row-major `B` is read in place rather than packed:
/// packing `B` costs as much whatever the rows, and below about a hundred rows it is
/// a large share of the work (reading `64 × 784 · 784 × 256`'s `B` in place is 10-25 %
/// faster; from 128 rows packing wins; measured).
const IN_PLACE_MAX_ROWS: usize = 96;

/// True when the micro-kernels read `B`'s whole panels in place: `B` row-major, at
/// most [`IN_PLACE_MAX_ROWS`] rows, at least one whole panel, and rows not a multiple
/// of 4 KiB apart (those fall into the same few cache sets and TLB pages; a
/// `64 × 1024 · 1024 × 1024` product runs 30 % slower in place).
pub(super) fn reads_b_in_place<K: Kernel>(p: &Problem<'_>) -> bool {
    let row_bytes = p.sb.row.saturating_mul(std::mem::size_of::<f32>());
    p.sb.col == 1 && p.m <= IN_PLACE_MAX_ROWS && p.n >= K::NR && !row_bytes.is_multiple_of(4096)
}

/// The loops on the calling thread, reading a row-major `B` in place
/// ([`reads_b_in_place`]): only its last panel, if partial, is packed (into
/// `shared`); `A` blocks go into `own`.
fn single_in_place<K: Kernel>(
    cpu: Supported<K>,
    p: &Problem<'_>,
    mut c: CView<'_>,
    shared: &mut AlignedBuf,
    own: &mut AlignedBuf,
) {
    let kc_step = balanced(p.k, K::KC, 1);
    let mc_step = balanced(p.m, K::MC, K::MR);
    let full = p.n / K::NR * K::NR;
    let nc_step = balanced(full.max(1), K::NC, K::NR);
    let edge = p.n - full;
    let packed_a = own.get(mc_step.min(p.m).next_multiple_of(K::MR) * kc_step);
    let packed_edge = shared.get(if edge > 0 { kc_step * K::NR } else { 0 });
    for p0 in (0..p.k).step_by(kc_step) {
        let kc = kc_step.min(p.k - p0);
        let accumulate = p.accumulate || p0 > 0;
        if edge > 0 {
            let blk = Block {
                row0: p0,
                rows: kc,
                col0: full,
                cols: edge,
            };
            pack_b(cpu, p.b, p.sb, blk, packed_edge);
        }
        for i0 in (0..p.m).step_by(mc_step) {
            let mc = mc_step.min(p.m - i0);
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
                step: K::MR,
                first: i0,
                count: mc,
            };
            for j0 in (0..full).step_by(nc_step) {
                let b = Panels {
                    data: p.b,
                    stride: K::NR,
                    offset: p0 * p.sb.row + j0,
                    step: p.sb.row,
                    first: j0,
                    count: nc_step.min(full - j0),
                };
                macro_kernel(cpu, kc, a, b, &mut c, accumulate);
            }
            if edge > 0 {
                let b = Panels {
                    data: packed_edge,
                    stride: 0,
                    offset: 0,
                    step: K::NR,
                    first: full,
                    count: edge,
                };
                macro_kernel(cpu, kc, a, b, &mut c, accumulate);
            }
        }
    }
}

/// The loops on the calling thread: `B` packed into `shared`, `A` blocks into `own`.
fn single<K: Kernel>(
    cpu: Supported<K>,
    p: &Problem<'_>,
    mut c: CView<'_>,
    shared: &mut AlignedBuf,
    own: &mut AlignedBuf,
) {
    if reads_b_in_place::<K>(p) {
        return single_in_place(cpu, p, c, shared, own);
    }
    let kc_step = balanced(p.k, K::KC, 1);
    let mc_step = balanced(p.m, K::MC, K::MR);
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
    let packed_a = own.get(mc_step.min(p.m).next_multiple_of(K::MR) * kc_step);
    for r0 in (0..p.n).step_by(range) {
        let width = range.min(p.n - r0);
        let packed_b = shared.get(width.div_ceil(K::NR) * panel_len);
        let blk = Block {
            row0: 0,
            rows: p.k,
            col0: r0,
            cols: width,
        };
        pack_b(cpu, p.b, p.sb, blk, packed_b);
        let packed_b = &*packed_b;
        for p0 in (0..p.k).step_by(kc_step) {
            let kc = kc_step.min(p.k - p0);
            let accumulate = p.accumulate || p0 > 0;
            for i0 in (0..p.m).step_by(mc_step) {
                let mc = mc_step.min(p.m - i0);
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
                    step: K::MR,
                    first: i0,
                    count: mc,
                };
                for j0 in (r0..r0 + width).step_by(nc_step) {
                    let b = Panels {
                        data: packed_b,
                        stride: panel_len,
                        offset: (j0 - r0) / K::NR * panel_len + p0 * K::NR,
                        step: K::NR,
                        first: j0,
                        count: nc_step.min(r0 + width - j0),
                    };
                    macro_kernel(cpu, kc, a, b, &mut c, accumulate);
                }
            }
        }
    }
}

/// All micro-tiles of `a`'s panels times `b`'s panels (`kc` steps each) into `c`.
pub(super) fn macro_kernel<K: Kernel>(
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
        let Some(a_panel) = a.panel(ir, kc, K::MR).filter(|_| a.step == K::MR) else {
            debug_assert!(false, "A panel outside its buffer");
            return;
        };
        for jr in 0..b.count.div_ceil(K::NR) {
            let cols = K::NR.min(b.count - jr * K::NR);
            let b_panel = b.panel(jr, kc, K::NR);
            let tile = c.tile(a.first + ir * K::MR, b.first + jr * K::NR, rows, cols);
            let (Some(b_panel), Some(tile)) = (b_panel, tile) else {
                debug_assert!(false, "micro-tile outside its operands");
                return;
            };
            let t = MicroTile {
                kc,
                a: a_panel.as_ptr(),
                b: b_panel.as_ptr(),
                ldb: b.step,
                c: tile,
                ldc,
                rows,
                cols,
                accumulate,
            };
            // SAFETY: `panel` checked that the A panel holds `MR` floats at each of `kc`
            // steps `MR` apart and the B panel `NR` floats at each of `kc` steps
            // `b.step` apart; `1 <= rows <= MR` and `1 <= cols <= NR` by construction;
            // `c.tile` vouches for `rows × cols` floats at stride `ldc`, held
            // exclusively through `c`; `_cpu` proves the CPU has the kernel's features.
            unsafe { K::tile(&t) }
        }
    }
}
