//! The packed gemm against an f64 triple loop: edge sizes, all four transposes,
//! overwrite and accumulate, every kernel this CPU has (and the portable path), one
//! thread and a two-thread pool, the production blocking and a tiny one that makes
//! small products cross every block boundary.

use super::threads::Axis;
use super::*;
use crate::kernels::testutil::data;
use std::marker::PhantomData;
use std::sync::Arc;

/// The sizes the shapes are drawn from: around the tile sizes (6, 12, 16, 32) and
/// beyond one block.
const SIZES: [usize; 23] = [
    1, 2, 3, 5, 7, 8, 13, 16, 17, 31, 32, 33, 47, 48, 49, 64, 65, 100, 127, 128, 129, 255, 300,
];

/// `K` with tiny blocks, so that small products have several KC slices, NC blocks, MC
/// blocks and ranges of the shared operand.
struct Tiny<K>(PhantomData<K>);

impl<K: Kernel> Kernel for Tiny<K> {
    const KIND: Kind = K::KIND;
    const MR: usize = K::MR;
    const NR: usize = K::NR;
    const KC: usize = 5;
    const MC: usize = 2 * K::MR;
    const NC: usize = 2 * K::NR;
    const SHARED_MAX: usize = 1000;

    unsafe fn tile(t: &MicroTile) {
        // SAFETY: forwarded from this function's contract.
        unsafe { K::tile(t) }
    }
}

/// One product's operands and the f64 reference.
struct Case {
    m: usize,
    k: usize,
    n: usize,
    a: Vec<f32>,
    sa: Strides,
    b: Vec<f32>,
    sb: Strides,
    /// The starting contents of C (what `accumulate` adds to).
    c0: Vec<f32>,
    /// [`Case::reference`] without and with accumulation.
    want: [Vec<(f64, f64)>; 2],
}

impl Case {
    fn new((m, k, n): (usize, usize, usize), ta: bool, tb: bool, seed: u64) -> Case {
        let f32s = |len, seed| data(len, seed).into_iter().map(|v| v as f32).collect();
        let mut case = Case {
            m,
            k,
            n,
            a: f32s(m * k, seed),
            sa: if ta {
                Strides::transposed(m)
            } else {
                Strides::rows(k)
            },
            b: f32s(k * n, seed + 1),
            sb: if tb {
                Strides::transposed(k)
            } else {
                Strides::rows(n)
            },
            c0: f32s(m * n, seed + 2),
            want: [Vec::new(), Vec::new()],
        };
        case.want = [case.reference(false), case.reference(true)];
        case
    }

    /// `(value, bound)` per element of C: the f64 result and the sum of magnitudes its
    /// rounding error scales with.
    fn reference(&self, accumulate: bool) -> Vec<(f64, f64)> {
        let at = |i: usize, p: usize| f64::from(self.a[i * self.sa.row + p * self.sa.col]);
        let bt = |p: usize, j: usize| f64::from(self.b[p * self.sb.row + j * self.sb.col]);
        let mut out = Vec::with_capacity(self.m * self.n);
        for i in 0..self.m {
            for j in 0..self.n {
                let c0 = if accumulate {
                    f64::from(self.c0[i * self.n + j])
                } else {
                    0.0
                };
                let (mut v, mut mag) = (c0, c0.abs());
                for p in 0..self.k {
                    v += at(i, p) * bt(p, j);
                    mag += (at(i, p) * bt(p, j)).abs();
                }
                out.push((v, mag));
            }
        }
        out
    }

    /// Runs `f` on C (starting from `c0`) and checks it against the reference.
    fn check(&self, accumulate: bool, what: &str, f: impl FnOnce(&Case, &mut [f32])) {
        let mut c = self.c0.clone();
        f(self, &mut c);
        for (idx, (&got, &(want, mag))) in c
            .iter()
            .zip(&self.want[usize::from(accumulate)])
            .enumerate()
        {
            let tol = 1e-6 * (self.k as f64 + 2.0) * mag.max(1e-30);
            assert!(
                (f64::from(got) - want).abs() <= tol,
                "{what} m={} k={} n={} sa={:?} sb={:?} acc={accumulate}: \
                 C[{idx}] = {got}, want {want}",
                self.m,
                self.k,
                self.n,
                self.sa,
                self.sb,
            );
        }
    }

