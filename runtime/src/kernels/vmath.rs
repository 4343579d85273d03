//! Vector math: branch-free f32 `exp` and `tanh` that the compiler vectorises (libm's
//! scalar calls cannot be; TF's Eigen kernels use packet versions too), and [`dispatch`],
//! which runs a kernel body from a copy compiled for AVX2 when the CPU has it (the crate
//! itself targets baseline x86-64). All of the kernels' ISA-specific code is here.
//!
//! `exp` and `tanh` are Cephes polynomials, within a few ulp of the correctly rounded
//! result over the whole range, with IEEE behaviour at the ends: overflow to `inf`,
//! gradual underflow to 0, NaN in NaN out.

/// A kernel body that [`dispatch`] can run from a copy compiled for AVX2. Its `run`,
/// and everything its hot loop calls, must be `#[inline(always)]` so that the copy is
/// really compiled for AVX2 (a call that is not inlined runs baseline code).
pub(crate) trait Body {
    /// What the body returns.
    type Out;
    /// Runs the body.
    fn run(self) -> Self::Out;
}

/// Runs `body`, from its AVX2 copy when the CPU has AVX2 (std caches the detection).
#[inline(always)]
pub(crate) fn dispatch<B: Body>(body: B) -> B::Out {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: `avx2` only requires that the CPU supports AVX2, checked just above.
        return unsafe { avx2(body) };
    }
    body.run()
}

/// `body.run()` compiled for AVX2.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn avx2<B: Body>(body: B) -> B::Out {
    body.run()
}

/// `o = f(s)` elementwise, reusing `o`'s capacity, vectorised for the CPU at hand.
#[inline(always)]
pub(crate) fn map<T: Copy, U: Copy, F: Fn(T) -> U>(s: &[T], o: &mut Vec<U>, f: F) {
    dispatch(Map { s, o, f });
}

/// The body of [`map`].
struct Map<'a, T, U, F> {
    s: &'a [T],
    o: &'a mut Vec<U>,
    f: F,
}

impl<T: Copy, U: Copy, F: Fn(T) -> U> Body for Map<'_, T, U, F> {
    type Out = ();
    #[inline(always)]
    fn run(self) {
        // Written through the spare capacity: `Vec::extend` is not inlined into the
        // AVX2 copy, and `resize` would store every element twice.
        let n = self.s.len();
        self.o.clear();
        self.o.reserve(n);
        for (d, &v) in self.o.spare_capacity_mut()[..n].iter_mut().zip(self.s) {
            d.write((self.f)(v));
        }
        // SAFETY: `reserve(n)` made room for `n` elements and the loop initialised the
        // first `n` slots of the spare capacity, one per source element.
        unsafe { self.o.set_len(n) }
    }
}

/// `1.5 · 2^23`: adding and subtracting it rounds an f32 of magnitude below 2^22 to the
/// nearest integer, and the sum's low mantissa bits hold that integer.
const ROUNDER: f32 = 12_582_912.0;

/// `e^x`.
#[inline(always)]
pub(crate) fn exp_f32(x: f32) -> f32 {
    // Past these the result is inf or 0 anyway; clamping keeps the exponent arithmetic
    // in range. `clamp` passes NaN through.
    let x = x.clamp(-104.0, 89.0);
    // x = k·ln2 + r with |r| <= ln2/2; ln2 split in two for an exact k·ln2.
    let t = x * std::f32::consts::LOG2_E + ROUNDER;
    let k = t - ROUNDER;
    let n = (t.to_bits() as i32).wrapping_sub(ROUNDER.to_bits() as i32);
    let r = x - k * 0.693_359_4 - k * -2.121_944_4e-4;
    let z = r * r;
    let p = (((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2)
        * r
        + 1.666_666_5e-1)
        * r
        + 0.5)
        * z
        + r
        + 1.0;
    // 2^n as two normal factors, so n down to -150 underflows gradually and n = 128
    // still reaches inf only through the product.
    let h = n >> 1;
    let pow2 = |e: i32| f32::from_bits((e.wrapping_add(127) as u32).wrapping_shl(23));
    p * pow2(h) * pow2(n.wrapping_sub(h))
}

/// `tanh(x)`: an odd polynomial near 0, `1 − 2/(e^{2|x|} + 1)` elsewhere.
#[inline(always)]
pub(crate) fn tanh_f32(x: f32) -> f32 {
    let a = x.abs();
    let z = x * x;
    let small =
        ((((-5.704_988_7e-3 * z + 2.063_909e-2) * z - 5.373_971_6e-2) * z + 1.333_144_2e-1) * z
            - 3.333_328e-1)
            * z
            * x
            + x;
    let large = (1.0 - 2.0 / (exp_f32(2.0 * a) + 1.0)).copysign(x);
    if a < 0.625 {
        small
    } else {
        large
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in ulps between an f32 and the exact value.
    fn ulps(got: f32, want: f64) -> f64 {
        let w = want as f32;
        if got == w {
            return 0.0;
        }
        let ulp = f64::from(f32::from_bits(w.abs().to_bits() + 1) - w.abs())
            .max(f64::from(f32::from_bits(1)));
        (f64::from(got) - want).abs() / ulp
    }

    fn sweep(lo: f32, hi: f32, steps: usize) -> impl Iterator<Item = f32> {
        (0..=steps).map(move |i| lo + (hi - lo) * i as f32 / steps as f32)
    }

    #[test]
    fn exp_is_within_a_few_ulps() {
        let worst = sweep(-87.0, 88.5, 200_000)
            .map(|x| ulps(exp_f32(x), f64::from(x).exp()))
            .fold(0.0, f64::max);
        assert!(worst <= 3.0, "worst {worst} ulps");
    }

    #[test]
    fn exp_ends_follow_ieee() {
        assert_eq!(exp_f32(0.0), 1.0);
        assert_eq!(exp_f32(89.0), f32::INFINITY);
        assert_eq!(exp_f32(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp_f32(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp_f32(-200.0), 0.0);
        assert!(exp_f32(f32::NAN).is_nan());
        assert!(exp_f32(88.7) < f32::INFINITY);
        // Gradual underflow: subnormal results, not 0.
        let sub = exp_f32(-95.0);
        assert!(sub > 0.0 && sub < f32::MIN_POSITIVE);
        assert!((f64::from(sub) / (-95f64).exp() - 1.0).abs() < 1e-3);
    }

    #[test]
    fn tanh_is_within_a_few_ulps() {
        let worst = sweep(-12.0, 12.0, 200_000)
            .chain(sweep(-1e-3, 1e-3, 1000))
            .map(|x| ulps(tanh_f32(x), f64::from(x).tanh()))
            .fold(0.0, f64::max);
        assert!(worst <= 4.0, "worst {worst} ulps");
        assert_eq!(tanh_f32(0.0), 0.0);
        assert_eq!(tanh_f32(f32::INFINITY), 1.0);
        assert_eq!(tanh_f32(f32::NEG_INFINITY), -1.0);
        assert!(tanh_f32(f32::NAN).is_nan());
    }
}
