//! Kernels: one function per op family over row-major slices.
