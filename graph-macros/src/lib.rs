//! The `graph!` procedural macro of staticflow: a thin entry point over the
//! parse → analyse → emit pipeline.
//!
//! `parse` turns the macro input (TF1 construction code in Rust tokens) into an AST that
//! keeps spans; `analyse` runs that code at compile time, building the graph with TF's
//! names, scopes, variable-reuse rules, dtypes and shapes, collecting every error;
//! `emit` turns the built graph into a plain Rust type with a static plan.

extern crate proc_macro;

mod analyse;
mod ctxt;
mod emit;
mod expansion;
mod parse;

use expansion::expand;

/// Declares a graph type from TensorFlow 1.x construction code. See the `staticflow`
/// crate documentation for the language.
#[proc_macro]
pub fn graph(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    expand(input.into()).into()
}

#[cfg(test)]
mod tests {
    #[test]
    fn expands_literal_softmax_and_huge_shapes_without_panicking() {
        let src: proc_macro2::TokenStream =
            "pub struct G { let p = softmax([[1.0, 2.0], [3.0, 4.0]], axis = 1); }"
                .parse()
                .unwrap();
        println!("{}", super::expand(src));
        let src: proc_macro2::TokenStream =
            "pub struct G { let w = get_variable(\"w\", [4294967296, 4294967296, 16, 16]); }"
                .parse()
                .unwrap();
        println!("{}", super::expand(src));
    }
}
