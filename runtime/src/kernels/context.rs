//! What kernels keep across calls within a session: the intra-op thread pool (and,
//! later, scratch that must outlive one call), so that steady-state runs neither spawn
//! threads nor allocate.

use super::packed::PackedWorkspace;
use std::sync::Arc;

/// The per-session state the kernels share.
#[derive(Default)]
pub(crate) struct KernelContext {
    /// The intra-op pool; `None` runs every kernel on the calling thread.
    pub(crate) pool: Option<Arc<rayon::ThreadPool>>,
    /// The packing buffers of the f32 gemm (grown on demand, never shrunk).
    pub(crate) gemm: PackedWorkspace,
}

impl KernelContext {
    /// A context running kernels on `pool` (`None`: single-threaded).
    pub(crate) fn new(pool: Option<Arc<rayon::ThreadPool>>) -> KernelContext {
        KernelContext {
            pool,
            gemm: PackedWorkspace::default(),
        }
    }

    /// The threads kernels may use.
    pub(crate) fn threads(&self) -> usize {
        self.pool.as_ref().map_or(1, |p| p.current_num_threads())
    }
}
