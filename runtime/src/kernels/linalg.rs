//! `MatrixInverse`: batched over leading dims, Gauss-Jordan elimination in place with
//! partial (row) pivoting, accumulated in f64 whatever the element type.
//!
//! The f64 work matrix and pivot record live in a thread-local scratch that keeps its
//! capacity, so steady-state runs allocate nothing.

use super::num::Float;
use super::{KernelError, Result};
use crate::tensor::{Buffer, DataView, TensorView};
use std::cell::RefCell;

thread_local! {
    /// Work matrix and row-swap record, reused across calls on this thread.
    static SCRATCH: RefCell<(Vec<f64>, Vec<usize>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// Inverts each trailing `n×n` matrix of `x`.
///
/// # Errors
/// [`KernelError::MatrixRank`], [`KernelError::NotSquare`],
/// [`KernelError::NotInvertible`] (a pivot at or below `n·ε·max|a|`, or NaN),
/// [`KernelError::UnsupportedDtype`] for non-floats.
pub(super) fn matrix_inverse(x: TensorView<'_>, out: &mut Buffer) -> Result {
    let &[.., rows, cols] = x.shape else {
        return Err(KernelError::MatrixRank {
            shape: x.shape.to_vec(),
        });
    };
    if rows != cols {
        return Err(KernelError::NotSquare {
            shape: x.shape.to_vec(),
        });
    }
    match x.data {
        DataView::F32(s) => batch(s, rows, out)?,
        DataView::F64(s) => batch(s, rows, out)?,
        other => {
            return Err(KernelError::UnsupportedDtype {
                op: "MatrixInverse",
                dtype: other.dtype(),
            })
        }
    }
    out.set_shape(x.shape);
    Ok(())
}

/// Inverts each `n×n` matrix of `s` into `out`.
fn batch<T: Float>(s: &[T], n: usize, out: &mut Buffer) -> Result {
    let o = T::vec_mut(&mut out.data);
    o.clear();
    if n == 0 || s.is_empty() {
        return Ok(());
    }
    o.resize(s.len(), T::ZERO);
    SCRATCH.with(|cell| {
        // A kernel never re-enters itself on one thread; fall back to fresh scratch if it
        // somehow did.
        let mut fresh = (Vec::new(), Vec::new());
        let mut guard = cell.try_borrow_mut();
        let (work, swaps) = match guard.as_deref_mut() {
            Ok(w) => w,
            Err(_) => &mut fresh,
        };
        for (src, dst) in s.chunks_exact(n * n).zip(o.chunks_exact_mut(n * n)) {
            work.clear();
            work.extend(src.iter().map(|v| v.to_f64()));
            invert_in_place(work, swaps, n)?;
            for (d, &w) in dst.iter_mut().zip(work.iter()) {
                *d = T::from_f64(w);
            }
        }
        Ok(())
    })
}

/// Inverts the row-major `n×n` matrix `a` in place: Gauss-Jordan with the pivot row
/// chosen by largest magnitude; the row swaps are undone as column swaps at the end.
fn invert_in_place(a: &mut [f64], swaps: &mut Vec<usize>, n: usize) -> Result {
    let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let tol = n as f64 * f64::EPSILON * scale;
    swaps.clear();
    for k in 0..n {
        let (p, best) = (k..n)
            .map(|i| (i, a[i * n + k].abs()))
            .fold((k, -1.0), |acc, c| if c.1 > acc.1 { c } else { acc });
        // NaN pivots come from NaN inputs: TF's `min_abs_pivot > 0` rejects them too.
        if best.is_nan() || best <= tol {
            return Err(KernelError::NotInvertible);
        }
        swaps.push(p);
        if p != k {
            for j in 0..n {
                a.swap(k * n + j, p * n + j);
            }
        }
        let inv = 1.0 / a[k * n + k];
        a[k * n + k] = 1.0;
        for v in &mut a[k * n..(k + 1) * n] {
            *v *= inv;
        }
        for i in 0..n {
            if i == k {
                continue;
            }
            let f = a[i * n + k];
            if f == 0.0 {
                continue;
            }
            a[i * n + k] = 0.0;
            // Row i -= f * row k, with the two rows borrowed apart.
            let (ri, rk) = if i < k {
                let (lo, hi) = a.split_at_mut(k * n);
                (&mut lo[i * n..(i + 1) * n], &hi[..n])
            } else {
                let (lo, hi) = a.split_at_mut(i * n);
                (&mut hi[..n], &lo[k * n..(k + 1) * n])
            };
            for (x, &y) in ri.iter_mut().zip(rk) {
                *x -= f * y;
            }
        }
    }
    for k in (0..n).rev() {
        let p = swaps[k];
        if p != k {
            for i in 0..n {
                a.swap(i * n + k, i * n + p);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{data, run, values, view};
    use super::*;
    use staticflow_ir::{DType, Op};

    fn product(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
        let mut c = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                c[i * n + j] = (0..n).map(|p| a[i * n + p] * b[p * n + j]).sum();
            }
        }
        c
    }

    fn assert_identity(m: &[f64], n: usize, tol: f64) {
        for i in 0..n {
            for j in 0..n {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!(
                    (m[i * n + j] - want).abs() < tol,
                    "({i},{j}) = {}",
                    m[i * n + j]
                );
            }
        }
    }

    /// A random matrix plus a dominant diagonal: well conditioned, but pivoting still
    /// matters because the diagonal is sometimes negative.
    fn well_conditioned(n: usize, seed: u64) -> Vec<f64> {
        let mut a = data(n * n, seed);
        for i in 0..n {
            a[i * n + i] += if i % 2 == 0 { 6.0 } else { -6.0 };
        }
        a
    }

    #[test]
    fn inverse_times_original_is_identity() {
        for n in [1usize, 3, 5, 7] {
            let a = well_conditioned(n, n as u64);
            let out = run(
                &Op::MatrixInverse,
                DType::Float64,
                &[],
                &[view(&a, &[n, n])],
            )
            .unwrap();
            assert_eq!(out.shape, vec![n, n]);
            assert_identity(&product(&values::<f64>(&out), &a, n), n, 1e-12);
            assert_identity(&product(&a, &values::<f64>(&out), n), n, 1e-12);
        }
        let a32: Vec<f32> = well_conditioned(5, 9).iter().map(|&v| v as f32).collect();
        let out = run(
            &Op::MatrixInverse,
            DType::Float32,
            &[],
            &[view(&a32, &[5, 5])],
        )
        .unwrap();
        let inv: Vec<f64> = values::<f32>(&out).iter().map(|&v| f64::from(v)).collect();
        let a: Vec<f64> = a32.iter().map(|&v| f64::from(v)).collect();
        assert_identity(&product(&inv, &a, 5), 5, 1e-5);
    }

    #[test]
    fn needs_pivoting_and_batches() {
        // Zero leading entry: fails without row swaps.
        let p = [0.0, 1.0, 2.0, 3.0];
        let mut both = p.to_vec();
        both.extend(well_conditioned(2, 4));
        let out = run(
            &Op::MatrixInverse,
            DType::Float64,
            &[],
            &[view(&both, &[2, 1, 2, 2])],
        )
        .unwrap();
        assert_eq!(out.shape, vec![2, 1, 2, 2]);
        let inv = values::<f64>(&out);
        assert_identity(&product(&inv[..4], &p, 2), 2, 1e-12);
        assert_identity(&product(&inv[4..], &both[4..], 2), 2, 1e-12);
        let e: [f64; 0] = [];
        let out = run(
            &Op::MatrixInverse,
            DType::Float64,
            &[],
            &[view(&e, &[0, 3, 3])],
        )
        .unwrap();
        assert_eq!(out.shape, vec![0, 3, 3]);
    }

    #[test]
    fn singular_and_bad_inputs_fail() {
        let singular = [1.0f64, 2.0, 2.0, 4.0];
        let go =
            |x: &[f64], s: &[usize]| run(&Op::MatrixInverse, DType::Float64, &[], &[view(x, s)]);
        assert_eq!(
            go(&singular, &[2, 2]).unwrap_err().to_string(),
            "Input is not invertible."
        );
        let nearly: Vec<f64> = (1..=9).map(f64::from).collect();
        assert_eq!(
            go(&nearly, &[3, 3]).unwrap_err(),
            KernelError::NotInvertible
        );
        assert_eq!(
            go(&[0.0; 9], &[3, 3]).unwrap_err(),
            KernelError::NotInvertible
        );
        assert_eq!(
            go(&[f64::NAN; 4], &[2, 2]).unwrap_err(),
            KernelError::NotInvertible
        );
        assert!(matches!(
            go(&[1.0; 6], &[2, 3]),
            Err(KernelError::NotSquare { .. })
        ));
        assert!(matches!(
            go(&[1.0; 2], &[2]),
            Err(KernelError::MatrixRank { .. })
        ));
        let i = [1i32];
        let err = run(&Op::MatrixInverse, DType::Int32, &[], &[view(&i, &[1, 1])]).unwrap_err();
        assert!(matches!(err, KernelError::UnsupportedDtype { .. }));
    }
}
