//! `MatMul` of two rank-2 tensors, with transposes expressed as strides (nothing is
//! copied to transpose). f32 goes to the packed gemm (`kernels/packed`: blocked,
//! packed, an AVX-512 or AVX2 micro-kernel, the session's pool for big products), f64
//! to `matrixmultiply`'s `dgemm`; small products, products of a few rows and integers
//! use a plain loop, which beats gemm's packing below a few thousand multiply-adds.

mod gemm;
mod gemv;

use super::layout::checked_len;
use super::num::Num;
use super::vmath;
use super::{KernelContext, KernelError, Result};
use crate::tensor::{Buffer, DataView, TensorView};
use gemm::Gemm;
use staticflow_ir::DType;

/// Strides `(row, col)` of a logical matrix over row-major storage with `cols`
/// columns, transposed or not.
#[derive(Clone, Copy, Debug)]
struct Layout {
    /// Step between rows.
    row: usize,
    /// Step between columns.
    col: usize,
}

impl Layout {
    /// The layout of `op(x)` for `x` stored row-major with `stored_cols` columns.
    fn new(stored_cols: usize, transposed: bool) -> Layout {
        if transposed {
            Layout {
                row: 1,
                col: stored_cols,
            }
        } else {
            Layout {
                row: stored_cols,
                col: 1,
            }
        }
    }
}

/// `out = op(a) · op(b)` where `op` transposes when asked.
///
/// # Errors
/// [`KernelError::NotMatrix`], [`KernelError::MatMulSize`],
/// [`KernelError::DtypeMismatch`], [`KernelError::UnsupportedDtype`] (bool).
pub(super) fn matmul(
    a: TensorView<'_>,
    b: TensorView<'_>,
    ta: bool,
    tb: bool,
    out: &mut Buffer,
    ctx: &mut KernelContext,
) -> Result {
    let &[a0, a1] = a.shape else {
        return Err(KernelError::NotMatrix {
            index: 0,
            shape: a.shape.to_vec(),
        });
    };
    let &[b0, b1] = b.shape else {
        return Err(KernelError::NotMatrix {
            index: 1,
            shape: b.shape.to_vec(),
        });
    };
    let (m, ka) = if ta { (a1, a0) } else { (a0, a1) };
    let (kb, n) = if tb { (b1, b0) } else { (b0, b1) };
    if ka != kb {
        return Err(KernelError::MatMulSize {
            a: a.shape.to_vec(),
            b: b.shape.to_vec(),
        });
    }
    checked_len("MatMul", &[m, n])?;
    let dims = Dims {
        m,
        k: ka,
        n,
        la: Layout::new(a1, ta),
        lb: Layout::new(b1, tb),
    };
    match (a.data, b.data) {
        (DataView::F32(x), DataView::F32(y)) => {
            let done = dims.n == 1 && gemv::try_f32(&dims, x, y, zeroed::<f32>(&dims, out));
            if !done {
                float(ctx, &dims, x, y, out);
            }
        }
        (DataView::F64(x), DataView::F64(y)) => float(ctx, &dims, x, y, out),
        (DataView::I32(a), DataView::I32(b)) => vmath::dispatch(Naive {
            d: &dims,
            a,
            b,
            out,
        }),
        (DataView::I64(a), DataView::I64(b)) => vmath::dispatch(Naive {
            d: &dims,
            a,
            b,
            out,
        }),
        (DataView::Bool(_), DataView::Bool(_)) => {
            return Err(KernelError::UnsupportedDtype {
                op: "MatMul",
                dtype: DType::Bool,
            })
        }
        (x, y) => {
            return Err(KernelError::DtypeMismatch {
                op: "MatMul",
                index: 1,
                expected: x.dtype(),
                got: y.dtype(),
            })
        }
    }
    out.set_shape(&[m, n]);
    Ok(())
}

/// The problem: `m×k` times `k×n`, with each operand's layout.
struct Dims {
    /// Rows of `op(a)` and of the output.
    m: usize,
    /// The inner dim.
    k: usize,
    /// Columns of `op(b)` and of the output.
    n: usize,
    /// Layout of `op(a)`.
    la: Layout,
    /// Layout of `op(b)`.
    lb: Layout,
}

