//! A global allocator that measures what the code under test allocates while "armed":
//! the largest single allocation (a `realloc` counts with its new size) and the peak
//! growth of the live heap. Above [`HARD_LIMIT`] it refuses the allocation, which makes
//! the process abort; it first prints the iteration to replay, since nothing else can.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicU64, AtomicUsize, Ordering};

/// Allocations larger than this while armed are refused (1 GiB: no input of the fuzzer
/// is larger than a few kilobytes).
pub const HARD_LIMIT: usize = 1 << 30;

static ARMED: AtomicBool = AtomicBool::new(false);
static LARGEST: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);
static ITERATION: AtomicU64 = AtomicU64::new(0);
static SEED: AtomicU64 = AtomicU64::new(0);

/// Counts while armed; forwards everything to the system allocator.
pub struct Counting;

/// What one armed region allocated.
#[derive(Clone, Copy, Debug, Default)]
pub struct Usage {
    /// The largest single allocation, in bytes.
    pub largest: usize,
    /// The peak of (bytes allocated − bytes freed) since arming.
    pub peak_growth: usize,
}

/// Starts measuring, for fuzz iteration `iteration` of seed `seed`.
pub fn arm(seed: u64, iteration: u64) {
    SEED.store(seed, Ordering::Relaxed);
    ITERATION.store(iteration, Ordering::Relaxed);
    LARGEST.store(0, Ordering::Relaxed);
    LIVE.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    ARMED.store(true, Ordering::SeqCst);
}

/// Stops measuring and returns what was allocated since [`arm`].
pub fn disarm() -> Usage {
    ARMED.store(false, Ordering::SeqCst);
    Usage {
        largest: LARGEST.load(Ordering::Relaxed),
        peak_growth: usize::try_from(PEAK.load(Ordering::Relaxed)).unwrap_or(0),
    }
}

/// Records an allocation of `size` bytes (growing the live heap by `growth`); false if
/// it must be refused.
fn record(size: usize, growth: isize) -> bool {
    if !ARMED.load(Ordering::Relaxed) {
        return true;
    }
    LARGEST.fetch_max(size, Ordering::Relaxed);
    let live = LIVE.fetch_add(growth, Ordering::Relaxed) + growth;
    PEAK.fetch_max(live, Ordering::Relaxed);
    if size > HARD_LIMIT {
        refuse(size);
        return false;
    }
    true
}

/// Says which iteration asked for `size` bytes, without allocating.
fn refuse(size: usize) {
    fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
        let mut i = buf.len();
        loop {
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                return &buf[i..];
            }
        }
    }
    let mut buf = [0u8; 20];
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(b"fuzz_checkpoint: FINDING: the reader asked for ");
    let _ = err.write_all(decimal(size as u64, &mut buf));
    let _ = err.write_all(b" bytes at once; refused, so the process aborts. Replay: --seed ");
    let _ = err.write_all(decimal(SEED.load(Ordering::Relaxed), &mut buf));
    let _ = err.write_all(b" --replay ");
    let _ = err.write_all(decimal(ITERATION.load(Ordering::Relaxed), &mut buf));
    let _ = err.write_all(b"\n");
}

// SAFETY: forwards every call to the system allocator with the caller's arguments; the
// bookkeeping touches only atomics, and a refusal returns null as `GlobalAlloc` allows.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !record(layout.size(), layout.size() as isize) {
            return std::ptr::null_mut();
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !record(layout.size(), layout.size() as isize) {
            return std::ptr::null_mut();
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.load(Ordering::Relaxed) {
            LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let growth = new_size as isize - layout.size() as isize;
        if !record(new_size, growth) {
            return std::ptr::null_mut();
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
