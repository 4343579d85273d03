//! The grammar of `graph! { ... }`: a struct header, then TF1-style statements.

pub mod ast;
mod expr;
mod stmt;

use ast::Stmt;
use proc_macro2::Ident;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Token, Visibility};

/// A whole `graph!` invocation.
pub struct GraphInput {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub name: Ident,
    pub params: Vec<GraphParam>,
    pub body: Vec<Stmt>,
}

/// A run-time parameter of the graph type: `data: f32[None, 9]`.
pub struct GraphParam {
    pub name: Ident,
    pub elem: Ident,
    pub dims: Vec<ast::Expr>,
}

impl Parse for GraphInput {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        input.parse::<Token![struct]>()?;
        let name: Ident = input.parse()?;
        let mut params = Vec::new();
        if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            while !content.is_empty() {
                let pname: Ident = content.parse()?;
                content.parse::<Token![:]>()?;
                let elem: Ident = content.parse()?;
                let dims_content;
                syn::bracketed!(dims_content in content);
                let mut dims = Vec::new();
                while !dims_content.is_empty() {
                    dims.push(expr::parse_expr(&dims_content)?);
                    if !dims_content.is_empty() {
                        dims_content.parse::<Token![,]>()?;
                    }
                }
                params.push(GraphParam {
                    name: pname,
                    elem,
                    dims,
                });
                if !content.is_empty() {
                    content.parse::<Token![,]>()?;
                }
            }
        }
        let content;
        syn::braced!(content in input);
        let body = stmt::parse_block_contents(&content)?;
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the graph struct"));
        }
        Ok(GraphInput {
            attrs,
            vis,
            name,
            params,
            body,
        })
    }
}
