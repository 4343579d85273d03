//! This machine's FP32 FMA peak, measured with 12 independent fused multiply-add
//! chains per thread, enough to keep both FMA ports busy through the 4-cycle latency:
//! 32 flops/cycle/core with AVX2+FMA, 64 with AVX-512 on CPUs with two 512-bit FMA
//! units. `matrixmultiply` (0.3.10 and later, built by Rust 1.89 or later) runs its
//! AVX-512 sgemm kernel where the CPU has `avx512f`, so the widest loop is the peak its
//! GFLOPS are a fraction of.

/// Independent accumulators per thread.
const CHAINS: usize = 12;

/// The instruction set of one loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    /// 16-wide `vfmadd` on zmm registers.
    Avx512,
    /// 8-wide `vfmadd` on ymm registers.
    Avx2Fma,
    /// `f32::mul_add` on plain arrays (no FMA hardware detected).
    Portable,
}

impl Isa {
    /// The widest FMA this CPU has.
    pub fn widest() -> Isa {
        if has("avx512f") {
            Isa::Avx512
        } else {
            Isa::avx2_or_portable()
        }
    }

    /// AVX2+FMA where the CPU has them.
    pub fn avx2_or_portable() -> Isa {
        if has("avx2") && has("fma") {
            Isa::Avx2Fma
        } else {
            Isa::Portable
        }
    }

    fn lanes(self) -> usize {
        match self {
            Isa::Avx512 => 16,
            Isa::Avx2Fma | Isa::Portable => 8,
        }
    }

    /// Flops per cycle per core with two FMA units: 2 units x 2 flops x lanes.
    pub fn nominal_flops_per_cycle(self) -> usize {
        4 * self.lanes()
    }

    pub fn name(self) -> &'static str {
        match self {
            Isa::Avx512 => "AVX-512",
            Isa::Avx2Fma => "AVX2+FMA",
            Isa::Portable => "portable mul_add",
        }
    }
}

fn has(feature: &str) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        match feature {
            "avx512f" => is_x86_feature_detected!("avx512f"),
            "avx2" => is_x86_feature_detected!("avx2"),
            "fma" => is_x86_feature_detected!("fma"),
            _ => false,
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = feature;
        false
    }
}

/// Flops of one `fma_loop(isa, iters)` call on one thread.
pub fn flops(isa: Isa, iters: usize) -> f64 {
    (iters * CHAINS * isa.lanes() * 2) as f64
}

/// Runs `iters` rounds of `CHAINS` independent FMAs of `isa`'s width.
pub fn fma_loop(isa: Isa, iters: usize) -> f32 {
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 if has("avx512f") => {
            // SAFETY: the CPU has AVX-512F (checked just above); AVX2 and FMA come
            // with it.
            unsafe { fma_avx512(iters) };
            0.0
        }
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2Fma if has("avx2") && has("fma") => {
            // SAFETY: the CPU has AVX2 and FMA (checked just above).
            unsafe { fma_avx2(iters) }
        }
        _ => fma_portable(iters),
    }
}

/// The same on `threads` threads at once (one loop each); returns after all finish.
pub fn fma_loop_threads(isa: Isa, iters: usize, threads: usize) -> f32 {
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| s.spawn(move || fma_loop(isa, iters)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("FMA thread"))
            .sum()
    })
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn fma_avx2(iters: usize) -> f32 {
    use std::arch::x86_64::{
        __m256, _mm256_add_ps, _mm256_fmadd_ps, _mm256_set1_ps, _mm256_storeu_ps,
    };
    // acc = acc * a + b converges to b / (1 - a): no overflow, no denormals.
    let a = _mm256_set1_ps(std::hint::black_box(0.999_99));
    let b = _mm256_set1_ps(std::hint::black_box(1e-3));
    let mut acc: [__m256; CHAINS] = [_mm256_set1_ps(0.0); CHAINS];
    for _ in 0..iters {
        for x in &mut acc {
            *x = _mm256_fmadd_ps(*x, a, b);
        }
    }
    let sum = acc
        .iter()
        .fold(_mm256_set1_ps(0.0), |s, x| _mm256_add_ps(s, *x));
    let mut lanes = [0.0f32; 8];
    // SAFETY: `lanes` holds 8 f32s, the unaligned store writes exactly 8.
    unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), sum) };
    lanes.iter().sum()
}

/// The AVX-512 loop in inline assembly: AVX-512 intrinsics and `target_feature =
/// "avx512f"` need Rust 1.89, above the workspace's rust-version (1.85).
///
/// # Safety
/// The CPU must have AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline(never)]
unsafe fn fma_avx512(iters: usize) {
    if iters == 0 {
        return;
    }
    // SAFETY: the caller guarantees AVX-512F. The block touches only zmm0-13 and the
    // counter: the ymm clobbers cover what the compiler may keep there, and this
    // function (compiled without avx512f, never inlined) keeps nothing in their upper
    // halves; `vzeroupper` leaves the upper state clean. acc = acc * a + b with
    // a = 0.99999, b = 0.001 stays finite and normal.
    unsafe {
        std::arch::asm!(
            "vpbroadcastd zmm12, {a:e}",
            "vpbroadcastd zmm13, {b:e}",
            "vmovaps zmm0, zmm13",
            "vmovaps zmm1, zmm13",
            "vmovaps zmm2, zmm13",
            "vmovaps zmm3, zmm13",
            "vmovaps zmm4, zmm13",
            "vmovaps zmm5, zmm13",
            "vmovaps zmm6, zmm13",
            "vmovaps zmm7, zmm13",
            "vmovaps zmm8, zmm13",
            "vmovaps zmm9, zmm13",
            "vmovaps zmm10, zmm13",
            "vmovaps zmm11, zmm13",
            "2:",
            "vfmadd213ps zmm0, zmm12, zmm13",
            "vfmadd213ps zmm1, zmm12, zmm13",
            "vfmadd213ps zmm2, zmm12, zmm13",
            "vfmadd213ps zmm3, zmm12, zmm13",
            "vfmadd213ps zmm4, zmm12, zmm13",
            "vfmadd213ps zmm5, zmm12, zmm13",
            "vfmadd213ps zmm6, zmm12, zmm13",
            "vfmadd213ps zmm7, zmm12, zmm13",
            "vfmadd213ps zmm8, zmm12, zmm13",
            "vfmadd213ps zmm9, zmm12, zmm13",
            "vfmadd213ps zmm10, zmm12, zmm13",
            "vfmadd213ps zmm11, zmm12, zmm13",
            "dec {n}",
            "jnz 2b",
            "vzeroupper",
            n = inout(reg) iters => _,
            a = in(reg) 0.999_99f32.to_bits(),
            b = in(reg) 1e-3f32.to_bits(),
            out("ymm0") _, out("ymm1") _, out("ymm2") _, out("ymm3") _,
            out("ymm4") _, out("ymm5") _, out("ymm6") _, out("ymm7") _,
            out("ymm8") _, out("ymm9") _, out("ymm10") _, out("ymm11") _,
            out("ymm12") _, out("ymm13") _,
            options(nostack, nomem),
        );
    }
}

/// Without FMA hardware: the same chains with `f32::mul_add` on plain arrays.
fn fma_portable(iters: usize) -> f32 {
    let a = std::hint::black_box(0.999_99f32);
    let b = std::hint::black_box(1e-3f32);
    let mut acc = [[0.0f32; 8]; CHAINS];
    for _ in 0..iters {
        for chain in &mut acc {
            for x in chain {
                *x = x.mul_add(a, b);
            }
        }
    }
    acc.iter().flatten().sum()
}
