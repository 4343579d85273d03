//! The blocked loop nest around a micro-kernel (BLIS's five loops, with the roles of
//! `A` and `B` swapped because `C` is row-major and the kernels broadcast `A`):
//!
//! ```text
//! for each KC slice of k:                      C += A[:, p..] · B[p.., :]
//!   for each NC block of n:
//!     pack B[p.., j..] (KC × NC)               shared by all threads, sits in L2
//!     each thread, for its own rows of C, per MC block of them:
//!       pack A[i.., p..] (MC × KC)             per thread (once per KC slice when
//!                                              the thread's rows fit one MC block)
//!       for each MR panel of A:                one MR × KC panel, sits in L1
//!         for each NR panel of B:              streamed from L2
//!           micro-kernel: C[MR × NR] (+)= A panel · B panel
//! ```
//!
//! The first KC slice writes `C` (or adds to it when the caller accumulates); the
//! later ones add. Blocks are balanced (`k = 512` with `KC = 384` is two slices of
//! 256) so no slice or block is left with a sliver.

use super::isa::Supported;
use super::pack::{pack_a, pack_b, Block};
use super::threads::{split_panels, split_rows};
use super::workspace::{AlignedBuf, PackedWorkspace};
use super::{Kernel, Problem};

/// `len` cut into `⌈len/max⌉` even steps, rounded up to a multiple of `unit`.
fn balanced(len: usize, max: usize, unit: usize) -> usize {
    let blocks = len.div_ceil(max).max(1);
    len.div_ceil(blocks).next_multiple_of(unit).max(unit)
}

/// Runs `p` into `c` (row-major `m × n`, already checked to match) with kernel `K` on
/// `threads` threads of `pool` (`None` or one thread: the calling thread alone).
pub(super) fn run<K: Kernel>(
    cpu: Supported<K>,
    p: &Problem<'_>,
    c: &mut [f32],
    ws: &mut PackedWorkspace,
    pool: Option<&rayon::ThreadPool>,
    threads: usize,
) {
    let threads = threads.clamp(1, p.m.div_ceil(K::MR).max(1));
    let (b_buf, a_bufs) = ws.buffers(threads);
    match pool {
        Some(pool) if threads > 1 => pool.install(|| blocks::<K>(cpu, p, c, b_buf, a_bufs)),
        _ => blocks::<K>(cpu, p, c, b_buf, a_bufs),
    }
}

/// The KC and NC loops; one `A` buffer per thread in `a_bufs`.
fn blocks<K: Kernel>(
    cpu: Supported<K>,
    p: &Problem<'_>,
    c: &mut [f32],
    b_buf: &mut AlignedBuf,
    a_bufs: &mut [AlignedBuf],
) {
    let threads = a_bufs.len();
    let kc_step = balanced(p.k, K::KC, 1);
    let nc_step = balanced(p.n, K::NC, K::NR);
    // Each thread's rows, in MC blocks.
    let thread_rows = p.m.div_ceil(K::MR).div_ceil(threads) * K::MR;
    let mc_step = balanced(thread_rows, K::MC, K::MR);
    // A thread's rows fit one MC block: its A block is packed once per KC slice and
    // reused for every NC block.
    let a_once = thread_rows <= mc_step;
    for p0 in (0..p.k).step_by(kc_step) {
        let kc = kc_step.min(p.k - p0);
        let accumulate = p.accumulate || p0 > 0;
        for (jb, j0) in (0..p.n).step_by(nc_step).enumerate() {
            let nc = nc_step.min(p.n - j0);
            let panels = nc.div_ceil(K::NR);
            let b_len = kc * K::NR;
            let packed_b = b_buf.get(panels * b_len);
            split_panels(threads, 0, panels, b_len, packed_b, &|first, count, out| {
                let col0 = j0 + first * K::NR;
                let cols = (count * K::NR).min(j0 + nc - col0);
                let blk = Block {
                    row0: p0,
                    rows: kc,
                    col0,
                    cols,
                };
                pack_b(cpu, p.b, p.sb, blk, out);
            });
            let packed_b = &*packed_b;
            let pack_now = jb == 0 || !a_once;
            split_rows(
                threads,
                0,
                p.m,
                K::MR,
                p.n,
                c,
                a_bufs,
                &|row0, rows, c, buf| {
                    let a_len = mc_step.min(rows).next_multiple_of(K::MR) * kc;
                    let packed_a = buf.get(a_len);
                    for i0 in (0..rows).step_by(mc_step) {
                        let mc = mc_step.min(rows - i0);
                        if pack_now {
                            let blk = Block {
                                row0: row0 + i0,
                                rows: mc,
                                col0: p0,
                                cols: kc,
                            };
                            pack_a(cpu, p.a, p.sa, blk, packed_a);
                        }
                        let c = &mut c[i0 * p.n..];
                        macro_kernel::<K>(
                            cpu, kc, packed_a, mc, packed_b, j0, nc, c, p.n, accumulate,
                        );
                    }
                },
            );
        }
    }
}

/// All micro-tiles of one packed `A` block (`mc` rows) times one packed `B` block
/// (`nc` columns) into `c` from its row 0, column `j0` (row stride `ldc`).
#[allow(clippy::too_many_arguments)]
fn macro_kernel<K: Kernel>(
    cpu: Supported<K>,
    kc: usize,
    packed_a: &[f32],
    mc: usize,
    packed_b: &[f32],
    j0: usize,
    nc: usize,
    c: &mut [f32],
    ldc: usize,
    accumulate: bool,
) {
    let a_panels = packed_a.chunks_exact(kc * K::MR).take(mc.div_ceil(K::MR));
    for (ir, a) in a_panels.enumerate() {
        let r = ir * K::MR;
        let rows = K::MR.min(mc - r);
        let b_panels = packed_b.chunks_exact(kc * K::NR).take(nc.div_ceil(K::NR));
        for (jr, b) in b_panels.enumerate() {
            let col = j0 + jr * K::NR;
            let cols = K::NR.min(j0 + nc - col);
            let Some(c) = c.get_mut(r * ldc + col..) else {
                return;
            };
            tile::<K>(cpu, kc, a, b, c, ldc, rows, cols, accumulate);
        }
    }
}

/// One micro-tile: checks the panels and the tile of `C` (from `c[0]`, row stride
/// `ldc`) cover what the kernel reaches, then runs it. Does nothing (and trips a debug
/// assertion) if not, which the blocking rules out.
#[allow(clippy::too_many_arguments)]
#[inline]
fn tile<K: Kernel>(
    _cpu: Supported<K>,
    kc: usize,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    ldc: usize,
    rows: usize,
    cols: usize,
    accumulate: bool,
) {
    let fits = a.len() >= kc * K::MR
        && b.len() >= kc * K::NR
        && (1..=K::MR).contains(&rows)
        && (1..=K::NR).contains(&cols)
        && cols <= ldc
        && c.len() >= (rows - 1) * ldc + cols;
    debug_assert!(fits, "micro-tile outside its operands");
    if fits {
        // SAFETY: just checked: the A panel has `kc·MR` floats, the B panel `kc·NR`,
        // and `c` holds `rows` rows of `cols` floats at stride `ldc`; `_cpu` proves the
        // CPU has the kernel's features.
        unsafe {
            K::tile(
                kc,
                a.as_ptr(),
                b.as_ptr(),
                c.as_mut_ptr(),
                ldc,
                rows,
                cols,
                accumulate,
            )
        }
    }
}
