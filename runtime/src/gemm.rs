//! The f32 matrix product behind `MatMul` and the convolutions, open for its speed
//! table (`examples/gemm_speed.rs`) and allocation test. Not a stable API: graphs
//! reach it through `matmul` and `conv2d`.

use crate::kernels::packed::{self, Isa, Kind, Strides};
use crate::kernels::KernelContext;
use crate::threads::shared_pool;

/// The micro-kernels the product can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SgemmKernel {
    /// 16-lane AVX-512F.
    Avx512,
    /// 8-lane AVX2 with FMA.
    Avx2Fma,
    /// `matrixmultiply`'s sgemm (CPUs without FMA).
    Portable,
}

impl SgemmKernel {
    fn kind(self) -> Kind {
        match self {
            SgemmKernel::Avx512 => Kind::Avx512,
            SgemmKernel::Avx2Fma => Kind::Avx2Fma,
            SgemmKernel::Portable => Kind::Portable,
        }
    }
}

/// Operands that do not fit the dims they were given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("sgemm operands do not cover an {m}x{k} times {k}x{n} product")]
pub struct SgemmSizeError {
    /// Rows of `op(a)`.
    pub m: usize,
    /// The inner dim.
    pub k: usize,
    /// Columns of `op(b)`.
    pub n: usize,
}

/// A product's state across calls, as a session keeps it: the intra-op pool and the
/// packing buffers.
pub struct Sgemm {
    /// The pool and the workspace.
    ctx: KernelContext,
    /// The kernel.
    isa: Isa,
}

impl Sgemm {
    /// Products on `threads` threads of the pool sessions with that many intra-op
    /// threads share (0: one per core; 1: the calling thread alone), with the widest
    /// kernel the CPU has.
    ///
    /// # Errors
    /// [`crate::Error::ThreadPool`] when the threads cannot be started.
    pub fn new(threads: usize) -> crate::Result<Sgemm> {
        let threads = crate::SessionOptions::new()
            .intra_op_parallelism_threads(threads)
            .resolved_threads();
        Ok(Sgemm {
            ctx: KernelContext::new(shared_pool(threads)?),
            isa: Isa::detect(),
        })
    }

    /// The same with `kernel`, or `None` if the CPU cannot run it.
    pub fn with_kernel(mut self, kernel: SgemmKernel) -> Option<Sgemm> {
        self.isa = Isa::force(kernel.kind())?;
        Some(self)
    }

    /// The kernel in use.
    pub fn kernel(&self) -> SgemmKernel {
        match self.isa.kind() {
            Kind::Avx512 => SgemmKernel::Avx512,
            Kind::Avx2Fma => SgemmKernel::Avx2Fma,
            Kind::Portable => SgemmKernel::Portable,
        }
    }

    /// The threads a product may use.
    pub fn threads(&self) -> usize {
        self.ctx.threads()
    }

    /// Runs `f` on a thread of the pool (on the calling thread without one), as a
    /// session would if it ran its whole plan there: the products `f` runs then hand
    /// work to the other threads without waking a pool thread for each call.
    pub fn on_pool<R: Send>(&mut self, f: impl FnOnce(&mut Sgemm) -> R + Send) -> R {
        match self.ctx.pool.clone() {
            Some(pool) => pool.install(|| f(self)),
            None => f(self),
        }
    }

    /// `c = op(a)·op(b)`, or `c += op(a)·op(b)` when `accumulate`, with `op(a)` `m × k`
    /// (`a` stored row-major, `k × m` when `ta`), `op(b)` `k × n` (`n × k` when `tb`)
    /// and `c` row-major `m × n`.
    ///
    /// # Errors
    /// [`SgemmSizeError`] when a slice's length is not its matrix's.
    #[allow(clippy::too_many_arguments)]
    pub fn run(
        &mut self,
        (m, k, n): (usize, usize, usize),
        a: &[f32],
        ta: bool,
        b: &[f32],
        tb: bool,
        accumulate: bool,
        c: &mut [f32],
    ) -> Result<(), SgemmSizeError> {
        let fits = |len: usize, r: usize, c: usize| r.checked_mul(c) == Some(len);
        if !(fits(a.len(), m, k) && fits(b.len(), k, n) && fits(c.len(), m, n)) {
            return Err(SgemmSizeError { m, k, n });
        }
        let sa = if ta {
            Strides::transposed(m)
        } else {
            Strides::rows(k)
        };
        let sb = if tb {
            Strides::transposed(k)
        } else {
            Strides::rows(n)
        };
        packed::sgemm_with(
            self.isa,
            packed::PARALLEL_MIN,
            &mut self.ctx,
            (m, k, n),
            a,
            sa,
            b,
            sb,
            accumulate,
            c,
        );
        Ok(())
    }
}
