//! Element arithmetic shared by the kernels: one trait method per scalar operation, with
//! TF's semantics per dtype (wrapping integers, NaN-propagating max/min on floats).
//! f32 `exp`, `tanh` and `sigmoid` use the vectorisable forms of [`vmath`].

use super::vmath;
use crate::tensor::Element;

/// Elements that `Max` reductions are defined on (numbers and bool).
pub(crate) trait MaxElem: Element {
    /// The identity of [`MaxElem::max_nan`]: `-inf`, `MIN`, `false`.
    const LOWEST: Self;
    /// The larger of two; NaN if either is NaN.
    fn max_nan(self, rhs: Self) -> Self;
}

/// Numeric elements: f32, f64, i32, i64. Integer arithmetic wraps, as TF's does.
pub(crate) trait Num: MaxElem + PartialOrd {
    /// Zero.
    const ZERO: Self;
    /// `self + rhs`
    fn plus(self, rhs: Self) -> Self;
    /// `self - rhs`
    fn minus(self, rhs: Self) -> Self;
    /// `self * rhs`
    fn times(self, rhs: Self) -> Self;
    /// `-self`
    fn negate(self) -> Self;
    /// `|self|`
    fn magnitude(self) -> Self;
    /// The smaller of two; NaN if either is NaN.
    fn min_nan(self, rhs: Self) -> Self;
    /// `max(self, 0)`; NaN stays NaN.
    fn relu(self) -> Self;
    /// `self ** e`. Integer callers first reject negative exponents ([`Num::is_negative`]).
    fn power(self, e: Self) -> Self;
    /// True for a value below zero (NaN is not).
    fn is_negative(self) -> bool;
    /// `self / n`, the last step of a mean: float division, or integer division
    /// truncating toward zero as TF's integer `Mean` does (0 when `n` is 0).
    fn div_count(self, n: usize) -> Self;
    /// True when `self` should replace `best` in an argmax scan: strictly greater, or the
    /// first NaN (NumPy's rule), so ties keep the first index.
    fn beats(self, best: Self) -> bool;
    /// Converts from f64 as a C cast does (saturating for integers).
    fn from_f64(v: f64) -> Self;
    /// Converts to f64.
    fn to_f64(self) -> f64;
}

/// f32 and f64.
pub(crate) trait Float: Num {
    /// `self / rhs`
    fn div(self, rhs: Self) -> Self;
    /// `e^self`
    fn exp(self) -> Self;
    /// Natural log.
    fn ln(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// Hyperbolic tangent.
    fn tanh(self) -> Self;
    /// `1 / (1 + e^-self)`
    fn sigmoid(self) -> Self;
    /// `ln(1 + self)`, accurate near 0.
    fn ln_1p(self) -> Self;
}

impl MaxElem for bool {
    const LOWEST: Self = false;
    #[inline(always)]
    fn max_nan(self, rhs: Self) -> Self {
        self | rhs
    }
}

macro_rules! float_impl {
    ($t:ty, $exp:path, $tanh:path) => {
        impl MaxElem for $t {
            const LOWEST: Self = <$t>::NEG_INFINITY;
            #[inline(always)]
            fn max_nan(self, rhs: Self) -> Self {
                if self > rhs || self.is_nan() {
                    self
                } else {
                    rhs
                }
            }
        }

        impl Num for $t {
            const ZERO: Self = 0.0;
            #[inline(always)]
            fn plus(self, rhs: Self) -> Self {
                self + rhs
            }
            #[inline(always)]
            fn minus(self, rhs: Self) -> Self {
                self - rhs
            }
            #[inline(always)]
            fn times(self, rhs: Self) -> Self {
                self * rhs
            }
            #[inline(always)]
            fn negate(self) -> Self {
                -self
            }
            #[inline(always)]
            fn magnitude(self) -> Self {
                self.abs()
            }
            #[inline(always)]
            fn min_nan(self, rhs: Self) -> Self {
                if self < rhs || self.is_nan() {
                    self
                } else {
                    rhs
                }
            }
            #[inline(always)]
            fn relu(self) -> Self {
                if self < 0.0 {
                    0.0
                } else {
                    self
                }
            }
            #[inline(always)]
            fn power(self, e: Self) -> Self {
                self.powf(e)
            }
            #[inline(always)]
            fn is_negative(self) -> bool {
                self < 0.0
            }
            #[inline(always)]
            fn div_count(self, n: usize) -> Self {
                self / n as $t
            }
            #[inline(always)]
            fn beats(self, best: Self) -> bool {
                self > best || (self.is_nan() && !best.is_nan())
            }
            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
        }

        impl Float for $t {
            #[inline(always)]
            fn div(self, rhs: Self) -> Self {
                self / rhs
            }
            #[inline(always)]
            fn exp(self) -> Self {
                $exp(self)
            }
            #[inline(always)]
            fn ln(self) -> Self {
                <$t>::ln(self)
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            #[inline(always)]
            fn tanh(self) -> Self {
                $tanh(self)
            }
            #[inline(always)]
            fn sigmoid(self) -> Self {
                // exp(-x) overflows to inf for very negative x, giving exactly 0.
                1.0 / (1.0 + $exp(-self))
            }
            #[inline(always)]
            fn ln_1p(self) -> Self {
                <$t>::ln_1p(self)
            }
        }
    };
}

macro_rules! int_impl {
    ($t:ty) => {
        impl MaxElem for $t {
            const LOWEST: Self = <$t>::MIN;
            #[inline(always)]
            fn max_nan(self, rhs: Self) -> Self {
                Ord::max(self, rhs)
            }
        }

        impl Num for $t {
            const ZERO: Self = 0;
            #[inline(always)]
            fn plus(self, rhs: Self) -> Self {
                self.wrapping_add(rhs)
            }
            #[inline(always)]
            fn minus(self, rhs: Self) -> Self {
                self.wrapping_sub(rhs)
            }
            #[inline(always)]
            fn times(self, rhs: Self) -> Self {
                self.wrapping_mul(rhs)
            }
            #[inline(always)]
            fn negate(self) -> Self {
                self.wrapping_neg()
            }
            #[inline(always)]
            fn magnitude(self) -> Self {
                self.wrapping_abs()
            }
            #[inline(always)]
            fn min_nan(self, rhs: Self) -> Self {
                Ord::min(self, rhs)
            }
            #[inline(always)]
            fn relu(self) -> Self {
                Ord::max(self, 0)
            }
            #[inline(always)]
            fn power(self, e: Self) -> Self {
                // Square-and-multiply with wrapping, over the exponent's bits.
                let mut e = u64::try_from(e).unwrap_or(0);
                let mut base = self;
                let mut acc: $t = 1;
                while e > 0 {
                    if e & 1 == 1 {
                        acc = acc.wrapping_mul(base);
                    }
                    base = base.wrapping_mul(base);
                    e >>= 1;
                }
                acc
            }
            #[inline(always)]
            fn is_negative(self) -> bool {
                self < 0
            }
            #[inline(always)]
            fn div_count(self, n: usize) -> Self {
                match i128::try_from(n) {
                    Ok(n) if n > 0 => (self as i128 / n) as $t,
                    _ => 0,
                }
            }
            #[inline(always)]
            fn beats(self, best: Self) -> bool {
                self > best
            }
            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
        }
    };
}

float_impl!(f32, vmath::exp_f32, vmath::tanh_f32);
float_impl!(f64, f64::exp, f64::tanh);
int_impl!(i32);
int_impl!(i64);

/// Sum of a slice with eight independent accumulators, so float sums vectorise (and
/// round less than one running total does).
#[inline(always)]
pub(crate) fn sum<T: Num>(s: &[T]) -> T {
    let mut acc = [T::ZERO; 8];
    let chunks = s.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a = a.plus(v);
        }
    }
    let [a0, a1, a2, a3, a4, a5, a6, a7] = acc;
    let mut total = (a0.plus(a1).plus(a2.plus(a3))).plus(a4.plus(a5).plus(a6.plus(a7)));
    for &v in rest {
        total = total.plus(v);
    }
    total
}

