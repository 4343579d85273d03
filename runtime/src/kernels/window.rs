//! The geometry shared by the NHWC window kernels (convolution and pooling): input and
//! output sizes, strides and leading padding, and which window offsets of one output
//! position fall inside the input.

use super::{KernelError, Result};
use staticflow_ir::op::Padding;

/// An NHWC window op over a `[n, h, w, c]` input with a `kh×kw` window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Geometry {
    /// Batch.
    pub(super) n: usize,
    /// Input rows.
    pub(super) h: usize,
    /// Input columns.
    pub(super) w: usize,
    /// Input channels.
    pub(super) c: usize,
    /// Window rows.
    pub(super) kh: usize,
    /// Window columns.
    pub(super) kw: usize,
    /// Stride along rows.
    pub(super) sh: usize,
    /// Stride along columns.
    pub(super) sw: usize,
    /// Output rows.
    pub(super) oh: usize,
    /// Output columns.
    pub(super) ow: usize,
    /// Padding above the input.
    pub(super) pad_top: usize,
    /// Padding left of the input.
    pub(super) pad_left: usize,
    /// Output positions `n·oh·ow`.
    positions: usize,
}

/// The window offsets `lo..hi` of one output position that fall inside the input, and
/// the input index that offset `lo` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Span {
    /// First offset inside the input.
    pub(super) lo: usize,
    /// One past the last offset inside the input (`lo` when none is).
    pub(super) hi: usize,
    /// The input index read by offset `lo`.
    pub(super) start: usize,
}

impl Span {
    /// How many offsets fall inside the input.
    pub(super) fn len(&self) -> usize {
        self.hi - self.lo
    }
}

impl Geometry {
    /// The geometry of a `window` (rows, columns) over an input of shape `x`, as TF
    /// computes it ([`Padding::window`]).
    ///
    /// # Errors
    /// [`KernelError::Window`] for a zero stride or a VALID window larger than the input,
    /// [`KernelError::TooLarge`] when `n·oh·ow` overflows (possible only for an input
    /// with no channels, hence no elements).
    pub(super) fn new(
        op: &'static str,
        x: [usize; 4],
        window: [usize; 2],
        strides: [usize; 2],
        padding: Padding,
    ) -> Result<Geometry> {
        let [n, h, w, c] = x;
        let rows = padding
            .window(h, window[0], strides[0])
            .map_err(KernelError::Window)?;
        let cols = padding
            .window(w, window[1], strides[1])
            .map_err(KernelError::Window)?;
        let positions = n
            .checked_mul(rows.output)
            .and_then(|p| p.checked_mul(cols.output))
            .ok_or_else(|| KernelError::TooLarge {
                op,
                shape: vec![n, rows.output, cols.output],
            })?;
        Ok(Geometry {
            n,
            h,
            w,
            c,
            kh: window[0],
            kw: window[1],
            sh: strides[0],
            sw: strides[1],
            oh: rows.output,
            ow: cols.output,
            pad_top: rows.pad_before,
            pad_left: cols.pad_before,
            positions,
        })
    }

    /// `[n, oh, ow, depth]`: the output shape with `depth` channels.
    pub(super) fn out_shape(&self, depth: usize) -> [usize; 4] {
        [self.n, self.oh, self.ow, depth]
    }

    /// Output positions: `n · oh · ow`.
    pub(super) fn out_positions(&self) -> usize {
        self.positions
    }

    /// The rows of the window of output row `y` (`y < oh`) inside the input.
    #[inline(always)]
    pub(super) fn rows(&self, y: usize) -> Span {
        span(y, self.sh, self.pad_top, self.kh, self.h)
    }

    /// The columns of the window of output column `x` (`x < ow`) inside the input.
    #[inline(always)]
    pub(super) fn cols(&self, x: usize) -> Span {
        span(x, self.sw, self.pad_left, self.kw, self.w)
    }
}

/// The offsets `k < window` with `0 <= o·stride + k - pad < size`.
///
/// `o·stride` cannot overflow for `o` below the output size: TF's rules keep
/// `(output - 1)·stride` below the input size. `size + pad` cannot either (the padding
/// is less than the window, the size at most `isize::MAX`); it saturates regardless.
#[inline(always)]
fn span(o: usize, stride: usize, pad: usize, window: usize, size: usize) -> Span {
    let base = o * stride;
    let lo = pad.saturating_sub(base).min(window);
    let hi = size
        .saturating_add(pad)
        .saturating_sub(base)
        .min(window)
        .max(lo);
    Span {
        lo,
        hi,
        start: (base + lo).saturating_sub(pad),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_clip_windows_to_the_input() {
        // SAME, 7 wide, window 3, stride 2: 4 outputs, 1 padded before.
        let g = Geometry::new("Test", [1, 1, 7, 1], [1, 3], [1, 2], Padding::Same).unwrap();
        assert_eq!((g.ow, g.pad_left), (4, 1));
        let spans: Vec<(usize, usize, usize)> = (0..4)
            .map(|x| g.cols(x))
            .map(|s| (s.lo, s.hi, s.start))
            .collect();
        assert_eq!(spans, vec![(1, 3, 0), (0, 3, 1), (0, 3, 3), (0, 2, 5)]);
        // A window larger than the input on both sides.
        let g = Geometry::new("Test", [1, 2, 1, 1], [5, 1], [1, 1], Padding::Same).unwrap();
        assert_eq!((g.oh, g.pad_top), (2, 2));
        let rows = |y| {
            let s = g.rows(y);
            (s.lo, s.hi, s.start, s.len())
        };
        assert_eq!((rows(0), rows(1)), ((2, 4, 0, 2), (1, 3, 0, 2)));
        assert!(matches!(
            Geometry::new("Test", [1, 2, 2, 1], [4, 4], [1, 1], Padding::Valid),
            Err(KernelError::Window(_))
        ));
    }
}
