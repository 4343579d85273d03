//! Shape arithmetic shared by the strided kernels: element counts, row-major strides in
//! fixed arrays (no allocation), dim coalescing, a row-major odometer, the NumPy
//! broadcast plan of two shapes and a broadcast walk over an output shape.

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

/// The strides with which an operand of shape `operand` is read at each index of an
/// output of shape `out` under NumPy broadcasting (0 along the dims the operand lacks
/// or has as 1), or `None` when it does not broadcast to exactly `out`.
pub(crate) fn broadcast_strides(operand: &[usize], out: &[usize]) -> Option<Dims> {
    if operand.len() > out.len() || out.len() > MAX_RANK {
        return None;
    }
    let pad = out.len() - operand.len();
    let mut s = [0; MAX_RANK];
    let mut acc = 1usize;
    for (i, &d) in operand.iter().enumerate().rev() {
        let o = out[pad + i];
        if d != o && d != 1 {
            return None;
        }
        s[pad + i] = if d == 1 { 0 } else { acc };
        // Saturation only happens for operands with no elements, never walked.
        acc = acc.saturating_mul(d);
    }
    Some(s)
}

/// A row-major walk over an output shape that reads `K` broadcast operands (strides
/// from [`broadcast_strides`]), its dims coalesced as far as every operand allows.
/// The output is visited as contiguous runs in which each operand is contiguous or
/// repeated ([`Walk::inner`]).
#[derive(Debug)]
pub(crate) struct Walk<const K: usize> {
    /// Coalesced dims (first `rank`).
    dims: Dims,
    /// Strides of each operand over `dims`.
    strides: [Dims; K],
    /// Coalesced rank.
    rank: usize,
    /// Output element count.
    len: usize,
}

impl<const K: usize> Walk<K> {
    /// Plans the walk over `out` (rank at most [`MAX_RANK`], checked by the caller; the
    /// shape of an existing tensor, so its element count fits).
    pub(crate) fn new(out: &[usize], mut strides: [Dims; K]) -> Walk<K> {
        debug_assert!(out.len() <= MAX_RANK, "rank checked by the caller");
        let rank = out.len().min(MAX_RANK);
        let mut dims = [1; MAX_RANK];
        dims[..rank].copy_from_slice(&out[..rank]);
        let len = num_elements(out).unwrap_or(0);
        let rank = coalesce(&mut dims, &mut strides, rank);
        Walk {
            dims,
            strides,
            rank,
            len,
        }
    }

    /// How far each operand moves per output element inside a run: 1 or 0.
    pub(crate) fn inner(&self) -> [usize; K] {
        match self.rank {
            0 => [0; K],
            r => std::array::from_fn(|k| self.strides[k][r - 1]),
        }
    }

    /// Calls `f(start, offsets, len)` for each run in order: output elements
    /// `start..start + len`, where operand `k` starts at `offsets[k]`.
    #[inline(always)]
    pub(crate) fn for_each_run(&self, mut f: impl FnMut(usize, [usize; K], usize)) {
        if self.len == 0 {
            return;
        }
        if self.rank == 0 {
            f(0, [0; K], 1);
            return;
        }
        let r = self.rank;
        let n = self.dims[r - 1];
        let outer = &self.dims[..r - 1];
        let mut idx = [0usize; MAX_RANK];
        let mut off = [0usize; K];
        let mut start = 0;
        while start < self.len {
            f(start, off, n);
            advance(&mut idx[..r - 1], outer, &self.strides, &mut off);
            start += n;
        }
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
    fn walks_visit_broadcast_offsets_in_order() {
        let out = [2, 3, 4];
        let sa = broadcast_strides(&[3, 1], &out).unwrap();
        let sb = broadcast_strides(&[2, 1, 4], &out).unwrap();
        let w = Walk::new(&out, [sa, sb]);
        let mut seen = vec![];
        w.for_each_run(|start, off, n| {
            for k in 0..n {
                let [ia, ib] = w.inner();
                seen.push((start + k, off[0] + k * ia, off[1] + k * ib));
            }
        });
        let want: Vec<_> = (0..24)
            .map(|i| (i, (i / 4) % 3, (i / 12) * 4 + i % 4))
            .collect();
        assert_eq!(seen, want);
        assert!(broadcast_strides(&[2], &[3]).is_none());
        assert!(broadcast_strides(&[1, 3], &[3]).is_none());
        let scalar = Walk::new(&[], [[0; MAX_RANK]]);
        let mut runs = vec![];
        scalar.for_each_run(|s, o, n| runs.push((s, o, n)));
        assert_eq!(runs, vec![(0, [0], 1)]);
        let empty = Walk::new(&[3, 0], [[0; MAX_RANK]]);
        empty.for_each_run(|_, _, _| panic!("no runs in an empty walk"));
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
