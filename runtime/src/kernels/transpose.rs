//! `Transpose` by a permutation. Dims that stay contiguous are coalesced first; the
//! last two coalesced dims are then copied row by row when the innermost is still
//! contiguous, or in square tiles otherwise (so both sides stay in cache), under an
//! odometer over any outer dims.

use super::layout::{advance, check_rank, coalesce, strides, Dims};
use super::{KernelError, Result, MAX_RANK};
use crate::tensor::{Buffer, Data, DataView, Element, TensorView};

/// Tile edge of the blocked 2-D copy.
const TILE: usize = 16;

/// Output dim `i` is input dim `perm[i]`.
///
/// # Errors
/// [`KernelError::TransposeRank`], [`KernelError::TransposeOutOfRange`],
/// [`KernelError::TransposeMissing`], [`KernelError::RankTooLarge`].
pub(super) fn transpose(x: TensorView<'_>, perm: &[usize], out: &mut Buffer) -> Result {
    let rank = x.shape.len();
    if perm.len() != rank {
        return Err(KernelError::TransposeRank {
            rank,
            len: perm.len(),
        });
    }
    check_rank("Transpose", rank)?;
    let mut seen = [false; MAX_RANK];
    for &p in perm {
        if p >= rank {
            return Err(KernelError::TransposeOutOfRange { dim: p, rank });
        }
        seen[p] = true;
    }
    if let Some(dim) = (0..rank).find(|&d| !seen[d]) {
        return Err(KernelError::TransposeMissing {
            dim,
            perm: perm.to_vec(),
        });
    }
    let src = strides(x.shape);
    let mut dims = [1; MAX_RANK];
    let mut st = [[0; MAX_RANK]];
    for (i, &p) in perm.iter().enumerate() {
        dims[i] = x.shape[p];
        st[0][i] = src[p];
    }
    let d = &mut out.data;
    match x.data {
        DataView::F32(s) => permute(s, dims, st, rank, d),
        DataView::F64(s) => permute(s, dims, st, rank, d),
        DataView::I32(s) => permute(s, dims, st, rank, d),
        DataView::I64(s) => permute(s, dims, st, rank, d),
        DataView::Bool(s) => permute(s, dims, st, rank, d),
    }
    out.shape.clear();
    out.shape.extend(perm.iter().map(|&p| x.shape[p]));
    Ok(())
}

/// Writes `s` read through (`dims`, `st`) in row-major output order.
fn permute<T: Element>(s: &[T], mut dims: Dims, mut st: [Dims; 1], rank: usize, d: &mut Data) {
    let o = T::vec_mut(d);
    o.clear();
    if s.is_empty() {
        return;
    }
    let r = coalesce(&mut dims, &mut st, rank);
    if r <= 1 {
        // The permutation only moves size-1 dims: memory order is unchanged.
        o.extend_from_slice(s);
        return;
    }
    o.resize(s.len(), T::default());
    let (d0, d1) = (dims[r - 2], dims[r - 1]);
    let (s0, s1) = (st[0][r - 2], st[0][r - 1]);
    let outer = &dims[..r - 2];
    let mut idx = [0usize; MAX_RANK];
    let mut off = [0usize];
    for block in o.chunks_exact_mut(d0 * d1) {
        let base = off[0];
        if s1 == 1 {
            for (i, row) in block.chunks_exact_mut(d1).enumerate() {
                let at = base + i * s0;
                row.copy_from_slice(&s[at..at + d1]);
            }
        } else {
            for i0 in (0..d0).step_by(TILE) {
                let i1 = (i0 + TILE).min(d0);
                for j0 in (0..d1).step_by(TILE) {
                    let j1 = (j0 + TILE).min(d1);
                    for i in i0..i1 {
                        let row = &mut block[i * d1 + j0..i * d1 + j1];
                        let at = base + i * s0 + j0 * s1;
                        let src = &s[at..at + (j1 - j0 - 1) * s1 + 1];
                        for (y, x) in row.iter_mut().zip(src.iter().step_by(s1)) {
                            *y = *x;
                        }
                    }
                }
            }
        }
        advance(&mut idx[..r - 2], outer, &st, &mut off);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{count, run, unravel, values, view};
    use super::*;
    use staticflow_ir::{DType, Op};
    use std::borrow::Cow;

    fn op(perm: &[usize]) -> Op {
        Op::Transpose {
            perm: Cow::Owned(perm.to_vec()),
        }
    }

    /// Naive: each output element read at its permuted multi-index.
    fn reference(x: &[i64], shape: &[usize], perm: &[usize]) -> Vec<i64> {
        let out_shape: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
        (0..count(&out_shape))
            .map(|flat| {
                let idx = unravel(flat, &out_shape);
                let mut src = vec![0; shape.len()];
                for (i, &p) in perm.iter().enumerate() {
                    src[p] = idx[i];
                }
                x[src.iter().zip(shape).fold(0, |acc, (&i, &d)| acc * d + i)]
            })
            .collect()
    }

    fn perms(n: usize) -> Vec<Vec<usize>> {
        if n == 0 {
            return vec![vec![]];
        }
        let mut all = vec![];
        for p in perms(n - 1) {
            for at in 0..n {
                let mut q = p.clone();
                q.insert(at, n - 1);
                all.push(q);
            }
        }
        all
    }

    #[test]
    fn every_permutation_matches_naive() {
        let shapes: &[&[usize]] = &[
            &[],
            &[17],
            &[3, 7],
            &[33, 17],
            &[2, 3, 5],
            &[1, 7, 3],
            &[2, 3, 1, 5],
            &[3, 0, 2],
        ];
        for shape in shapes {
            let x: Vec<i64> = (0..count(shape) as i64).collect();
            for perm in perms(shape.len()) {
                let out = run(&op(&perm), DType::Int64, &[], &[view(&x, shape)]).unwrap();
                assert_eq!(
                    values::<i64>(&out),
                    reference(&x, shape, &perm),
                    "{shape:?} {perm:?}"
                );
                let want: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
                assert_eq!(out.shape, want);
            }
        }
        let b = [true, false, false, true, true, false];
        let out = run(&op(&[1, 0]), DType::Bool, &[], &[view(&b, &[2, 3])]).unwrap();
        assert_eq!(
            values::<bool>(&out),
            vec![true, true, false, true, false, false]
        );
    }

    #[test]
    fn errors() {
        let x = [1.0f32; 6];
        let shape = [1, 2, 3];
        let go = |p: &[usize]| {
            run(&op(p), DType::Float32, &[], &[view(&x, &shape)])
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            go(&[0, 1]),
            "transpose expects a vector of size 3. But input(1) is a vector of size 2"
        );
        assert_eq!(go(&[0, 1, 3]), "3 is out of range [0 .. 3)");
        assert_eq!(go(&[0, 1, 1]), "2 is missing from {0,1,1}.");
        let one = [1.0f32];
        let nine = [1usize; 9];
        let err = run(
            &op(&[0, 1, 2, 3, 4, 5, 6, 7, 8]),
            DType::Float32,
            &[],
            &[view(&one, &nine)],
        )
        .unwrap_err();
        assert!(matches!(err, KernelError::RankTooLarge { .. }));
    }
}
