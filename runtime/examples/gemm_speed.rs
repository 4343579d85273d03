//! GFLOPS of the f32 gemm behind `MatMul` and the convolutions, on one thread and on
//! the session pool's threads, against `matrixmultiply` on one thread, with this
//! machine's FMA peak measured in the same run.
//!
//! ```sh
//! cargo run --release -p staticflow-runtime --example gemm_speed [-- --quick]
//! ```
//!
//! Every row is the median of interleaved repetitions (one call of each variant in
//! turn, so a noisy phase of the machine hits all alike); `allocs` counts heap
//! allocations per steady-state call (a counting global allocator).
//!
//! `ours Nt` is a call as a session makes it today: from the session's thread, which
//! hands the product to the pool and waits, so each call wakes the pool's threads.
//! `pool Nt` runs the calls from a thread of the pool ([`Sgemm::on_pool`], [`POOL_RUN`]
//! calls back to back), as a session that ran its whole plan on the pool would: the
//! difference is the cost of the hand-off to the pool and back.

#[path = "../../benches/common/alloc.rs"]
mod alloc;
#[path = "../../benches/common/fma.rs"]
mod fma;
#[path = "../../benches/common/timing.rs"]
#[allow(dead_code)]
mod timing;

use staticflow_runtime::gemm::{Sgemm, SgemmKernel};
use std::hint::black_box;
use timing::{median_of, medians, Budget};

/// Calls per timed repetition of the `pool Nt` column.
const POOL_RUN: usize = 8;

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

/// One product: `m × k` times `k × n`, with the stored operands transposed or not.
struct Shape {
    name: &'static str,
    m: usize,
    k: usize,
    n: usize,
    ta: bool,
    tb: bool,
}

const fn shape(name: &'static str, m: usize, k: usize, n: usize, ta: bool, tb: bool) -> Shape {
    Shape {
        name,
        m,
        k,
        n,
        ta,
        tb,
    }
}

const SHAPES: [Shape; 10] = [
    shape("n=64", 64, 64, 64, false, false),
    shape("n=128", 128, 128, 128, false, false),
    shape("n=256", 256, 256, 256, false, false),
    shape("n=512", 512, 512, 512, false, false),
    shape("n=1024", 1024, 1024, 1024, false, false),
    shape("64x784 . 784x256", 64, 784, 256, false, false),
    shape("512x784 . 784x256", 512, 784, 256, false, false),
    shape("784x64^T . 64x256 (dW)", 784, 64, 256, true, false),
    shape("64x256 . (784x256)^T (dX)", 64, 256, 784, false, true),
    shape("64x256 . 256x10", 64, 256, 10, false, false),
];

/// `n` values in [-1, 1).
fn values(n: usize, seed: u32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s >> 8) as f32 / (1u32 << 23) as f32 - 1.0
        })
        .collect()
}

/// `matrixmultiply::sgemm` with the same strides.
fn mm(s: &Shape, a: &[f32], b: &[f32], c: &mut [f32]) {
    let (m, k, n) = (s.m, s.k, s.n);
    let (rsa, csa) = if s.ta { (1, m) } else { (k, 1) };
    let (rsb, csb) = if s.tb { (1, k) } else { (n, 1) };
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n);
    // SAFETY: just checked that the slices hold the m×k, k×n and m×n matrices the
    // strides describe.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            rsa as isize,
            csa as isize,
            b.as_ptr(),
            rsb as isize,
            csb as isize,
            0.0,
            c.as_mut_ptr(),
            n as isize,
            1,
        )
    }
}

