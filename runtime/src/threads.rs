//! Intra-op parallelism: one process-wide thread pool per thread count, shared by
//! every session asking for that count (TensorFlow's default, where sessions share
//! the global intra-op pool rather than owning threads each).

use crate::{Error, Result};
use std::sync::{Arc, Mutex, PoisonError};

/// How a session runs its kernels, as TF1's `tf.ConfigProto` fields of the same name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionOptions {
    /// Threads one kernel (a large matmul or convolution) may use; 0 means one per
    /// available core, as in TensorFlow. 1 runs everything on the calling thread, with
    /// no pool, locks or atomics on the way.
    pub intra_op_parallelism_threads: usize,
}

impl SessionOptions {
    /// The default options: one intra-op thread per core.
    pub fn new() -> SessionOptions {
        SessionOptions::default()
    }

    /// These options with `threads` intra-op threads (0: one per core).
    pub fn intra_op_parallelism_threads(mut self, threads: usize) -> SessionOptions {
        self.intra_op_parallelism_threads = threads;
        self
    }

    /// The thread count these options resolve to on this machine (at least 1).
    pub fn resolved_threads(&self) -> usize {
        match self.intra_op_parallelism_threads {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        }
    }
}

/// The pools built so far, by thread count. Touched only when a session is created.
static POOLS: Mutex<Vec<(usize, Arc<rayon::ThreadPool>)>> = Mutex::new(Vec::new());

/// The shared pool of `threads` threads, built on first request; `None` for one thread.
///
/// # Errors
/// [`Error::ThreadPool`] when the operating system refuses to start the threads.
pub(crate) fn shared_pool(threads: usize) -> Result<Option<Arc<rayon::ThreadPool>>> {
    if threads <= 1 {
        return Ok(None);
    }
    // A poisoned lock only means another thread panicked while pushing; the list is
    // still a valid list of built pools.
    let mut pools = POOLS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, pool)) = pools.iter().find(|(n, _)| *n == threads) {
        return Ok(Some(Arc::clone(pool)));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("staticflow-intra-op-{i}"))
        .build()
        .map_err(|e| Error::ThreadPool {
            threads,
            reason: e.to_string(),
        })?;
    let pool = Arc::new(pool);
    pools.push((threads, Arc::clone(&pool)));
    Ok(Some(pool))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_means_one_thread_per_core_and_pools_are_shared() {
        assert!(SessionOptions::new().resolved_threads() >= 1);
        assert_eq!(
            SessionOptions::new()
                .intra_op_parallelism_threads(3)
                .resolved_threads(),
            3
        );
        assert!(shared_pool(1).unwrap().is_none());
        let a = shared_pool(2).unwrap().unwrap();
        let b = shared_pool(2).unwrap().unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(a.current_num_threads(), 2);
    }
}
