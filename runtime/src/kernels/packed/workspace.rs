//! The packing buffers of the packed gemm, kept in the session's
//! [`KernelContext`](crate::kernels::KernelContext) between calls. They only grow, so
//! once a session has run its largest product a call allocates nothing.

use super::isa::Isa;

/// Bytes the packed panels are aligned to: one cache line, one zmm register.
const ALIGN_BYTES: usize = 64;

/// `f32`s of slack so that an aligned start can always be found in the vector.
const SLACK: usize = ALIGN_BYTES / std::mem::size_of::<f32>();

/// A growable `f32` buffer whose views start on a 64-byte boundary.
#[derive(Default)]
pub(super) struct AlignedBuf {
    /// The storage, `SLACK` longer than the longest view handed out so far.
    v: Vec<f32>,
}

impl AlignedBuf {
    /// A 64-byte-aligned view of `len` elements of unspecified (finite) contents,
    /// growing the storage if it is shorter.
    pub(super) fn get(&mut self, len: usize) -> &mut [f32] {
        let need = len.saturating_add(SLACK);
        if self.v.len() < need {
            self.v.clear();
            self.v.reserve_exact(need);
            self.v.resize(need, 0.0);
        }
        // `align_offset` can be `usize::MAX` in principle; then (or if the allocator
        // gave an odd address) fall back to an unaligned start, which is still correct:
        // the micro-kernels use unaligned loads.
        let off = self.v.as_ptr().align_offset(ALIGN_BYTES);
        let off = if off < SLACK { off } else { 0 };
        &mut self.v[off..off + len]
    }
}

/// The packed gemm's scratch: the shared packed `B` block and one packed `A` block per
/// thread, plus the instruction set detected on first use.
#[derive(Default)]
pub(crate) struct PackedWorkspace {
    /// The micro-kernel to use; `None` until the first call detects it.
    pub(super) isa: Option<Isa>,
    /// The packed block of `op(B)`, shared by all threads of a call.
    pub(super) b: AlignedBuf,
    /// One packed block of `op(A)` per thread.
    pub(super) a: Vec<AlignedBuf>,
}

impl PackedWorkspace {
    /// The instruction set, detected once per workspace.
    pub(super) fn isa(&mut self) -> Isa {
        *self.isa.get_or_insert_with(Isa::detect)
    }

    /// The `B` buffer and `threads` per-thread `A` buffers (allocates only when the
    /// list of `A` buffers grows).
    pub(super) fn buffers(&mut self, threads: usize) -> (&mut AlignedBuf, &mut [AlignedBuf]) {
        if self.a.len() < threads {
            self.a.resize_with(threads, AlignedBuf::default);
        }
        (&mut self.b, &mut self.a[..threads])
    }
}
