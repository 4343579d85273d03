//! The f32 gemm behind `MatMul` and the convolutions: `C (+)= op(A)·op(B)` with any
//! strides for `A` and `B` (transposes are strides) and a row-major `C`, blocked for the
//! caches, with `A` and `B` packed into panels and a register-tiled micro-kernel for
//! the CPU at hand (run-time detection):
//!
//! | kernel       | tile (MR×NR) | KC  | MC  | NC   | file            |
//! |--------------|--------------|-----|-----|------|-----------------|
//! | AVX-512F     | 12×32        | 384 | 480 | 672  | `packed/avx512` |
//! | AVX2 + FMA   | 6×16         | 256 | 480 | 1024 | `packed/avx2`   |
//! | neither      | `matrixmultiply`'s portable sgemm              |||||
//!
//! The AVX-512 kernel needs Rust 1.89 (its intrinsics); `build.rs` sets
//! `has_avx512_intrinsics` on such compilers, older ones run the AVX2 kernel.
//!
//! The blocking (`packed/driver`): an `MR × KC` panel of `A` stays in L1 (18 KiB at
//! KC = 384) while the kernel streams the `KC × NC` block of `B` (1 MiB, half of this
//! machine's 2 MiB L2) past it. The packed buffers live in a [`PackedWorkspace`] in the
//! session's [`KernelContext`] and only grow (`packed/workspace`), so a steady-state
//! call allocates nothing. With a pool and a product big enough, the rows or the
//! columns of `C` (whichever splits more evenly) are shared out among the threads,
//! which first pack the operand they all read together (`packed/threads`): two joins
//! per call. A single-threaded call never touches the pool.
//!
//! f64 stays on `matrixmultiply`.

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(all(target_arch = "x86_64", has_avx512_intrinsics))]
#[clippy::msrv = "1.89"]
mod avx512;
mod cview;
mod driver;
mod isa;
mod pack;
#[cfg(test)]
mod tests;
mod threads;
mod workspace;

use super::KernelContext;
pub(crate) use isa::{Isa, Kind};
pub(crate) use workspace::PackedWorkspace;

/// Strides `(row, col)` of a logical matrix over a slice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Strides {
    /// Step between rows.
    pub(crate) row: usize,
    /// Step between columns.
    pub(crate) col: usize,
}

impl Strides {
    /// A row-major matrix with `cols` columns.
    pub(crate) fn rows(cols: usize) -> Strides {
        Strides { row: cols, col: 1 }
    }

    /// The transpose of a row-major matrix with `cols` columns.
    pub(crate) fn transposed(cols: usize) -> Strides {
        Strides { row: 1, col: cols }
    }

    /// One past the largest offset of a `rows × cols` matrix (`None` on overflow;
    /// `Some(0)` when empty).
    pub(crate) fn extent(self, rows: usize, cols: usize) -> Option<usize> {
        if rows == 0 || cols == 0 {
            return Some(0);
        }
        let last_row = (rows - 1).checked_mul(self.row)?;
        let last_col = (cols - 1).checked_mul(self.col)?;
        last_row.checked_add(last_col)?.checked_add(1)
    }
}

/// One product, checked: `a` covers `m × k` through `sa`, `b` covers `k × n` through
/// `sb`, and all dims are non-zero.
pub(super) struct Problem<'a> {
    /// Rows of `op(A)` and `C`.
    m: usize,
    /// The inner dim.
    k: usize,
    /// Columns of `op(B)` and `C`.
    n: usize,
    /// `A`'s storage.
    a: &'a [f32],
    /// `op(A)`'s strides.
    sa: Strides,
    /// `B`'s storage.
    b: &'a [f32],
    /// `op(B)`'s strides.
    sb: Strides,
    /// Add to `C` rather than overwrite it.
    accumulate: bool,
}

