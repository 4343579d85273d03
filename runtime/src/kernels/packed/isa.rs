//! Which micro-kernel the CPU can run, detected at run time. The crate targets
//! baseline x86-64, so the AVX2 and AVX-512 kernels are compiled with
//! `#[target_feature]` and only called after [`Isa::detect`] (or a test's
//! [`Isa::force`]) has seen the features; [`Supported`] carries that fact to the call.

use super::Kernel;
use std::marker::PhantomData;

/// The instruction sets the packed gemm has a kernel for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// AVX-512F: the 16-lane kernel.
    Avx512,
    /// AVX2 and FMA: the 8-lane kernel.
    Avx2Fma,
    /// Neither (or not x86-64): `matrixmultiply`'s portable sgemm.
    Portable,
}

/// A [`Kind`] this CPU supports: the only way to make one checks the CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Isa(Kind);

impl Isa {
    /// The widest kind this CPU runs.
    pub(crate) fn detect() -> Isa {
        [Kind::Avx512, Kind::Avx2Fma]
            .into_iter()
            .find_map(Isa::force)
            .unwrap_or(Isa(Kind::Portable))
    }

    /// `kind` if this CPU runs it (tests run every kernel the CPU has).
    pub(crate) fn force(kind: Kind) -> Option<Isa> {
        has(kind).then_some(Isa(kind))
    }

    /// The kind.
    pub(crate) fn kind(self) -> Kind {
        self.0
    }
}

/// True when the CPU has the features of `kind`'s kernel.
fn has(kind: Kind) -> bool {
    match kind {
        Kind::Portable => true,
        #[cfg(target_arch = "x86_64")]
        Kind::Avx512 => std::arch::is_x86_feature_detected!("avx512f"),
        #[cfg(target_arch = "x86_64")]
        Kind::Avx2Fma => {
            std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
        }
        #[allow(unreachable_patterns)]
        _ => false,
    }
}

/// Proof that the CPU runs kernel `K`: made only from an [`Isa`] of `K`'s kind.
pub(super) struct Supported<K>(PhantomData<fn() -> K>);

impl<K> Clone for Supported<K> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K> Copy for Supported<K> {}

impl<K: Kernel> Supported<K> {
    /// The proof, if `isa` is `K`'s kind.
    pub(super) fn new(isa: Isa) -> Option<Supported<K>> {
        (isa.kind() == K::KIND).then_some(Supported(PhantomData))
    }
}
