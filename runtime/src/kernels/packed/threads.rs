//! The hand-outs of a threaded call: [`fork`] starts one worker per thread of the
//! pool with nested `rayon::join` (which, unlike `scope`/`spawn`, allocates nothing);
//! [`Items`] deals out the work items (blocks of rows or columns of `C`, shrinking as
//! the work runs out) from an atomic counter, so a thread that starts late or is
//! preempted simply takes fewer; [`Chunks`] holds the operand all threads read, packed chunk by chunk by
//! whichever thread first needs each chunk (the others help with the rest, then read).
//! Nothing here is used by a single-threaded call.

use super::cview::{CView, SharedC};
use super::workspace::AlignedBuf;
use std::marker::PhantomData;
use std::ops::Range;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

/// Which dimension of `C` the work items cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Axis {
    /// Items are blocks of rows (all threads read the packed `B`).
    Rows,
    /// Items are blocks of columns (all threads read the packed `A`).
    Cols,
}

/// Runs `f` once per buffer of `bufs`, each on its own job of the current pool.
pub(super) fn fork<F: Fn(&mut AlignedBuf) + Sync>(bufs: &mut [AlignedBuf], f: &F) {
    match bufs {
        [] => {}
        [one] => f(one),
        _ => {
            let (left, right) = bufs.split_at_mut(bufs.len() / 2);
            rayon::join(|| fork(left, f), || fork(right, f));
        }
    }
}

/// Blocks of rows (or columns) of a rectangle of `C`, dealt out once each, largest
/// first ("guided" self-scheduling): each block is the remaining rows over twice the
/// threads, rounded up to a whole number of tiles and capped, so the threads finish
/// together to within a small block.
pub(super) struct Items<'a> {
    /// Rows (columns) of the cut dimension dealt so far.
    dealt: AtomicUsize,
    /// The rectangle the items cut.
    c: SharedC<'a>,
    /// Its rows.
    rows: Range<usize>,
    /// Its columns.
    cols: Range<usize>,
    /// Blocks are multiples of this (a tile's rows or columns) ...
    unit: usize,
    /// ... and at most this.
    max: usize,
    /// The threads taking items.
    threads: usize,
    /// The cut dimension.
    axis: Axis,
}

impl<'a> Items<'a> {
    /// The rectangle `rows × cols` of `c` cut along `axis` into blocks of whole `unit`s,
    /// at most `max`, for `threads` threads.
    pub(super) fn new(
        c: SharedC<'a>,
        (rows, cols): (Range<usize>, Range<usize>),
        (unit, max): (usize, usize),
        threads: usize,
        axis: Axis,
    ) -> Items<'a> {
        let unit = unit.max(1);
        Items {
            dealt: AtomicUsize::new(0),
            c,
            rows,
            cols,
            unit,
            max: max.next_multiple_of(unit).max(unit),
            threads: threads.max(1),
            axis,
        }
    }

    /// The next block not yet dealt: its first row (column), its row (column) count
    /// and the view of its rectangle of `C`; `None` when all are dealt.
    pub(super) fn next(&self) -> Option<(usize, usize, CView<'_>)> {
        let cut = match self.axis {
            Axis::Rows => &self.rows,
            Axis::Cols => &self.cols,
        };
        let total = cut.len();
        let mut dealt = self.dealt.load(Ordering::Relaxed);
        let size = loop {
            let left = total.checked_sub(dealt).filter(|&l| l > 0)?;
            let size = left
                .div_ceil(2 * self.threads)
                .next_multiple_of(self.unit)
                .min(self.max)
                .min(left);
            match self.dealt.compare_exchange_weak(
                dealt,
                dealt + size,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => break size,
                Err(now) => dealt = now,
            }
        };
        let (start, end) = (cut.start + dealt, cut.start + dealt + size);
        let (rows, cols) = match self.axis {
            Axis::Rows => (start..end, self.cols.clone()),
            Axis::Cols => (self.rows.clone(), start..end),
        };
        // SAFETY: the counter only grows, and each successful exchange deals the
        // block between its old and new value to this caller alone; so no two views
        // made here overlap.
        let view = unsafe { self.c.rect(rows, cols) }?;
        Some((start, size, view))
    }
}

/// Most chunks a shared operand is cut into (their flags live on the stack).
pub(super) const MAX_CHUNKS: usize = 64;

/// A chunk nobody has claimed.
const FREE: u8 = 0;
/// A chunk being packed by the thread that claimed it.
const BUSY: u8 = 1;
/// A packed chunk.
const DONE: u8 = 2;

/// Fresh flags for [`Chunks`].
pub(super) fn chunk_flags() -> [AtomicU8; MAX_CHUNKS] {
    [const { AtomicU8::new(FREE) }; MAX_CHUNKS]
}

