//! [`CView`]: exclusive access to a rectangle of the row-major output `C`, which can
//! be split into two disjoint rectangles (as `split_at_mut` splits a slice) and sent to
//! another thread. The threads of one product each get their own rows or their own
//! columns of `C`; columns are not a contiguous slice, hence a view rather than
//! `&mut [f32]`.

use std::marker::PhantomData;
use std::ops::Range;
use std::ptr::NonNull;

/// A rectangle of an `m × n` row-major matrix, held exclusively.
pub(super) struct CView<'a> {
    /// Element `(0, 0)` of the whole matrix.
    base: NonNull<f32>,
    /// Row stride of the whole matrix (`n`).
    ldc: usize,
    /// The rows of this rectangle.
    rows: Range<usize>,
    /// The columns of this rectangle.
    cols: Range<usize>,
    /// Borrows the matrix mutably for `'a`.
    _c: PhantomData<&'a mut [f32]>,
}

// SAFETY: a `CView` is the only access to the elements of its rectangle while it lives:
// `new` takes the matrix by `&mut`, and splitting consumes a view and yields two
// disjoint rectangles (reborrowing suspends the parent). Sending one to another thread
// is sending a `&mut` to its elements, and `f32` is `Send`.
unsafe impl Send for CView<'_> {}

impl<'a> CView<'a> {
    /// The whole of `c` as an `m × n` matrix, or `None` if its length is not `m·n`.
    pub(super) fn new(c: &'a mut [f32], m: usize, n: usize) -> Option<CView<'a>> {
        (m.checked_mul(n) == Some(c.len())).then(|| CView {
            base: NonNull::from(c).cast(),
            ldc: n,
            rows: 0..m,
            cols: 0..n,
            _c: PhantomData,
        })
    }

    /// A view of the same rectangle for a shorter borrow.
    pub(super) fn reborrow(&mut self) -> CView<'_> {
        CView {
            base: self.base,
            ldc: self.ldc,
            rows: self.rows.clone(),
            cols: self.cols.clone(),
            _c: PhantomData,
        }
    }

    /// The rows before `at` and the rows from `at` (clamped to the rectangle).
    pub(super) fn split_rows(self, at: usize) -> (CView<'a>, CView<'a>) {
        let at = at.clamp(self.rows.start, self.rows.end);
        let top = CView {
            rows: self.rows.start..at,
            cols: self.cols.clone(),
            ..self
        };
        let bottom = CView {
            rows: at..self.rows.end,
            ..self
        };
        (top, bottom)
    }

    /// The columns before `at` and the columns from `at` (clamped to the rectangle).
    pub(super) fn split_cols(self, at: usize) -> (CView<'a>, CView<'a>) {
        let at = at.clamp(self.cols.start, self.cols.end);
        let left = CView {
            rows: self.rows.clone(),
            cols: self.cols.start..at,
            ..self
        };
        let right = CView {
            cols: at..self.cols.end,
            ..self
        };
        (left, right)
    }

    /// The row stride.
    pub(super) fn ldc(&self) -> usize {
        self.ldc
    }

    /// A pointer to element `(row, col)`, valid for reads and writes of the `rows ×
    /// cols` tile there (row stride [`CView::ldc`]) while `self` is borrowed, or `None`
    /// if the tile is empty or leaves this rectangle.
    pub(super) fn tile(
        &mut self,
        row: usize,
        col: usize,
        rows: usize,
        cols: usize,
    ) -> Option<*mut f32> {
        let inside = rows > 0
            && cols > 0
            && row >= self.rows.start
            && row.checked_add(rows)? <= self.rows.end
            && col >= self.cols.start
            && col.checked_add(cols)? <= self.cols.end;
        // SAFETY: the tile lies inside this rectangle, which lies inside the `m × n`
        // matrix `base` points to, so `row·ldc + col < m·n` is in the allocation.
        inside.then(|| unsafe { self.base.as_ptr().add(row * self.ldc + col) })
    }
}
