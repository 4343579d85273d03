//! The plan of a reduction: the input's dims coalesced into alternating kept and
//! reduced groups (size-1 dims dropped), the output strides of the kept groups, and a
//! walk over the input in memory order.

use super::super::layout::{advance, Dims};
use super::super::MAX_RANK;

/// The coalesced reduction.
pub(super) struct Plan {
    /// Group sizes, outermost first; no size-1 groups; kept and reduced alternate.
    pub(super) dims: Dims,
    /// Whether each group is reduced.
    pub(super) reduced: [bool; MAX_RANK],
    /// Stride of each group in the output (0 for reduced groups).
    pub(super) out_strides: Dims,
    /// Number of groups.
    pub(super) rank: usize,
    /// Elements reduced into each output element.
    pub(super) count: usize,
    /// Output elements.
    pub(super) out_len: usize,
}

impl Plan {
    /// Coalesces `shape` with its reduced-axis flags.
    pub(super) fn new(shape: &[usize], reduced: &[bool]) -> Plan {
        let mut p = Plan {
            dims: [1; MAX_RANK],
            reduced: [false; MAX_RANK],
            out_strides: [0; MAX_RANK],
            rank: 0,
            count: 1,
            out_len: 1,
        };
        for (&d, &r) in shape.iter().zip(reduced) {
            // Products saturate only for empty inputs: `out_len` is then rejected or
            // `count` is never used.
            if r {
                p.count = p.count.saturating_mul(d);
            } else {
                p.out_len = p.out_len.saturating_mul(d);
            }
            if d == 1 {
                continue;
            }
            if p.rank > 0 && p.reduced[p.rank - 1] == r {
                p.dims[p.rank - 1] = p.dims[p.rank - 1].saturating_mul(d);
            } else {
                p.dims[p.rank] = d;
                p.reduced[p.rank] = r;
                p.rank += 1;
            }
        }
        let mut acc = 1;
        for g in (0..p.rank).rev() {
            if !p.reduced[g] {
                p.out_strides[g] = acc;
                acc = acc.saturating_mul(p.dims[g]);
            }
        }
        p
    }

    /// The group pattern, for picking a fast path: (rank, first group reduced?).
    pub(super) fn pattern(&self) -> (usize, bool) {
        (self.rank, self.reduced[0])
    }

    /// Feeds each contiguous inner run of `s` to `run(out_offset, run_slice)`, in
    /// memory order; the inner group is kept (segment) or reduced (one slot).
    pub(super) fn walk<T>(&self, s: &[T], mut run: impl FnMut(usize, &[T])) {
        let r = self.rank;
        let inner = self.dims[r - 1];
        let outer = &self.dims[..r - 1];
        let strides = [self.out_strides];
        let mut idx = [0usize; MAX_RANK];
        let mut off = [0usize];
        for chunk in s.chunks_exact(inner) {
            run(off[0], chunk);
            advance(&mut idx[..r - 1], outer, &strides, &mut off);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_alternate_and_walk_in_memory_order() {
        let p = Plan::new(&[2, 1, 3, 4], &[false, true, true, false]);
        assert_eq!((p.rank, p.count, p.out_len), (3, 3, 8));
        assert_eq!(&p.dims[..3], &[2, 3, 4]);
        assert_eq!(&p.reduced[..3], &[false, true, false]);
        assert_eq!(&p.out_strides[..3], &[4, 0, 1]);
        assert_eq!(p.pattern(), (3, false));
        let x: Vec<usize> = (0..24).collect();
        let mut seen = vec![];
        p.walk(&x, |at, run| seen.push((at, run[0])));
        assert_eq!(
            seen,
            vec![(0, 0), (0, 4), (0, 8), (4, 12), (4, 16), (4, 20)]
        );
        let merged = Plan::new(&[2, 3, 1, 5], &[true, true, false, false]);
        assert_eq!((merged.rank, merged.dims[0], merged.dims[1]), (2, 6, 5));
        let none = Plan::new(&[1, 1], &[true, false]);
        assert_eq!((none.rank, none.count, none.out_len), (0, 1, 1));
    }
}
