//! The f32 gemm behind `MatMul` and the convolutions: `C (+)= op(A)·op(B)` with any
//! strides for `A` and `B` (transposes are strides) and a row-major `C`, blocked for the
//! caches, with `A` and `B` packed into panels and a register-tiled micro-kernel for
//! the CPU at hand (run-time detection, `packed/isa`):
//!
//! | kernel     | tiles (MR×NR)                  | KC  | MC  | NC   | file            |
//! |------------|--------------------------------|-----|-----|------|-----------------|
//! | AVX-512F   | 12×32; 8×32, 16×16 by shape    | 512 | 480 | 512  | `packed/avx512` |
//! | AVX2 + FMA | 6×16                           | 256 | 480 | 1024 | `packed/avx2`   |
//! | neither    | `matrixmultiply`'s portable sgemm                         |||||
//!
//! The AVX-512 tile is chosen per product by the least padded area (`choose`): 8×32
//! when the rows are a multiple of 8 but not of 12 (a batch of 64, 512), 16×16 for
//! narrow products (10 columns). Its intrinsics are stable since Rust 1.89, the
//! workspace's rust-version.
//!
//! The blocking (`packed/driver`, measured on a 2-core Xeon with 48 KiB L1d and 2 MiB
//! L2 per core): an `MR × KC` panel of `A` stays in L1 (24 KiB for 12 × 512) while the
//! kernel streams a `KC × NC` block of `B` (1 MiB, half the L2) past it; `B` is
//! packed into full-depth panels once per call. The packed buffers live in a
//! [`PackedWorkspace`] in the session's [`KernelContext`] and only grow
//! (`packed/workspace`), so a steady-state call allocates nothing.
//!
//! With a pool and a product of at least [`PARALLEL_MIN`] multiply-adds, the pool's
//! threads deal themselves blocks of rows (or of columns, whichever side of `C` is
//! longer) from an atomic counter and pack the operand they all read in chunks,
//! whoever needs a chunk first (`packed/parallel`, `packed/threads`): a thread the
//! pool wakes late takes fewer blocks, and the threads meet only at the end. A
//! single-threaded call never touches the pool, an atomic or a lock.
//!
//! f64 stays on `matrixmultiply`.

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
#[clippy::msrv = "1.89"]
mod avx512;
mod cview;
mod driver;
mod isa;
mod pack;
mod parallel;
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
    /// The CPU must have [`Kernel::KIND`]'s features; `t.a` must be valid for `kc·MR`
    /// reads, and `t.b` for reads of `NR` floats at each of `kc` steps `t.ldb` apart;
    /// `1 <= rows <= MR`, `1 <= cols <= NR`, and `t.c` valid for reads and writes of
    /// `rows` rows of `cols` floats at row stride `t.ldc`.
    unsafe fn tile(t: &MicroTile);
}

/// The operands of one micro-tile (see [`Kernel::tile`]).
#[derive(Clone, Copy)]
pub(super) struct MicroTile {
    /// Steps of `k`.
    pub(super) kc: usize,
    /// The packed `A` panel: `MR` floats per step.
    pub(super) a: *const f32,
    /// The `B` panel: `NR` floats per step, ...
    pub(super) b: *const f32,
    /// ... `ldb` floats apart (`NR` when packed, the row stride of `B` when read in
    /// place).
    pub(super) ldb: usize,
    /// The tile of `C`.
    pub(super) c: *mut f32,
    /// Its row stride.
    pub(super) ldc: usize,
    /// Rows of the tile to store.
    pub(super) rows: usize,
    /// Columns of the tile to store.
    pub(super) cols: usize,
    /// Add to `C` rather than overwrite it.
    pub(super) accumulate: bool,
}

/// Multiply-adds below which a product stays on one thread (`256³`): handing it to
/// the pool and back costs more than the second thread saves. Measured on a 2-core
/// VM, where waking a sleeping pool thread costs 50-200 µs: `64 × 784 · 784 × 256`
/// (12.8 M) was faster on two threads only when the pool was already awake.
pub(crate) const PARALLEL_MIN: usize = 1 << 24;

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
    let (tile, axis) = choose(isa.kind(), m, n);
    let ws = &mut ctx.gemm;
    let split = (threads, axis);
    match (isa.kind(), tile) {
        #[cfg(target_arch = "x86_64")]
        (Kind::Avx512, Tile::R12C32) => run::<avx512::Avx512<12, 2>>(isa, &p, c, ws, pool, split),
        #[cfg(target_arch = "x86_64")]
        (Kind::Avx512, Tile::R8C32) => run::<avx512::Avx512<8, 2>>(isa, &p, c, ws, pool, split),
        #[cfg(target_arch = "x86_64")]
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
    /// AVX-512, 8 × 32: for row counts that are multiples of 8 but not of 12 (64, 512).
    R8C32,
    /// AVX-512, 16 × 16: for narrow products (10 columns).
    R16C16,
    /// AVX2, 6 × 16.
    R6C16,
}

/// The tile for an `m × n` product, and the axis its work items cut when threaded:
/// the tile with the least padded area (`m` and `n` rounded up to whole tiles; ties go
/// to the first), with a handicap (per cent) for 16×16, which loads more per FMA
/// (12×32 and 8×32 measured alike where neither pads); items cut the longer
/// side of `C`, so there are more of them and the operand all threads read (`B` for
/// blocks of rows, `A` for blocks of columns) is the smaller.
fn choose(kind: Kind, m: usize, n: usize) -> (Tile, threads::Axis) {
    const AVX512: [(Tile, usize, usize, usize); 3] = [
        (Tile::R12C32, 12, 32, 100),
        (Tile::R8C32, 8, 32, 100),
        (Tile::R16C16, 16, 16, 110),
    ];
    const AVX2: [(Tile, usize, usize, usize); 1] = [(Tile::R6C16, 6, 16, 100)];
    let tiles: &[_] = if kind == Kind::Avx512 { &AVX512 } else { &AVX2 };
    let cost = |&(_, mr, nr, handicap): &(Tile, usize, usize, usize)| {
        let area = m.next_multiple_of(mr) as u128 * n.next_multiple_of(nr) as u128;
        area * handicap as u128
    };
    let tile = tiles
        .iter()
        .min_by_key(|t| cost(t))
        .map_or(Tile::R6C16, |t| t.0);
    let axis = if m >= n {
        threads::Axis::Rows
    } else {
        threads::Axis::Cols
    };
    (tile, axis)
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