    fn problem(&self, accumulate: bool) -> Problem<'_> {
        Problem {
            m: self.m,
            k: self.k,
            n: self.n,
            a: &self.a,
            sa: self.sa,
            b: &self.b,
            sb: self.sb,
            accumulate,
        }
    }
}

/// Every kind this CPU runs, the portable path included.
fn isas() -> Vec<Isa> {
    [Kind::Avx512, Kind::Avx2Fma, Kind::Portable]
        .into_iter()
        .filter_map(Isa::force)
        .collect()
}

/// A context with a two-thread pool (its own, so tests do not share state).
fn two_threads() -> KernelContext {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("test pool");
    KernelContext::new(Some(Arc::new(pool)))
}

/// Shapes from [`SIZES`]: a deterministic sample of the cube plus its corners.
fn shapes(count: usize) -> Vec<(usize, usize, usize)> {
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    let mut pick = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        SIZES[(s % SIZES.len() as u64) as usize]
    };
    let mut out: Vec<_> = (0..count).map(|_| (pick(), pick(), pick())).collect();
    out.extend([(1, 1, 1), (300, 300, 300), (1, 300, 1), (300, 1, 300)]);
    out
}

const TRANSPOSES: [(bool, bool); 4] = [(false, false), (true, false), (false, true), (true, true)];

#[test]
fn every_kernel_matches_the_reference_on_one_and_two_threads() {
    let mut one = KernelContext::default();
    let mut two = two_threads();
    for (case_no, dims) in shapes(40).into_iter().enumerate() {
        for (t, &(ta, tb)) in TRANSPOSES.iter().enumerate() {
            let case = Case::new(dims, ta, tb, (case_no * 4 + t) as u64);
            for isa in isas() {
                for accumulate in [false, true] {
                    for (ctx, threads) in [(&mut one, 1), (&mut two, 2)] {
                        let what = format!("{isa:?} threads={threads}");
                        case.check(accumulate, &what, |p, c| {
                            // Parallel from the smallest product on, to test the split.
                            sgemm_with(
                                isa,
                                1,
                                ctx,
                                (p.m, p.k, p.n),
                                &p.a,
                                p.sa,
                                &p.b,
                                p.sb,
                                accumulate,
                                c,
                            )
                        });
                    }
                }
            }
        }
    }
}

/// [`run`] with kernel `K` on `dims`, for each accumulate flag, thread count and
/// shared-out axis, with the transposes `transposes(case number)`.
fn each_way<K: Kernel>(
    isa: Isa,
    dims: &[(usize, usize, usize)],
    transposes: impl Fn(usize) -> (bool, bool),
    what: &str,
) {
    let mut one = KernelContext::default();
    let mut two = two_threads();
    for (case_no, &dims) in dims.iter().enumerate() {
        let (ta, tb) = transposes(case_no);
        let case = Case::new(dims, ta, tb, case_no as u64);
        for accumulate in [false, true] {
            for (ctx, threads) in [(&mut one, 1), (&mut two, 2)] {
                for axis in [Axis::Rows, Axis::Cols] {
                    let what = format!("{what} {isa:?} threads={threads} {axis:?}");
                    case.check(accumulate, &what, |p, c| {
                        let pool = ctx.pool.as_deref();
                        let problem = p.problem(accumulate);
                        run::<K>(isa, &problem, c, &mut ctx.gemm, pool, (threads, axis));
                    });
                }
            }
        }
    }
}

/// [`each_way`] for kernel `K` with its own blocking on sampled shapes and with tiny
/// blocks (several KC slices, MC and NC blocks) on small ones.
fn every_way<K: Kernel>(isa: Isa) {
    let cycle = |i: usize| TRANSPOSES[i % 4];
    each_way::<K>(isa, &shapes(12), cycle, "");
    let small = [
        (1, 1, 1),
        (13, 17, 33),
        (31, 12, 100),
        (65, 29, 47),
        (100, 64, 129),
    ];
    each_way::<Tiny<K>>(isa, &small, cycle, "tiny");
    // Few rows and a row-major B: B's whole panels are read in place, except when its
    // rows are 4 KiB apart (1024 columns).
    let few_rows = [(64, 40, 64), (33, 20, 100), (96, 7, 1024), (5, 300, 47)];
    let b_rows = |i: usize| (i % 2 == 1, false);
    each_way::<K>(isa, &few_rows, b_rows, "B in place");
    each_way::<Tiny<K>>(isa, &few_rows, b_rows, "tiny, B in place");
}