/// Sum of `f` of each element, with the eight accumulators of [`sum`].
#[inline(always)]
pub(crate) fn sum_map<T: Num>(s: &[T], f: impl Fn(T) -> T) -> T {
    let mut acc = [T::ZERO; 8];
    let chunks = s.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a = a.plus(f(v));
        }
    }
    let [a0, a1, a2, a3, a4, a5, a6, a7] = acc;
    let mut total = (a0.plus(a1).plus(a2.plus(a3))).plus(a4.plus(a5).plus(a6.plus(a7)));
    for &v in rest {
        total = total.plus(f(v));
    }
    total
}

/// Maximum of a slice (NaN-propagating), with eight accumulators; `LOWEST` when empty.
#[inline(always)]
pub(crate) fn max<T: MaxElem>(s: &[T]) -> T {
    let mut acc = [T::LOWEST; 8];
    let chunks = s.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a = a.max_nan(v);
        }
    }
    let mut total = acc.iter().fold(T::LOWEST, |m, &v| m.max_nan(v));
    for &v in rest {
        total = total.max_nan(v);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_arithmetic_wraps() {
        assert_eq!(i32::MAX.plus(1), i32::MIN);
        assert_eq!(i32::MIN.negate(), i32::MIN);
        assert_eq!(i32::MIN.magnitude(), i32::MIN);
        assert_eq!(3i32.power(4), 81);
        assert_eq!(2i64.power(64), 0);
        assert_eq!((-7i32).div_count(2), -3);
        assert_eq!(7i64.div_count(0), 0);
    }

    #[test]
    fn float_max_min_propagate_nan() {
        assert!(f32::NAN.max_nan(1.0).is_nan());
        assert!(1.0f32.max_nan(f32::NAN).is_nan());
        assert!(f64::NAN.min_nan(1.0).is_nan());
        assert!(1.0f64.min_nan(f64::NAN).is_nan());
        assert_eq!(2.0f32.max_nan(-1.0), 2.0);
        assert!(f32::NAN.relu().is_nan());
        assert!(f32::NAN.beats(1.0) && !1.0f32.beats(f32::NAN) && !1.0f32.beats(1.0));
    }

    #[test]
    fn sum_and_max_match_naive_on_odd_sizes() {
        for n in [0usize, 1, 3, 7, 8, 17, 33] {
            let v: Vec<i64> = (0..n as i64).map(|i| (i * 37) % 11 - 5).collect();
            assert_eq!(sum(&v), v.iter().sum::<i64>());
            assert_eq!(max(&v), v.iter().copied().max().unwrap_or(i64::MIN));
            let f: Vec<f64> = v.iter().map(|&x| x as f64 * 0.5).collect();
            assert!((sum(&f) - f.iter().sum::<f64>()).abs() < 1e-12);
            assert_eq!(sum_map(&v, |x| x * 2), 2 * v.iter().sum::<i64>());
        }
        assert!(max(&[1.0f32, f32::NAN, 3.0]).is_nan());
        assert!(max(&[false, true, false]));
    }
}