/// GFLOPS of the widest FMA loop on one core and on `threads` cores.
fn peaks(budget: &Budget, threads: usize) -> (f64, f64) {
    let isa = fma::Isa::widest();
    let iters = 1 << 20;
    let one = median_of(budget, || {
        black_box(fma::fma_loop(isa, black_box(iters)));
    });
    let all = median_of(budget, || {
        black_box(fma::fma_loop_threads(isa, black_box(iters), threads));
    });
    let flops = fma::flops(isa, iters);
    (flops / one / 1e9, flops * threads as f64 / all / 1e9)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let quick = std::env::args().any(|a| a == "--quick");
    let budget = if quick {
        Budget::quick()
    } else {
        Budget::full()
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mut one = Sgemm::new(1)?;
    let mut all = Sgemm::new(cores)?;
    let mut pool = Sgemm::new(cores)?;
    let mut avx2 = Sgemm::new(1)?.with_kernel(SgemmKernel::Avx2Fma);
    let (peak1, peak_all) = peaks(&budget, cores);
    let widest = fma::Isa::widest();
    println!(
        "kernel {:?}; FMA peak ({}): {peak1:.1} GFLOPS on 1 core (= {:.2} GHz x {} flops/cycle), \
         {peak_all:.1} on {cores}",
        one.kernel(),
        widest.name(),
        peak1 / widest.nominal_flops_per_cycle() as f64,
        widest.nominal_flops_per_cycle(),
    );
    println!(
        "{:<27} {:>8} {:>5} {:>8} {:>5} {:>8} {:>5} {:>8} {:>8} {:>15}",
        "shape (GFLOPS)",
        "ours 1t",
        "%pk",
        format!("ours {cores}t"),
        "%pk",
        format!("pool {cores}t"),
        "%pk",
        "mm 1t",
        "avx2 1t",
        "allocs 1t/Nt/mm",
    );
    for s in &SHAPES {
        let a = values(s.m * s.k, 1);
        let b = values(s.k * s.n, 2);
        let mut c = vec![0.0f32; s.m * s.n];
        let dims = (s.m, s.k, s.n);
        let (mut c1, mut c2, mut c3, mut c4) = (c.clone(), c.clone(), c.clone(), c.clone());
        let mut c5 = c.clone();
        let mut f_one = || {
            one.run(dims, &a, s.ta, &b, s.tb, false, &mut c1)
                .expect("shape");
        };
        let mut f_all = || {
            all.run(dims, &a, s.ta, &b, s.tb, false, &mut c2)
                .expect("shape");
        };
        let mut f_pool = || {
            pool.on_pool(|g| {
                for _ in 0..POOL_RUN {
                    g.run(dims, &a, s.ta, &b, s.tb, false, &mut c5)
                        .expect("shape");
                }
            })
        };
        let mut f_mm = || mm(s, &a, &b, &mut c3);
        let mut f_avx2 = || {
            if let Some(g) = avx2.as_mut() {
                g.run(dims, &a, s.ta, &b, s.tb, false, &mut c4)
                    .expect("shape");
            }
        };
        let t = medians(
            &budget,
            &mut [&mut f_one, &mut f_all, &mut f_mm, &mut f_avx2, &mut f_pool],
        );
        let pool_call = t[4] / POOL_RUN as f64;
        let allocs = [
            alloc::per_call(20, &mut f_one),
            alloc::per_call(200, &mut f_all),
            alloc::per_call(20, &mut f_mm),
        ];
        mm(s, &a, &b, &mut c);
        let worst = c1
            .iter()
            .chain(&c2)
            .chain(&c5)
            .zip(c.iter().chain(&c).chain(&c))
            .map(|(x, y)| (x - y).abs())
            .fold(0.0f32, f32::max);
        assert!(
            worst < 1e-3 * s.k as f32,
            "{}: results differ by {worst}",
            s.name
        );
        let gf = |t: f64| 2.0 * (s.m * s.k * s.n) as f64 / t / 1e9;
        println!(
            "{:<27} {:>8.1} {:>4.0}% {:>8.1} {:>4.0}% {:>8.1} {:>4.0}% {:>8.1} {:>8} {:>15}",
            s.name,
            gf(t[0]),
            100.0 * gf(t[0]) / peak1,
            gf(t[1]),
            100.0 * gf(t[1]) / peak_all,
            gf(pool_call),
            100.0 * gf(pool_call) / peak_all,
            gf(t[2]),
            avx2.as_ref()
                .map_or("-".to_string(), |_| format!("{:.1}", gf(t[3]))),
            format!("{:.2}/{:.3}/{:.1}", allocs[0], allocs[1], allocs[2]),
        );
    }
    let (p1, pa) = peaks(&budget, cores);
    println!("FMA peak again: {p1:.1} GFLOPS on 1 core, {pa:.1} on {cores}");
    Ok(())
}