/// The output storage, zeroed, `m*n` long.
fn zeroed<'b, T: Num>(d: &Dims, out: &'b mut Buffer) -> &'b mut Vec<T> {
    let c = T::vec_mut(&mut out.data);
    c.clear();
    c.resize(d.m * d.n, T::ZERO);
    c
}

/// The output storage, `m*n` long, of unspecified contents (for gemm, which writes
/// every element): resized, and so zeroed, only when the length changes.
fn sized<'b, T: Num>(d: &Dims, out: &'b mut Buffer) -> &'b mut Vec<T> {
    let c = T::vec_mut(&mut out.data);
    if c.len() != d.m * d.n {
        c.clear();
        c.resize(d.m * d.n, T::ZERO);
    }
    c
}

/// Floats: gemm, or the plain loops for small products and few rows.
fn float<T: Gemm>(ctx: &mut KernelContext, d: &Dims, a: &[T], b: &[T], out: &mut Buffer) {
    let work = d.m.saturating_mul(d.k).saturating_mul(d.n);
    let few_rows = d.m <= T::FEW_ROWS && d.lb.col == 1;
    if work < T::SMALL || few_rows {
        return vmath::dispatch(Naive { d, a, b, out });
    }
    T::gemm(ctx, d, a, b, sized::<T>(d, out));
}

/// [`naive`] as a kernel body, so floats get its AVX2 copy.
struct Naive<'a, T> {
    d: &'a Dims,
    a: &'a [T],
    b: &'a [T],
    out: &'a mut Buffer,
}

impl<T: Num> vmath::Body for Naive<'_, T> {
    type Out = ();
    #[inline(always)]
    fn run(self) {
        naive(self.d, self.a, self.b, self.out);
    }
}

