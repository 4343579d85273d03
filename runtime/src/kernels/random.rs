//! Random ops (`RandomUniform`, `RandomStandardNormal`, `TruncatedNormal`) and the
//! per-node [`RngState`], following TF's CPU kernels step for step so equal seeds
//! give TF's numbers: each run reserves `256 × n` Philox samples (TF's
//! `ReserveRandomOutputs(n, 256)`), uniform floats come from the 23 (or 52) low bits,
//! normals from Box-Muller, and truncated normals redraw `|z| >= 2` in groups that each
//! start 256 samples per output apart. The scale and shift (`min + u·(max − min)`,
//! `mean + z·stddev`) are applied in the output dtype, as TF's Python wrappers do.

use super::layout::known_dims;
use super::num::{Float, Num};
use super::philox::{Philox, SingleSample};
use super::{KernelError, Result};
use crate::tensor::{Buffer, Data};
use staticflow_ir::{DType, Dim, RandomDist};
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

/// Philox samples reserved per output element per run (TF's multiplier).
const RESERVED_PER_OUTPUT: u64 = 256;

/// The random stream of one random node in one session.
#[derive(Clone, Debug)]
pub(crate) struct RngState {
    gen: Philox,
}

impl RngState {
    /// TF's `GuardedPhiloxRandom::Init(seed, seed2)`: deterministic for any non-zero
    /// pair, so a seeded op's first values are the same in every new session and later
    /// runs continue the stream; `(0, 0)` draws both seeds from the process's entropy.
    pub(crate) fn new(seed: i64, seed2: i64) -> RngState {
        let (lo, hi) = if seed == 0 && seed2 == 0 {
            (entropy(0), entropy(1))
        } else {
            (seed as u64, seed2 as u64)
        };
        RngState {
            gen: Philox::new(lo, hi),
        }
    }

    /// The stream for a run of `n` outputs; the state moves past everything it may use.
    fn reserve(&mut self, n: usize) -> Philox {
        let start = self.gen;
        self.gen.skip((n as u64).wrapping_mul(RESERVED_PER_OUTPUT));
        start
    }
}

/// 64 bits from std's per-instance random hasher keys, mixed with the clock.
fn entropy(salt: u64) -> u64 {
    let mut h = RandomState::new().build_hasher();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    h.write_u128(nanos);
    h.write_u64(salt);
    h.finish()
}

/// Fills `out` with `static_shape` random values of `dtype`: uniform in `[a, b)`, or
/// normal with mean `a` and stddev `b` (truncated at two stddevs).
///
/// # Errors
/// [`KernelError::UnknownShape`], or [`KernelError::UnsupportedDtype`] for non-floats.
pub(super) fn random(
    dist: RandomDist,
    a: f64,
    b: f64,
    dtype: DType,
    static_shape: &[Dim],
    rng: &mut RngState,
    out: &mut Buffer,
) -> Result {
    let op = match dist {
        RandomDist::Uniform => "RandomUniform",
        RandomDist::Normal => "RandomStandardNormal",
        RandomDist::TruncatedNormal => "TruncatedNormal",
    };
    let n = known_dims(op, static_shape, &mut out.shape)?;
    match dtype {
        DType::Float32 => fill::<f32>(dist, a, b, n, rng, &mut out.data),
        DType::Float64 => fill::<f64>(dist, a, b, n, rng, &mut out.data),
        other => return Err(KernelError::UnsupportedDtype { op, dtype: other }),
    }
    Ok(())
}

/// `n` uniform samples in `[0, 1)` of `dtype`, as `RandomUniform` with the same state
/// would draw them (for dropout masks, which TF draws with `random_uniform`).
///
/// # Errors
/// [`KernelError::UnsupportedDtype`] for non-floats.
pub(super) fn uniform(
    op: &'static str,
    dtype: DType,
    n: usize,
    rng: &mut RngState,
    d: &mut Data,
) -> Result {
    match dtype {
        DType::Float32 => fill::<f32>(RandomDist::Uniform, 0.0, 1.0, n, rng, d),
        DType::Float64 => fill::<f64>(RandomDist::Uniform, 0.0, 1.0, n, rng, d),
        other => return Err(KernelError::UnsupportedDtype { op, dtype: other }),
    }
    Ok(())
}

/// `n` samples of `dist` into storage of `T`, from the next reserved stretch of `rng`.
fn fill<T: Sample>(dist: RandomDist, a: f64, b: f64, n: usize, rng: &mut RngState, d: &mut Data) {
    let base = rng.reserve(n);
    let o = T::vec_mut(d);
    o.clear();
    o.reserve(n);
    let (a, b) = (T::from_f64(a), T::from_f64(b));
    let mut g = base;
    match dist {
        RandomDist::Uniform => groups(o, n, b.minus(a), a, |_| T::uniform(g.next())),
        RandomDist::Normal => groups(o, n, b, a, |_| T::normal(g.next())),
        RandomDist::TruncatedNormal => groups(o, n, b, a, |group| {
            // Each group starts at its own reserved offset, however many draws the
            // groups before it rejected (TF's FillPhiloxRandomTask<.., true>).
            let mut g = base;
            g.skip(group.wrapping_mul(T::GROUP * RESERVED_PER_OUTPUT / 4));
            T::truncated(&mut SingleSample::new(&mut g))
        }),
    }
}

