//! The expansion itself, apart from the `proc_macro` entry point, so that
//! `benches/expansion.rs` can time it outside the compiler.

use crate::{analyse, emit, parse};

/// Expands the input of `graph!` into the graph type, or into its compile errors.
pub fn expand(input: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let graph: parse::GraphInput = match syn::parse2(input) {
        Ok(g) => g,
        Err(e) => return e.into_compile_error(),
    };
    let analysed = analyse::analyse(&graph);
    emit::emit(&graph, analysed)
}
