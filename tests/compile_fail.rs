//! The compile-fail suite: every construction mistake `graph!` reports, pinned with its
//! message and span (`tests/ui/*.rs` + `.stderr`), and programs it must accept
//! (`tests/ui/pass/*.rs`). Regenerate with `TRYBUILD=overwrite cargo test --test
//! compile_fail` and review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