/// Appends `next(group)`'s samples, scaled and shifted, until `o` holds `n`.
fn groups<T: Num, G: AsRef<[T]>>(
    o: &mut Vec<T>,
    n: usize,
    scale: T,
    shift: T,
    mut next: impl FnMut(u64) -> G,
) {
    let mut group = 0u64;
    while o.len() < n {
        let g = next(group);
        let g = g.as_ref();
        let take = (n - o.len()).min(g.len());
        o.extend(g[..take].iter().map(|&v| v.times(scale).plus(shift)));
        group += 1;
    }
}

/// Float types TF's distributions are defined for: how Philox output becomes a group
/// of samples.
trait Sample: Float {
    /// Samples per group: 4 for f32, 2 for f64 (which uses two u32s per value).
    const GROUP: u64;
    /// One group of samples.
    type Group: AsRef<[Self]>;
    /// Uniform in `[0, 1)` from one block.
    fn uniform(bits: [u32; 4]) -> Self::Group;
    /// Standard normals from one block (Box-Muller).
    fn normal(bits: [u32; 4]) -> Self::Group;
    /// Standard normals with `|z| < 2`, drawing as many u32s as it takes.
    fn truncated(s: &mut SingleSample<'_>) -> Self::Group;
}

/// TF's `Uint32ToFloat`: 23 random mantissa bits under exponent 0, minus one.
fn unit_f32(x: u32) -> f32 {
    f32::from_bits((127 << 23) | (x & 0x7f_ffff)) - 1.0
}

/// TF's `Uint64ToDouble`: 20 + 32 random mantissa bits, minus one.
fn unit_f64(hi: u32, lo: u32) -> f64 {
    f64::from_bits((1023 << 52) | (u64::from(hi & 0xf_ffff) << 32) | u64::from(lo)) - 1.0
}

/// TF's `BoxMullerFloat`.
fn box_muller_f32(x0: u32, x1: u32) -> [f32; 2] {
    let u1 = unit_f32(x0).max(1.0e-7);
    // `2.0f * M_PI * u` is computed in double in C++, then stored as float.
    let v1 = (2.0 * std::f64::consts::PI * f64::from(unit_f32(x1))) as f32;
    let u2 = (-2.0f32 * u1.ln()).sqrt();
    let (s, c) = v1.sin_cos();
    [s * u2, c * u2]
}

/// TF's `BoxMullerDouble`.
fn box_muller_f64(x: [u32; 4]) -> [f64; 2] {
    let u1 = unit_f64(x[0], x[1]).max(1.0e-7);
    let v1 = 2.0 * std::f64::consts::PI * unit_f64(x[2], x[3]);
    let u2 = (-2.0 * u1.ln()).sqrt();
    let (s, c) = v1.sin_cos();
    [s * u2, c * u2]
}

impl Sample for f32 {
    const GROUP: u64 = 4;
    type Group = [f32; 4];
    fn uniform(bits: [u32; 4]) -> [f32; 4] {
        bits.map(unit_f32)
    }
    fn normal(bits: [u32; 4]) -> [f32; 4] {
        let [a, b] = box_muller_f32(bits[0], bits[1]);
        let [c, d] = box_muller_f32(bits[2], bits[3]);
        [a, b, c, d]
    }
    fn truncated(s: &mut SingleSample<'_>) -> [f32; 4] {
        let mut out = [0.0; 4];
        let mut i = 0;
        loop {
            let (x0, x1) = (s.next(), s.next());
            for z in box_muller_f32(x0, x1) {
                if z.abs() < 2.0 {
                    out[i] = z;
                    i += 1;
                    if i == out.len() {
                        return out;
                    }
                }
            }
        }
    }
}

impl Sample for f64 {
    const GROUP: u64 = 2;
    type Group = [f64; 2];
    fn uniform(bits: [u32; 4]) -> [f64; 2] {
        [unit_f64(bits[0], bits[1]), unit_f64(bits[2], bits[3])]
    }
    fn normal(bits: [u32; 4]) -> [f64; 2] {
        box_muller_f64(bits)
    }
    fn truncated(s: &mut SingleSample<'_>) -> [f64; 2] {
        let mut out = [0.0; 2];
        let mut i = 0;
        loop {
            let x = [s.next(), s.next(), s.next(), s.next()];
            for z in box_muller_f64(x) {
                if z.abs() < 2.0 {
                    out[i] = z;
                    i += 1;
                    if i == out.len() {
                        return out;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{run_rng, values};
    use super::*;
    use staticflow_ir::Op;

    fn op(dist: RandomDist, a: f64, b: f64) -> Op {
        Op::Random {
            dist,
            seed: 87654321,
            seed2: 5,
            a,
            b,
        }
    }

    fn draw<T: Sample>(dist: RandomDist, a: f64, b: f64, n: usize, rng: &mut RngState) -> Vec<f64> {
        let out = run_rng(&op(dist, a, b), T::DTYPE, &[Some(n)], rng).unwrap();
        assert_eq!(out.shape, vec![n]);
        values::<T>(&out).iter().map(|v| v.to_f64()).collect()
    }

    fn mean_std(v: &[f64]) -> (f64, f64) {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len() as f64;
        (m, var.sqrt())
    }

    const DISTS: [RandomDist; 3] = [
        RandomDist::Uniform,
        RandomDist::Normal,
        RandomDist::TruncatedNormal,
    ];

    fn check_type<T: Sample>() {
        for dist in DISTS {
            // Same seeds: same first values in every new state; later draws continue.
            let mut r1 = RngState::new(87654321, 5);
            let mut r2 = RngState::new(87654321, 5);
            let first = draw::<T>(dist, 0.0, 1.0, 7, &mut r1);
            assert_eq!(first, draw::<T>(dist, 0.0, 1.0, 7, &mut r2));
            let second = draw::<T>(dist, 0.0, 1.0, 7, &mut r1);
            assert_ne!(first, second);
            // A shorter request is a prefix of a longer one from the same state.
            let prefix = draw::<T>(dist, 0.0, 1.0, 3, &mut RngState::new(87654321, 5));
            assert_eq!(prefix[..], first[..3]);
            let other = draw::<T>(dist, 0.0, 1.0, 7, &mut RngState::new(87654321, 6));
            assert_ne!(first, other);
            let a = draw::<T>(dist, 0.0, 1.0, 7, &mut RngState::new(0, 0));
            let b = draw::<T>(dist, 0.0, 1.0, 7, &mut RngState::new(0, 0));
            assert_ne!(a, b, "unseeded states must differ");
        }
        let mut rng = RngState::new(1, 2);
        let u = draw::<T>(RandomDist::Uniform, -2.0, 3.0, 10_000, &mut rng);
        assert!(u.iter().all(|&v| (-2.0..3.0).contains(&v)));
        let (m, s) = mean_std(&u);
        assert!(
            (m - 0.5).abs() < 0.1 && (s - 5.0 / 12f64.sqrt()).abs() < 0.05,
            "{m} {s}"
        );
        let z = draw::<T>(RandomDist::Normal, 3.0, 2.0, 10_000, &mut rng);
        let (m, s) = mean_std(&z);
        assert!((m - 3.0).abs() < 0.1 && (s - 2.0).abs() < 0.1, "{m} {s}");
        let t = draw::<T>(RandomDist::TruncatedNormal, -1.0, 0.5, 10_001, &mut rng);
        assert!(t.iter().all(|&v| (v + 1.0).abs() < 1.0 + 1e-6));
        let (m, s) = mean_std(&t);
        // A standard normal truncated at ±2 has stddev ≈ 0.8796.
        assert!(
            (m + 1.0).abs() < 0.05 && (s - 0.5 * 0.8796).abs() < 0.03,
            "{m} {s}"
        );
    }

    #[test]
    fn f32_streams_and_moments() {
        check_type::<f32>();
    }

    #[test]
    fn f64_streams_and_moments() {
        check_type::<f64>();
    }

    #[test]
    fn first_values_follow_tf_construction() {
        // Uniform f32 is the low 23 bits of the first Philox block of (seed, seed2).
        let block = Philox::new(87654321, 5).next();
        let got = draw::<f32>(
            RandomDist::Uniform,
            0.0,
            1.0,
            4,
            &mut RngState::new(87654321, 5),
        );
        let want: Vec<f64> = block.iter().map(|&x| f64::from(unit_f32(x))).collect();
        assert_eq!(got, want);
        // A run of n reserves 256·n blocks: the second run starts there.
        let mut g = Philox::new(87654321, 5);
        g.skip(4 * 256);
        let mut rng = RngState::new(87654321, 5);
        draw::<f32>(RandomDist::Uniform, 0.0, 1.0, 4, &mut rng);
        let second = draw::<f32>(RandomDist::Uniform, 0.0, 1.0, 1, &mut rng);
        assert_eq!(second[0], f64::from(unit_f32(g.next()[0])));
        assert_eq!(unit_f32(0), 0.0);
        assert!(unit_f32(u32::MAX) < 1.0 && unit_f64(u32::MAX, u32::MAX) < 1.0);
    }

    #[test]
    fn errors() {
        let mut rng = RngState::new(1, 1);
        let err = run_rng(
            &op(RandomDist::Normal, 0.0, 1.0),
            DType::Int32,
            &[Some(2)],
            &mut rng,
        )
        .unwrap_err();
        assert!(matches!(
            err,
            KernelError::UnsupportedDtype {
                op: "RandomStandardNormal",
                ..
            }
        ));
        let err = run_rng(
            &op(RandomDist::Uniform, 0.0, 1.0),
            DType::Float32,
            &[None],
            &mut rng,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "RandomUniform needs a fully known static shape, got [?]"
        );
    }
}
