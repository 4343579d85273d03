//! `DropoutMask`: the scaled keep-mask of TF's `nn.dropout`. TF draws
//! `u = random_uniform(shape(x), seed)` and keeps where `u >= rate`, scaling by
//! `1 / (1 − rate)`; the mask is that product's factor, so `x · mask` is TF's dropout
//! for the same seeds.

use super::random::{uniform, RngState};
use super::{KernelError, Result};
use crate::tensor::{Buffer, Element, TensorView};
use staticflow_ir::DType;

/// A mask of `x`'s shape and dtype: 0 with probability `rate`, else `1 / (1 − rate)`.
/// A rate of 0 gives ones without drawing (TF returns `x` itself then).
///
/// # Errors
/// [`KernelError::DropoutRate`] for a rate outside `[0, 1)`,
/// [`KernelError::UnsupportedDtype`] for non-floats.
pub(super) fn dropout_mask(
    rate: f64,
    x: TensorView<'_>,
    rng: &mut RngState,
    out: &mut Buffer,
) -> Result {
    let op = "DropoutMask";
    if !(0.0..1.0).contains(&rate) {
        return Err(KernelError::DropoutRate { rate });
    }
    let n = x.data.len();
    let d = &mut out.data;
    match x.dtype() {
        DType::Float32 => {
            let (rate, scale) = (rate as f32, (1.0 / (1.0 - rate)) as f32);
            draw(op, rate == 0.0, n, rng, d, |u: f32| {
                if u >= rate {
                    scale
                } else {
                    0.0
                }
            })?;
        }
        DType::Float64 => {
            let scale = 1.0 / (1.0 - rate);
            draw(op, rate == 0.0, n, rng, d, |u: f64| {
                if u >= rate {
                    scale
                } else {
                    0.0
                }
            })?;
        }
        other => return Err(KernelError::UnsupportedDtype { op, dtype: other }),
    }
    out.set_shape(x.shape);
    Ok(())
}

/// Ones when `keep_all`, else `n` uniform draws mapped through `mask` in place.
fn draw<T: Element + From<u8>>(
    op: &'static str,
    keep_all: bool,
    n: usize,
    rng: &mut RngState,
    d: &mut crate::tensor::Data,
    mask: impl Fn(T) -> T,
) -> Result {
    if keep_all {
        let o = T::vec_mut(d);
        o.clear();
        o.resize(n, T::from(1));
        return Ok(());
    }
    uniform(op, T::DTYPE, n, rng, d)?;
    T::vec_mut(d).iter_mut().for_each(|u| *u = mask(*u));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{run, run_rng, values, view};
    use super::super::{compute, RngState};
    use super::*;
    use staticflow_ir::{Op, RandomDist};

    fn op(rate: f64) -> Op {
        Op::DropoutMask {
            rate,
            seed: 87654321,
            seed2: 7,
        }
    }

    fn mask<T: Element>(rate: f64, x: TensorView<'_>, rng: &mut RngState) -> Vec<T> {
        let mut out = Buffer::empty(T::DTYPE);
        compute(&op(rate), T::DTYPE, &[], &[x], &mut out, Some(rng)).unwrap();
        assert_eq!(out.shape, x.shape.to_vec());
        values::<T>(&out)
    }

    #[test]
    fn keeps_where_tf_uniform_draws_reach_the_rate() {
        let x = [0.0f32; 1000];
        let shape = [10, 100];
        let got = mask::<f32>(0.3, view(&x, &shape), &mut RngState::new(87654321, 7));
        let uniform = Op::Random {
            dist: RandomDist::Uniform,
            seed: 87654321,
            seed2: 7,
            a: 0.0,
            b: 1.0,
        };
        let u = run_rng(
            &uniform,
            DType::Float32,
            &[Some(10), Some(100)],
            &mut RngState::new(87654321, 7),
        )
        .unwrap();
        let scale = (1.0 / 0.7f64) as f32;
        let want: Vec<f32> = values::<f32>(&u)
            .iter()
            .map(|&u| if u >= 0.3 { scale } else { 0.0 })
            .collect();
        assert_eq!(got, want);
        let dropped = got.iter().filter(|&&v| v == 0.0).count();
        assert!((250..350).contains(&dropped), "{dropped}");
        // Later runs continue the stream.
        let mut rng = RngState::new(87654321, 7);
        let first = mask::<f64>(0.5, view(&[0.0f64; 64], &[64]), &mut rng);
        let second = mask::<f64>(0.5, view(&[0.0f64; 64], &[64]), &mut rng);
        assert_ne!(first, second);
        assert!(first.iter().all(|&v| v == 0.0 || v == 2.0));
    }

    #[test]
    fn rate_zero_is_all_ones() {
        let x = [3.0f64; 5];
        let got = mask::<f64>(0.0, view(&x, &[5]), &mut RngState::new(1, 1));
        assert_eq!(got, vec![1.0; 5]);
    }

    #[test]
    fn errors() {
        let x = [1.0f32; 2];
        let mut rng = RngState::new(1, 1);
        let mut out = Buffer::empty(DType::Float32);
        let err = compute(
            &op(1.0),
            DType::Float32,
            &[],
            &[view(&x, &[2])],
            &mut out,
            Some(&mut rng),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "rate must be a scalar tensor or a float in the range [0, 1), got 1"
        );
        let err = compute(
            &op(-0.5),
            DType::Float32,
            &[],
            &[view(&x, &[2])],
            &mut out,
            Some(&mut rng),
        )
        .unwrap_err();
        assert!(matches!(err, KernelError::DropoutRate { .. }));
        let i = [1i32; 2];
        let err = compute(
            &op(0.5),
            DType::Int32,
            &[],
            &[view(&i, &[2])],
            &mut out,
            Some(&mut rng),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "no DropoutMask kernel for dtype int32");
        let err = run(&op(0.5), DType::Float32, &[], &[view(&x, &[2])]).unwrap_err();
        assert!(matches!(err, KernelError::MissingRng { .. }));
    }
}
