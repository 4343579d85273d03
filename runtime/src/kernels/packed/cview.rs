//! Access to the row-major output `C` by rectangles. [`CView`] holds one rectangle
//! exclusively (as `&mut [f32]` holds a run of a slice); [`SharedC`] lends disjoint
//! rectangles to the threads of one call, which take them by claiming work items.
//! A rectangle of columns is not a contiguous slice, hence views rather than slices.

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

// SAFETY: a `CView` is the only access to the elements of its rectangle while it lives
// (`new` takes the matrix by `&mut`; `SharedC::rect`'s callers promise disjoint
// rectangles). Sending one to another thread is sending a `&mut` to its elements, and
// `f32` is `Send`.
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

    /// A view of the same rectangle for a shorter borrow (the parent is unusable
    /// meanwhile).
    pub(super) fn reborrow(&mut self) -> CView<'_> {
        CView {
            base: self.base,
            ldc: self.ldc,
            rows: self.rows.clone(),
            cols: self.cols.clone(),
            _c: PhantomData,
        }
    }

    /// The row stride.
    pub(super) fn ldc(&self) -> usize {
        self.ldc
    }

    /// This rectangle, lent out to threads that each take a disjoint part of it.
    pub(super) fn share(self) -> SharedC<'a> {
        SharedC { whole: self }
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

/// A rectangle of `C` shared by the threads of one call, which take disjoint
/// rectangles of it with [`SharedC::rect`].
pub(super) struct SharedC<'a> {
    /// The rectangle lent out.
    whole: CView<'a>,
}

// SAFETY: the only access through a shared `SharedC` is `rect`, whose callers promise
// that the rectangles they hold at any time are disjoint; each is then a `CView`,
// exclusive over its elements.
unsafe impl Sync for SharedC<'_> {}

impl SharedC<'_> {
    /// The rectangle `rows × cols`, or `None` if it leaves the shared one.
    ///
    /// # Safety
    /// No other view from this `SharedC` that overlaps it may be alive at the same time.
    pub(super) unsafe fn rect(&self, rows: Range<usize>, cols: Range<usize>) -> Option<CView<'_>> {
        let w = &self.whole;
        let inside = w.rows.start <= rows.start
            && rows.start <= rows.end
            && rows.end <= w.rows.end
            && w.cols.start <= cols.start
            && cols.start <= cols.end
            && cols.end <= w.cols.end;
        inside.then_some(CView {
            base: w.base,
            ldc: w.ldc,
            rows,
            cols,
            _c: PhantomData,
        })
    }
}
