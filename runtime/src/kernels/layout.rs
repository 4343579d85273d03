//! Shape arithmetic shared by the strided kernels: element counts, row-major strides in
//! fixed arrays (no allocation), dim coalescing, a row-major odometer and the NumPy
//! broadcast plan of two shapes.

use super::{KernelError, Result, MAX_RANK};
use staticflow_ir::Dim;

/// Fixed-size dims or strides; only the first `rank` entries are meaningful.
pub(crate) type Dims = [usize; MAX_RANK];

/// Element count of a shape, `None` on overflow (a zero dim makes it 0 whatever the
/// others are).
pub(crate) fn num_elements(shape: &[usize]) -> Option<usize> {
    if shape.contains(&0) {
        return Some(0);
    }
    shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))
}

/// Fails with [`KernelError::RankTooLarge`] past [`MAX_RANK`].
pub(crate) fn check_rank(op: &'static str, rank: usize) -> Result {
    if rank > MAX_RANK {
        Err(KernelError::RankTooLarge { op, rank })
    } else {
        Ok(())
    }
}

/// Row-major strides of `shape` (rank at most [`MAX_RANK`], checked by the caller).
/// They only wrap for shapes with no elements, whose strides are never used.
pub(crate) fn strides(shape: &[usize]) -> Dims {
    let mut s = [0; MAX_RANK];
    let mut acc = 1usize;
    for (slot, &d) in s.iter_mut().zip(shape).rev() {
        *slot = acc;
        acc = acc.wrapping_mul(d);
    }
    s
}

/// Writes a fully known static shape into `dims` (reusing its capacity) and returns its
/// element count.
pub(crate) fn known_dims(op: &'static str, shape: &[Dim], dims: &mut Vec<usize>) -> Result<usize> {
    let unknown = || KernelError::UnknownShape {
        op,
        shape: shape.to_vec(),
    };
    dims.clear();
    for d in shape {
        dims.push(d.ok_or_else(unknown)?);
    }
    checked_len(op, dims)
}

/// The element count of an output shape, if a buffer of that many 8-byte elements
/// can exist.
pub(crate) fn checked_len(op: &'static str, dims: &[usize]) -> Result<usize> {
    num_elements(dims)
        .filter(|&n| n <= isize::MAX as usize / 8)
        .ok_or_else(|| KernelError::TooLarge {
            op,
            shape: dims.to_vec(),
        })
}

/// Drops size-1 dims and merges neighbours that are contiguous in every one of the `K`
/// stride sets, in place; returns the new rank. Iterating the result visits the same
/// offsets in the same order as the original, with longer inner runs.
pub(crate) fn coalesce<const K: usize>(
    dims: &mut Dims,
    strides: &mut [Dims; K],
    rank: usize,
) -> usize {
    let mut r = 0;
    for i in 0..rank {
        let d = dims[i];
        if d == 1 {
            continue;
        }
        // Products saturate only for empty tensors, which are never walked.
        if r > 0 && strides.iter().all(|s| s[r - 1] == s[i].saturating_mul(d)) {
            dims[r - 1] = dims[r - 1].saturating_mul(d);
            for s in strides.iter_mut() {
                s[r - 1] = s[i];
            }
        } else {
            dims[r] = d;
            for s in strides.iter_mut() {
                s[r] = s[i];
            }
            r += 1;
        }
    }
    r
}

/// Steps the row-major multi-index `idx` over `dims`, moving each of the `K` offsets by
/// its strides. Offsets only ever grow before they are wound back, so they stay unsigned.
#[inline]
pub(crate) fn advance<const K: usize>(
    idx: &mut [usize],
    dims: &[usize],
    strides: &[Dims; K],
    off: &mut [usize; K],
) {
    for d in (0..idx.len()).rev() {
        idx[d] += 1;
        for (o, s) in off.iter_mut().zip(strides) {
            *o += s[d];
        }
        if idx[d] < dims[d] {
            return;
        }
        for (o, s) in off.iter_mut().zip(strides) {
            *o -= s[d] * dims[d];
        }
        idx[d] = 0;
    }
}

/// How two shapes broadcast: the output shape, and a coalesced iteration space with the
/// strides of each operand (0 along broadcast dims).
#[derive(Debug)]
pub(crate) struct Broadcast {
    /// Output dims (first `out_rank`).
    out: Dims,
    /// Output rank.
    out_rank: usize,
    /// Coalesced dims (first `rank`).
    pub(crate) dims: Dims,
    /// Strides of operand a, then b, over `dims`.
    pub(crate) strides: [Dims; 2],
    /// Coalesced rank.
    pub(crate) rank: usize,
    /// Output element count.
    pub(crate) len: usize,
}

