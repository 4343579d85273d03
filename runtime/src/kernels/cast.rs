//! Dtype conversion: `Cast` (any dtype to any dtype), `Fill` (one f64 value cast to
//! the node's dtype) and `OnesLike` (a one of the input's dtype). Conversions follow C++ `static_cast` as TF does: float to int
//! truncates toward zero, to bool is `!= 0`, bool to number is 0 or 1. Where C++
//! leaves a case undefined (NaN or out-of-range float to int), Rust's saturating `as`
//! applies.

use super::layout::known_dims;
use super::Result;
use crate::tensor::{Buffer, Data, DataView, Element, TensorView};
use staticflow_ir::{DType, Dim};

/// An element that converts to every dtype.
trait CastTo: Element {
    /// To f32.
    fn to_f32(self) -> f32;
    /// To f64.
    fn to_f64(self) -> f64;
    /// To i32 (truncating, wrapping or saturating as noted above).
    fn to_i32(self) -> i32;
    /// To i64.
    fn to_i64(self) -> i64;
    /// To bool: `!= 0`.
    fn to_bool(self) -> bool;
}

macro_rules! numeric_cast {
    ($t:ty, $zero:expr) => {
        impl CastTo for $t {
            #[inline(always)]
            fn to_f32(self) -> f32 {
                self as f32
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn to_i32(self) -> i32 {
                self as i32
            }
            #[inline(always)]
            fn to_i64(self) -> i64 {
                self as i64
            }
            #[inline(always)]
            fn to_bool(self) -> bool {
                self != $zero
            }
        }
    };
}

numeric_cast!(f32, 0.0);
numeric_cast!(f64, 0.0);
numeric_cast!(i32, 0);
numeric_cast!(i64, 0);

impl CastTo for bool {
    #[inline(always)]
    fn to_f32(self) -> f32 {
        f32::from(u8::from(self))
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(u8::from(self))
    }
    #[inline(always)]
    fn to_i32(self) -> i32 {
        i32::from(self)
    }
    #[inline(always)]
    fn to_i64(self) -> i64 {
        i64::from(self)
    }
    #[inline(always)]
    fn to_bool(self) -> bool {
        self
    }
}

/// Casts `x` to `dtype`.
///
/// # Errors
/// None today: every pair of dtypes converts.
pub(super) fn cast(x: TensorView<'_>, dtype: DType, out: &mut Buffer) -> Result {
    match x.data {
        DataView::F32(s) => convert(s, dtype, &mut out.data),
        DataView::F64(s) => convert(s, dtype, &mut out.data),
        DataView::I32(s) => convert(s, dtype, &mut out.data),
        DataView::I64(s) => convert(s, dtype, &mut out.data),
        DataView::Bool(s) => convert(s, dtype, &mut out.data),
    }
    out.set_shape(x.shape);
    Ok(())
}

/// Converts `s` into storage of `dtype`.
fn convert<S: CastTo>(s: &[S], dtype: DType, d: &mut Data) {
    match dtype {
        DType::Float32 => map(s, d, S::to_f32),
        DType::Float64 => map(s, d, S::to_f64),
        DType::Int32 => map(s, d, S::to_i32),
        DType::Int64 => map(s, d, S::to_i64),
        DType::Bool => map(s, d, S::to_bool),
    }
}

/// `f` of each element into storage of `D`, reusing capacity.
#[inline(always)]
fn map<S: Copy, D: Element>(s: &[S], d: &mut Data, f: impl Fn(S) -> D) {
    let o = D::vec_mut(d);
    o.clear();
    o.extend(s.iter().map(|&v| f(v)));
}

/// A tensor of the static shape filled with `value` cast to `dtype`.
///
/// # Errors
/// [`super::KernelError::UnknownShape`] when the static shape has unknown dims.
pub(super) fn fill(value: f64, dtype: DType, static_shape: &[Dim], out: &mut Buffer) -> Result {
    let n = known_dims("Fill", static_shape, &mut out.shape)?;
    let d = &mut out.data;
    match dtype {
        DType::Float32 => repeat(d, n, value.to_f32()),
        DType::Float64 => repeat(d, n, value),
        DType::Int32 => repeat(d, n, value.to_i32()),
        DType::Int64 => repeat(d, n, value.to_i64()),
        DType::Bool => repeat(d, n, value.to_bool()),
    }
    Ok(())
}

/// Ones of `x`'s shape and dtype (`true` for bool).
///
/// # Errors
/// None: every dtype has a one.
pub(super) fn ones_like(x: TensorView<'_>, out: &mut Buffer) -> Result {
    let n = x.data.len();
    let d = &mut out.data;
    match x.dtype() {
        DType::Float32 => repeat(d, n, 1.0f32),
        DType::Float64 => repeat(d, n, 1.0f64),
        DType::Int32 => repeat(d, n, 1i32),
        DType::Int64 => repeat(d, n, 1i64),
        DType::Bool => repeat(d, n, true),
    }
    out.set_shape(x.shape);
    Ok(())
}

/// `n` copies of `v`, reusing capacity.
fn repeat<T: Element>(d: &mut Data, n: usize, v: T) {
    let o = T::vec_mut(d);
    o.clear();
    o.resize(n, v);
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{run, values, view};
    use super::super::KernelError;
    use super::*;
    use staticflow_ir::Op;

    #[test]
    fn every_pair_converts_like_tf() {
        let f = [-2.7f32, -0.5, 0.0, 0.5, 3.9];
        let shape = [5];
        let go = |x: TensorView<'_>, dtype| run(&Op::Cast, dtype, &[], &[x]).unwrap();
        assert_eq!(
            values::<i32>(&go(view(&f, &shape), DType::Int32)),
            vec![-2, 0, 0, 0, 3]
        );
        assert_eq!(
            values::<i64>(&go(view(&f, &shape), DType::Int64)),
            vec![-2, 0, 0, 0, 3]
        );
        assert_eq!(
            values::<bool>(&go(view(&f, &shape), DType::Bool)),
            vec![true, true, false, true, true]
        );
        assert_eq!(
            values::<f64>(&go(view(&f, &shape), DType::Float64))[4],
            f64::from(3.9f32)
        );
        let d = [1e300f64, -1.5];
        assert_eq!(
            values::<f32>(&go(view(&d, &[2]), DType::Float32)),
            vec![f32::INFINITY, -1.5]
        );
        assert_eq!(
            values::<i64>(&go(view(&d, &[2]), DType::Int64)),
            vec![i64::MAX, -1]
        );
        let i = [i64::from(i32::MAX) + 1, -3];
        assert_eq!(
            values::<i32>(&go(view(&i, &[2]), DType::Int32)),
            vec![i32::MIN, -3]
        );
        assert_eq!(
            values::<f64>(&go(view(&i, &[2]), DType::Float64)),
            vec![2147483648.0, -3.0]
        );
        let j = [0i32, 7];
        assert_eq!(
            values::<bool>(&go(view(&j, &[2]), DType::Bool)),
            vec![false, true]
        );
        assert_eq!(values::<i64>(&go(view(&j, &[2]), DType::Int64)), vec![0, 7]);
        let b = [true, false];
        let out = go(view(&b, &[2, 1]), DType::Float32);
        assert_eq!(
            (values::<f32>(&out), out.shape),
            (vec![1.0, 0.0], vec![2, 1])
        );
        assert_eq!(
            values::<f64>(&go(view(&b, &[2]), DType::Float64)),
            vec![1.0, 0.0]
        );
        assert_eq!(values::<i32>(&go(view(&b, &[2]), DType::Int32)), vec![1, 0]);
        assert_eq!(values::<i64>(&go(view(&b, &[2]), DType::Int64)), vec![1, 0]);
        assert_eq!(
            values::<bool>(&go(view(&b, &[2]), DType::Bool)),
            vec![true, false]
        );
        assert_eq!(
            values::<f32>(&go(view(&f, &shape), DType::Float32)),
            f.to_vec()
        );
    }

    #[test]
    fn ones_like_keeps_shape_and_dtype() {
        let x = [2.5f64, -1.0, 0.0];
        let out = run(&Op::OnesLike, DType::Float64, &[], &[view(&x, &[3, 1])]).unwrap();
        assert_eq!((values::<f64>(&out), out.shape), (vec![1.0; 3], vec![3, 1]));
        let i = [7i64, 8];
        let out = run(&Op::OnesLike, DType::Int64, &[], &[view(&i, &[2])]).unwrap();
        assert_eq!(values::<i64>(&out), vec![1, 1]);
        let b = [false];
        let out = run(&Op::OnesLike, DType::Bool, &[], &[view(&b, &[])]).unwrap();
        assert_eq!((values::<bool>(&out), out.shape), (vec![true], vec![]));
        let f = [0.0f32; 0];
        let out = run(&Op::OnesLike, DType::Float32, &[], &[view(&f, &[0, 4])]).unwrap();
        assert_eq!((values::<f32>(&out).len(), out.shape), (0, vec![0, 4]));
        let i = [1i32];
        let out = run(&Op::OnesLike, DType::Int32, &[], &[view(&i, &[1])]).unwrap();
        assert_eq!(values::<i32>(&out), vec![1]);
    }

    #[test]
    fn fill_casts_its_value() {
        let shape = [Some(2), Some(3)];
        let out = run(&Op::Fill { value: -2.5 }, DType::Int32, &shape, &[]).unwrap();
        assert_eq!((values::<i32>(&out), out.shape), (vec![-2; 6], vec![2, 3]));
        let out = run(&Op::Fill { value: 0.25 }, DType::Float32, &shape, &[]).unwrap();
        assert_eq!(values::<f32>(&out), vec![0.25; 6]);
        let out = run(&Op::Fill { value: 1.0 }, DType::Bool, &[], &[]).unwrap();
        assert_eq!((values::<bool>(&out), out.shape), (vec![true], vec![]));
        let out = run(&Op::Fill { value: 3.0 }, DType::Int64, &[Some(0)], &[]).unwrap();
        assert!(values::<i64>(&out).is_empty());
        let out = run(&Op::Fill { value: 3.0 }, DType::Float64, &[Some(1)], &[]).unwrap();
        assert_eq!(values::<f64>(&out), vec![3.0]);
        let err = run(
            &Op::Fill { value: 0.0 },
            DType::Float32,
            &[Some(2), None],
            &[],
        )
        .unwrap_err();
        assert!(matches!(err, KernelError::UnknownShape { op: "Fill", .. }));
    }
}
