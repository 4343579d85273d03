//! Enables the AVX-512 gemm micro-kernel (`cfg(has_avx512_intrinsics)`) when the
//! compiler has the AVX-512 intrinsics and `target_feature = "avx512f"` (Rust 1.89,
//! above the workspace's rust-version); older compilers build the AVX2 kernel only.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-check-cfg=cfg(has_avx512_intrinsics)");
    let x86_64 = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|a| a == "x86_64");
    match autocfg::AutoCfg::new() {
        Ok(ac) => {
            if x86_64 && ac.probe_rustc_version(1, 89) {
                println!("cargo:rustc-cfg=has_avx512_intrinsics");
            }
        }
        Err(err) => println!("cargo:warning=no AVX-512 gemm kernel: {err}"),
    }
}