/// A micro-kernel and the blocking that suits it.
pub(super) trait Kernel {
    /// The instruction set it needs.
    const KIND: Kind;
    /// Rows of a tile (broadcasts of `A` per step of `k`).
    const MR: usize;
    /// Columns of a tile (floats of `B` per step of `k`).
    const NR: usize;
    /// Depth of a packed block (the `k` slice).
    const KC: usize;
    /// Rows of a packed `A` block per thread.
    const MC: usize;
    /// Columns of a packed `B` block.
    const NC: usize;
    /// Floats of the operand the threads pack together, per range (16 MiB).
    const SHARED_MAX: usize = 1 << 22;

    /// `C[..rows, ..cols] (+)= A·B` for one `MR × NR` tile over `kc` steps.
    ///
    /// # Safety
    /// The CPU must have [`Kernel::KIND`]'s features; `a` must be valid for `kc·MR`
    /// reads and `b` for `kc·NR`; `1 <= rows <= MR`, `1 <= cols <= NR`, and `c` valid
    /// for reads and writes of `rows` rows of `cols` floats at row stride `ldc`.
    #[allow(clippy::too_many_arguments)]
    unsafe fn tile(
        kc: usize,
        a: *const f32,
        b: *const f32,
        c: *mut f32,
        ldc: usize,
        rows: usize,
        cols: usize,
        accumulate: bool,
    );
}

/// Multiply-adds below which a product stays on one thread: waking the pool and the
/// two joins per block cost more than they save (measured, `examples/gemm_speed`).
pub(crate) const PARALLEL_MIN: usize = 1 << 21;

/// `c = op(a)·op(b)`, or `c += op(a)·op(b)` when `accumulate`: `a` is `m × k` through
/// `sa`, `b` is `k × n` through `sb`, `c` row-major `m × n`. Uses `ctx`'s pool for big
/// products and its workspace for the packing. Does nothing (and trips a debug
/// assertion) if a slice is too short for the dims, which the kernels' shape checks
/// rule out.
#[allow(clippy::too_many_arguments)]
pub(crate) fn sgemm(
    ctx: &mut KernelContext,
    dims: (usize, usize, usize),
    a: &[f32],
    sa: Strides,
    b: &[f32],
    sb: Strides,
    accumulate: bool,
    c: &mut [f32],
) {
    let isa = ctx.gemm.isa();
    sgemm_with(isa, PARALLEL_MIN, ctx, dims, a, sa, b, sb, accumulate, c);
}

/// [`sgemm`] with the kernels of `isa`, on the pool from `parallel_min` multiply-adds.
#[allow(clippy::too_many_arguments)]
pub(crate) fn sgemm_with(
    isa: Isa,
    parallel_min: usize,
    ctx: &mut KernelContext,
    (m, k, n): (usize, usize, usize),
    a: &[f32],
    sa: Strides,
    b: &[f32],
    sb: Strides,
    accumulate: bool,
    c: &mut [f32],
) {
    let covers = |len: usize, need: Option<usize>| need.is_some_and(|x| len >= x);
    let fits = covers(a.len(), sa.extent(m, k))
        && covers(b.len(), sb.extent(k, n))
        && m.checked_mul(n) == Some(c.len());
    debug_assert!(fits, "gemm operands do not cover their dims");
    if !fits || m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            c.fill(0.0);
        }
        return;
    }
    let p = Problem {
        m,
        k,
        n,
        a,
        sa,
        b,
        sb,
        accumulate,
    };
    let pool = ctx.pool.as_deref();
    let threads = match pool {
        Some(pool) if m.saturating_mul(k).saturating_mul(n) >= parallel_min => {
            pool.current_num_threads()
        }
        _ => 1,
    };
    let (tile, axis) = choose(isa.kind(), m, n, threads);
    let ws = &mut ctx.gemm;
    let split = (threads, axis);
    match (isa.kind(), tile) {
        #[cfg(all(target_arch = "x86_64", has_avx512_intrinsics))]
        (Kind::Avx512, Tile::R12C32) => run::<avx512::Avx512<12, 2>>(isa, &p, c, ws, pool, split),
        #[cfg(all(target_arch = "x86_64", has_avx512_intrinsics))]
        (Kind::Avx512, Tile::R8C32) => run::<avx512::Avx512<8, 2>>(isa, &p, c, ws, pool, split),
        #[cfg(all(target_arch = "x86_64", has_avx512_intrinsics))]
        (Kind::Avx512, Tile::R16C16) => run::<avx512::Avx512<16, 1>>(isa, &p, c, ws, pool, split),
        #[cfg(target_arch = "x86_64")]
        (Kind::Avx2Fma, _) => run::<avx2::Avx2<6, 2>>(isa, &p, c, ws, pool, split),
        _ => portable(&p, c),
    }
}