/// Plain loops: `i-p-j` when rows of `op(b)` are contiguous (the inner loop is an axpy
/// the compiler vectorises), `i-j-p` dot products otherwise.
#[inline(always)]
fn naive<T: Num>(d: &Dims, a: &[T], b: &[T], out: &mut Buffer) {
    let (k, n, la, lb) = (d.k, d.n, d.la, d.lb);
    let c = zeroed::<T>(d, out);
    if n == 0 {
        return;
    }
    for (i, row) in c.chunks_exact_mut(n).enumerate() {
        if lb.col == 1 {
            for p in 0..k {
                let aip = a[i * la.row + p * la.col];
                let brow = &b[p * lb.row..p * lb.row + n];
                for (cj, &bj) in row.iter_mut().zip(brow) {
                    *cj = cj.plus(aip.times(bj));
                }
            }
        } else {
            for (j, cj) in row.iter_mut().enumerate() {
                let mut acc = T::ZERO;
                for p in 0..k {
                    acc = acc.plus(a[i * la.row + p * la.col].times(b[p * lb.row + j * lb.col]));
                }
                *cj = acc;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{assert_close, data, run, values, view};
    use super::*;
    use crate::tensor::Element;
    use staticflow_ir::Op;

    /// Triple loop over the stored layouts, transposing by index.
    fn reference(
        a: &[f64],
        sa: [usize; 2],
        ta: bool,
        b: &[f64],
        sb: [usize; 2],
        tb: bool,
    ) -> Vec<f64> {
        let at = |i: usize, p: usize| {
            if ta {
                a[p * sa[1] + i]
            } else {
                a[i * sa[1] + p]
            }
        };
        let bt = |p: usize, j: usize| {
            if tb {
                b[j * sb[1] + p]
            } else {
                b[p * sb[1] + j]
            }
        };
        let (m, k) = if ta { (sa[1], sa[0]) } else { (sa[0], sa[1]) };
        let n = if tb { sb[0] } else { sb[1] };
        let mut c = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                c[i * n + j] = (0..k).map(|p| at(i, p) * bt(p, j)).sum();
            }
        }
        c
    }

    fn check<T: Element>(cast: fn(f64) -> T, back: fn(T) -> f64, tol: f64, integer: bool) {
        let sizes = [1usize, 3, 7, 17, 33];
        for &m in &sizes {
            for &k in &[1usize, 7, 33] {
                for &n in &sizes {
                    for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                        let sa = if ta { [k, m] } else { [m, k] };
                        let sb = if tb { [n, k] } else { [k, n] };
                        let round = |v: f64| if integer { (v * 3.0).round() } else { v };
                        let a: Vec<f64> = data(m * k, (m * 31 + k) as u64)
                            .into_iter()
                            .map(round)
                            .collect();
                        let b: Vec<f64> = data(k * n, (k * 17 + n) as u64)
                            .into_iter()
                            .map(round)
                            .collect();
                        let want = reference(&a, sa, ta, &b, sb, tb);
                        let a: Vec<T> = a.into_iter().map(cast).collect();
                        let b: Vec<T> = b.into_iter().map(cast).collect();
                        let op = Op::MatMul {
                            transpose_a: ta,
                            transpose_b: tb,
                        };
                        let out = run(&op, T::DTYPE, &[], &[view(&a, &sa), view(&b, &sb)]).unwrap();
                        assert_eq!(out.shape, vec![m, n]);
                        let got: Vec<f64> = values::<T>(&out).into_iter().map(back).collect();
                        assert_close(&got, &want, tol * k as f64);
                    }
                }
            }
        }
    }

    #[test]
    fn f32_all_transposes_match_triple_loop() {
        check::<f32>(|v| v as f32, f64::from, 1e-6, false);
    }

    #[test]
    fn f64_all_transposes_match_triple_loop() {
        check::<f64>(|v| v, |v| v, 1e-14, false);
    }

    #[test]
    fn i32_and_i64_all_transposes_match_triple_loop() {
        check::<i32>(|v| v as i32, f64::from, 0.0, true);
        check::<i64>(|v| v as i64, |v| v as f64, 0.0, true);
    }

    #[test]
    fn empty_inner_dim_gives_zeros() {
        let a: [f32; 0] = [];
        let out = run(
            &Op::MatMul {
                transpose_a: false,
                transpose_b: false,
            },
            DType::Float32,
            &[],
            &[view(&a, &[40, 0]), view(&a, &[0, 40])],
        )
        .unwrap();
        assert_eq!(out.shape, vec![40, 40]);
        assert!(values::<f32>(&out).iter().all(|&v| v == 0.0));
    }

    #[test]
    fn errors() {
        let mm = Op::MatMul {
            transpose_a: false,
            transpose_b: false,
        };
        let x = [1.0f32; 6];
        let y = [1.0f32; 20];
        let err = run(
            &mm,
            DType::Float32,
            &[],
            &[view(&x, &[2, 3]), view(&y, &[4, 5])],
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Matrix size-incompatible: In[0]: [2,3], In[1]: [4,5]"
        );
        let err = run(
            &mm,
            DType::Float32,
            &[],
            &[view(&x, &[6]), view(&y, &[4, 5])],
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "In[0] is not a matrix. Instead it has shape [6]"
        );
        let err = run(
            &mm,
            DType::Float32,
            &[],
            &[view(&x, &[2, 3]), view(&y, &[2, 2, 5])],
        )
        .unwrap_err();
        assert!(matches!(err, KernelError::NotMatrix { index: 1, .. }));
        let z = [1.0f64; 6];
        let err = run(
            &mm,
            DType::Float32,
            &[],
            &[view(&x, &[2, 3]), view(&z, &[3, 2])],
        )
        .unwrap_err();
        assert!(matches!(err, KernelError::DtypeMismatch { .. }));
        let t = [true; 4];
        let err = run(
            &mm,
            DType::Bool,
            &[],
            &[view(&t, &[2, 2]), view(&t, &[2, 2])],
        )
        .unwrap_err();
        assert!(matches!(err, KernelError::UnsupportedDtype { .. }));
    }
}