impl Broadcast {
    /// Plans `a (op) b`; errors as TF's `BCast` does.
    pub(crate) fn new(op: &'static str, a: &[usize], b: &[usize]) -> Result<Broadcast> {
        let rank = a.len().max(b.len());
        check_rank(op, rank)?;
        let incompatible = || KernelError::IncompatibleShapes {
            a: a.to_vec(),
            b: b.to_vec(),
        };
        let mut out = [1; MAX_RANK];
        let mut strides = [[0; MAX_RANK]; 2];
        let (mut acc_a, mut acc_b) = (1usize, 1usize);
        for i in (0..rank).rev() {
            let k = rank - 1 - i;
            let da = if k < a.len() { a[a.len() - 1 - k] } else { 1 };
            let db = if k < b.len() { b[b.len() - 1 - k] } else { 1 };
            out[i] = match (da, db) {
                _ if da == db => da,
                (1, _) => db,
                (_, 1) => da,
                _ => return Err(incompatible()),
            };
            strides[0][i] = if da == 1 { 0 } else { acc_a };
            strides[1][i] = if db == 1 { 0 } else { acc_b };
            // Saturation only happens for operands with no elements, whose strides
            // are never used.
            acc_a = acc_a.saturating_mul(da);
            acc_b = acc_b.saturating_mul(db);
        }
        let len = checked_len(op, &out[..rank])?;
        let mut dims = out;
        let r = coalesce(&mut dims, &mut strides, rank);
        Ok(Broadcast {
            out,
            out_rank: rank,
            dims,
            strides,
            rank: r,
            len,
        })
    }

    /// The output shape.
    pub(crate) fn out_shape(&self) -> &[usize] {
        &self.out[..self.out_rank]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coalesce_merges_contiguous_and_drops_unit_dims() {
        let mut dims = [0; MAX_RANK];
        dims[..4].copy_from_slice(&[4, 1, 5, 6]);
        let mut s = [strides(&[4, 1, 5, 6])];
        assert_eq!(coalesce(&mut dims, &mut s, 4), 1);
        assert_eq!((dims[0], s[0][0]), (120, 1));
    }

    #[test]
    fn broadcast_plans_match_numpy() {
        let p = Broadcast::new("Add", &[2, 3], &[3]).unwrap();
        assert_eq!(p.out_shape(), &[2, 3]);
        assert_eq!(p.rank, 2);
        assert_eq!(
            (p.strides[0][..2].to_vec(), p.strides[1][..2].to_vec()),
            (vec![3, 1], vec![0, 1])
        );
        let p = Broadcast::new("Add", &[4, 5, 6], &[6]).unwrap();
        assert_eq!((p.rank, p.dims[0], p.dims[1]), (2, 20, 6));
        let p = Broadcast::new("Add", &[2, 1], &[1, 3]).unwrap();
        assert_eq!(p.out_shape(), &[2, 3]);
        let p = Broadcast::new("Add", &[], &[]).unwrap();
        assert_eq!((p.out_shape(), p.len, p.rank), (&[][..], 1, 0));
        assert_eq!(
            Broadcast::new("Add", &[2, 3], &[4]).unwrap_err(),
            KernelError::IncompatibleShapes {
                a: vec![2, 3],
                b: vec![4]
            }
        );
        assert!(matches!(
            Broadcast::new("Add", &[1; 9], &[1]),
            Err(KernelError::RankTooLarge { rank: 9, .. })
        ));
    }

    #[test]
    fn advance_walks_row_major() {
        let dims = [2, 3];
        let mut st = [[0; MAX_RANK]];
        st[0][..2].copy_from_slice(&[1, 2]);
        let mut idx = [0; 2];
        let mut off = [0];
        let mut seen = vec![];
        for _ in 0..6 {
            seen.push(off[0]);
            advance(&mut idx, &dims, &st, &mut off);
        }
        assert_eq!(seen, vec![0, 2, 4, 1, 3, 5]);
        assert_eq!(off, [0]);
    }

    #[test]
    fn known_dims_rejects_unknown() {
        let mut v = vec![];
        assert_eq!(known_dims("Fill", &[Some(2), Some(3)], &mut v), Ok(6));
        assert_eq!(v, vec![2, 3]);
        assert!(matches!(
            known_dims("Fill", &[None], &mut v),
            Err(KernelError::UnknownShape { op: "Fill", .. })
        ));
    }
}