/// The micro-kernel shapes (rows × columns of a tile).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tile {
    /// AVX-512, 12 × 32: the fewest loads per FMA.
    R12C32,
    /// AVX-512, 8 × 32: for row counts that are multiples of 8 but not of 12 (64).
    R8C32,
    /// AVX-512, 16 × 16: for narrow products (10 columns).
    R16C16,
    /// AVX2, 6 × 16.
    R6C16,
}

/// The tile and the axis of `C` the threads share out for an `m × n` product on
/// `threads` threads: the least padded work on the busiest thread, with a small
/// handicap (per cent) for the tiles that load more per FMA.
fn choose(kind: Kind, m: usize, n: usize, threads: usize) -> (Tile, threads::Axis) {
    use threads::Axis;
    const AVX512: [(Tile, usize, usize, usize); 3] = [
        (Tile::R12C32, 12, 32, 100),
        (Tile::R8C32, 8, 32, 103),
        (Tile::R16C16, 16, 16, 110),
    ];
    const AVX2: [(Tile, usize, usize, usize); 1] = [(Tile::R6C16, 6, 16, 100)];
    let tiles: &[_] = if kind == Kind::Avx512 { &AVX512 } else { &AVX2 };
    let t = threads.max(1);
    let mut best = (Tile::R12C32, Axis::Rows, u128::MAX);
    for &(tile, mr, nr, handicap) in tiles {
        for axis in [Axis::Rows, Axis::Cols] {
            let (rows, cols) = (m.div_ceil(mr), n.div_ceil(nr));
            let (rows, cols) = match axis {
                Axis::Rows => (rows.div_ceil(t), cols),
                Axis::Cols => (rows, cols.div_ceil(t)),
            };
            let cost = (rows * mr) as u128 * (cols * nr) as u128 * handicap as u128;
            if cost < best.2 {
                best = (tile, axis, cost);
            }
        }
    }
    (best.0, best.1)
}

/// [`driver::run`] with kernel `K`, or the portable path if `isa` is not `K`'s.
fn run<K: Kernel>(
    isa: Isa,
    p: &Problem<'_>,
    c: &mut [f32],
    ws: &mut PackedWorkspace,
    pool: Option<&rayon::ThreadPool>,
    split: (usize, threads::Axis),
) {
    match isa::Supported::<K>::new(isa) {
        Some(cpu) => driver::run::<K>(cpu, p, c, ws, pool, split),
        None => portable(p, c),
    }
}

/// `matrixmultiply`'s sgemm: the path for CPUs without FMA.
fn portable(p: &Problem<'_>, c: &mut [f32]) {
    // Strides are bounded by slice lengths, so they fit in isize.
    let s = |x: usize| x as isize;
    let beta = if p.accumulate { 1.0 } else { 0.0 };
    // SAFETY: `sgemm_with` checked that `a`, `b` and `c` cover every offset their
    // strides reach for these non-zero dims; `c` is row-major `m × n`.
    unsafe {
        matrixmultiply::sgemm(
            p.m,
            p.k,
            p.n,
            1.0,
            p.a.as_ptr(),
            s(p.sa.row),
            s(p.sa.col),
            p.b.as_ptr(),
            s(p.sb.row),
            s(p.sb.col),
            beta,
            c.as_mut_ptr(),
            s(p.n),
            1,
        )
    }
}