#[cfg(target_arch = "x86_64")]
#[test]
fn every_tile_matches_the_reference_every_way() {
    #[cfg(target_arch = "x86_64")]
    if let Some(isa) = Isa::force(Kind::Avx512) {
        every_way::<avx512::Avx512<12, 2>>(isa);
        every_way::<avx512::Avx512<8, 2>>(isa);
        every_way::<avx512::Avx512<16, 1>>(isa);
    }
    if let Some(isa) = Isa::force(Kind::Avx2Fma) {
        every_way::<avx2::Avx2<6, 2>>(isa);
    }
}

#[test]
fn the_choice_of_tile_and_axis() {
    use Tile::*;
    // Rows that are multiples of 8 (not 12) take 8-row tiles; narrow products 16-wide.
    assert_eq!(choose(Kind::Avx512, 64, 256).0, R8C32);
    assert_eq!(choose(Kind::Avx512, 780, 256).0, R12C32);
    assert_eq!(choose(Kind::Avx512, 512, 512).0, R8C32);
    assert_eq!(choose(Kind::Avx512, 64, 10).0, R16C16);
    // Work items cut the longer side.
    assert_eq!(choose(Kind::Avx512, 64, 256).1, Axis::Cols);
    assert_eq!(choose(Kind::Avx512, 512, 256).1, Axis::Rows);
    assert_eq!(choose(Kind::Avx2Fma, 64, 10), (R6C16, Axis::Rows));
}

#[cfg(target_arch = "x86_64")]
#[test]
fn b_is_read_in_place_for_few_rows() {
    type K = avx2::Avx2<6, 2>;
    let case = |m, k, n, tb| Case::new((m, k, n), false, tb, 0);
    let in_place = |c: &Case| driver::reads_b_in_place::<K>(&c.problem(false));
    assert!(in_place(&case(64, 30, 100, false)));
    assert!(!in_place(&case(64, 30, 100, true)), "B transposed");
    assert!(!in_place(&case(128, 30, 100, false)), "many rows");
    assert!(!in_place(&case(64, 30, 10, false)), "no whole panel");
    assert!(!in_place(&case(64, 3, 1024, false)), "rows 4 KiB apart");
}

#[test]
fn production_blocks_cross_their_boundaries() {
    // k > KC and n > NC for both kernels, rows per thread > MC on two threads.
    let mut one = KernelContext::default();
    let mut two = two_threads();
    for (ta, tb) in [(false, false), (true, true)] {
        let case = Case::new((1000, 400, 700), ta, tb, 7);
        for isa in isas().into_iter().filter(|i| i.kind() != Kind::Portable) {
            for (ctx, threads) in [(&mut one, 1), (&mut two, 2)] {
                case.check(true, &format!("{isa:?} threads={threads}"), |p, c| {
                    sgemm_with(
                        isa,
                        1,
                        ctx,
                        (p.m, p.k, p.n),
                        &p.a,
                        p.sa,
                        &p.b,
                        p.sb,
                        true,
                        c,
                    )
                });
            }
        }
    }
}

#[test]
fn empty_and_short_operands() {
    let mut ctx = KernelContext::default();
    let (sa, sb) = (Strides::rows(0), Strides::rows(3));
    // k = 0: zeros, or unchanged when accumulating.
    let mut c = [5.0f32; 6];
    sgemm(&mut ctx, (2, 0, 3), &[], sa, &[], sb, true, &mut c);
    assert_eq!(c, [5.0; 6]);
    sgemm(&mut ctx, (2, 0, 3), &[], sa, &[], sb, false, &mut c);
    assert_eq!(c, [0.0; 6]);
    // m = 0 and n = 0 do nothing.
    sgemm(
        &mut ctx,
        (0, 4, 3),
        &[],
        Strides::rows(4),
        &[1.0; 12],
        sb,
        false,
        &mut [],
    );
}