/// A buffer cut into `count` chunks of `len` floats (the last may be shorter), each
/// packed once by the first thread that claims it and read by all after that.
pub(super) struct Chunks<'a> {
    /// The buffer.
    base: NonNull<f32>,
    /// Its length.
    total: usize,
    /// Floats per chunk.
    len: usize,
    /// Chunks.
    count: usize,
    /// One flag per chunk: [`FREE`], [`BUSY`] or [`DONE`].
    flags: &'a [AtomicU8; MAX_CHUNKS],
    /// Borrows the buffer mutably for `'a`.
    _buf: PhantomData<&'a mut [f32]>,
}

// SAFETY: chunk `i` is written only by the one thread whose claim (FREE → BUSY) of it
// succeeded, and read only after its flag reads DONE with `Acquire`, which the writer
// stored with `Release` after its last write; chunks are disjoint runs of the buffer.
unsafe impl Sync for Chunks<'_> {}

impl<'a> Chunks<'a> {
    /// `buf` cut into `count` chunks of `len` floats (fewer than [`MAX_CHUNKS`]; the
    /// last may be shorter), all [`FREE`] in `flags`; `None` if they do not fit.
    pub(super) fn new(
        buf: &'a mut [f32],
        len: usize,
        count: usize,
        flags: &'a [AtomicU8; MAX_CHUNKS],
    ) -> Option<Chunks<'a>> {
        let fits = count <= MAX_CHUNKS
            && count.checked_sub(1)?.checked_mul(len)? < buf.len()
            && flags.iter().all(|f| f.load(Ordering::Relaxed) == FREE);
        fits.then(|| Chunks {
            total: buf.len(),
            base: NonNull::from(buf).cast(),
            len,
            count,
            flags,
            _buf: PhantomData,
        })
    }

    /// The run of the buffer chunk `i` covers (`i < count`).
    fn run(&self, i: usize) -> (usize, usize) {
        let start = i * self.len;
        (start, self.len.min(self.total - start))
    }

    /// Chunk `i` packed: by `pack(i, chunk)` on this thread if nobody has claimed it
    /// yet; while another thread packs it, this one packs other free chunks or waits.
    /// `None` if there is no chunk `i`.
    pub(super) fn get<F: Fn(usize, &mut [f32])>(&self, i: usize, pack: &F) -> Option<&[f32]> {
        let flag = self.flags.get(i).filter(|_| i < self.count)?;
        let mut spins = 0u32;
        loop {
            match flag.compare_exchange(FREE, BUSY, Ordering::Acquire, Ordering::Acquire) {
                Ok(_) => {
                    self.pack(i, pack);
                    break;
                }
                Err(DONE) => break,
                Err(_) => {
                    if !self.help(pack) {
                        // The packer is running (or preempted): spin a while, then let
                        // the OS run it.
                        spins += 1;
                        if spins.is_multiple_of(64) {
                            std::thread::yield_now();
                        } else {
                            std::hint::spin_loop();
                        }
                    }
                }
            }
        }
        let (start, len) = self.run(i);
        // SAFETY: chunk `i` is DONE: its flag was read (or written, by this thread)
        // after its last write with Acquire/Release ordering, and it is never written
        // again; it lies inside the buffer (`new` checked the chunks fit).
        Some(unsafe { std::slice::from_raw_parts(self.base.as_ptr().add(start), len) })
    }

    /// Packs chunk `i`, which this thread has just claimed, and marks it DONE (or
    /// FREE again if `pack` panics, so that no thread waits for it forever: the next
    /// to need it packs it, and panics likewise).
    fn pack<F: Fn(usize, &mut [f32])>(&self, i: usize, pack: &F) {
        /// Frees the flag if dropped while unwinding.
        struct Unclaim<'f>(&'f AtomicU8);
        impl Drop for Unclaim<'_> {
            fn drop(&mut self) {
                if std::thread::panicking() {
                    self.0.store(FREE, Ordering::Release);
                }
            }
        }
        let _unclaim = self.flags.get(i).map(Unclaim);
        let (start, len) = self.run(i);
        // SAFETY: this thread's claim (FREE → BUSY) made it the only one to touch
        // chunk `i` until it stores DONE below; the chunk lies inside the buffer and is
        // disjoint from the others, which other threads may be reading or writing.
        let chunk = unsafe { std::slice::from_raw_parts_mut(self.base.as_ptr().add(start), len) };
        pack(i, chunk);
        if let Some(flag) = self.flags.get(i) {
            flag.store(DONE, Ordering::Release);
        }
    }

    /// Claims and packs one free chunk, if any is left; true if it did.
    fn help<F: Fn(usize, &mut [f32])>(&self, pack: &F) -> bool {
        for (j, flag) in self.flags.iter().enumerate().take(self.count) {
            let free = flag.load(Ordering::Relaxed) == FREE;
            if free
                && flag
                    .compare_exchange(FREE, BUSY, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            {
                self.pack(j, pack);
                return true;
            }
        }
        false
    }
}
