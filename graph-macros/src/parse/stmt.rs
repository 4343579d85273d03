//! Statements: `let`, `const`, `with`, `for`, graph `fn`s, `return`, expression statements.

use super::ast::{FnDef, Param, Stmt};
use super::expr::parse_expr;
use crate::ctxt::Sp;
use proc_macro2::Ident;
use syn::parse::ParseStream;
use syn::{Attribute, Token};

/// Parses statements until the end of a braced block.
pub fn parse_block_contents(input: ParseStream) -> syn::Result<Vec<Stmt>> {
    let mut stmts = Vec::new();
    while !input.is_empty() {
        stmts.push(parse_stmt(input)?);
    }
    Ok(stmts)
}

fn parse_block(input: ParseStream) -> syn::Result<Vec<Stmt>> {
    let content;
    syn::braced!(content in input);
    parse_block_contents(&content)
}

fn parse_stmt(input: ParseStream) -> syn::Result<Stmt> {
    let attrs = input.call(Attribute::parse_outer)?;
    if input.peek(Token![let]) {
        input.parse::<Token![let]>()?;
        let names = if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            let names = content.parse_terminated(<Ident as Parse>::parse, Token![,])?;
            names.into_iter().collect()
        } else {
            vec![input.parse::<Ident>()?]
        };
        input.parse::<Token![=]>()?;
        let value = parse_expr(input)?;
        input.parse::<Token![;]>()?;
        return Ok(Stmt::Let {
            names,
            value,
            docs: attrs,
        });
    }
    if input.peek(Token![const]) {
        input.parse::<Token![const]>()?;
        let name: Ident = input.parse()?;
        if input.peek(Token![:]) {
            input.parse::<Token![:]>()?;
            input.parse::<syn::Type>()?;
        }
        input.parse::<Token![=]>()?;
        let value = parse_expr(input)?;
        input.parse::<Token![;]>()?;
        return Ok(Stmt::Const { name, value });
    }
    if input.peek(Token![for]) {
        input.parse::<Token![for]>()?;
        let var: Ident = input.parse()?;
        input.parse::<Token![in]>()?;
        let start = parse_expr(input)?;
        input.parse::<Token![..]>()?;
        let end = parse_expr(input)?;
        let body = parse_block(input)?;
        return Ok(Stmt::For {
            var,
            start,
            end,
            body,
        });
    }
    if input.peek(Token![fn]) {
        input.parse::<Token![fn]>()?;
        let name: Ident = input.parse()?;
        let content;
        syn::parenthesized!(content in input);
        let mut params = Vec::new();
        while !content.is_empty() {
            let pname: Ident = content.parse()?;
            let default = if content.peek(Token![=]) {
                content.parse::<Token![=]>()?;
                Some(parse_expr(&content)?)
            } else {
                None
            };
            params.push(Param {
                name: pname,
                default,
            });
            if !content.is_empty() {
                content.parse::<Token![,]>()?;
            }
        }
        let body = parse_block(input)?;
        let add_arg_scope = attrs.iter().any(|a| a.path().is_ident("add_arg_scope"));
        return Ok(Stmt::Fn(std::rc::Rc::new(FnDef {
            name,
            params,
            body,
            add_arg_scope,
        })));
    }
    if input.peek(Token![return]) {
        let kw: Token![return] = input.parse()?;
        let value = if input.peek(Token![;]) {
            None
        } else {
            Some(parse_expr(input)?)
        };
        let semi: Token![;] = input.parse()?;
        return Ok(Stmt::Return {
            value,
            sp: Sp::one(kw.span).to(Sp::one(semi.span)),
        });
    }
    if input.peek(syn::Ident) && input.fork().parse::<Ident>().is_ok_and(|i| i == "with") {
        input.parse::<Ident>()?;
        let scope = parse_expr(input)?;
        let alias = if input.peek(Token![as]) {
            input.parse::<Token![as]>()?;
            Some(input.parse::<Ident>()?)
        } else {
            None
        };
        let body = parse_block(input)?;
        return Ok(Stmt::With { scope, alias, body });
    }
    let expr = parse_expr(input)?;
    input.parse::<Token![;]>()?;
    Ok(Stmt::Expr(expr))
}

use syn::parse::Parse;

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse::Parser;

    #[test]
    fn parses_the_seed_statements() {
        let src = r#"
            const N: usize = 9;
            let X = placeholder(float32, shape = [None, N], name = "X");
            with name_scope("loss") as scope { let e = X - 1.0; }
            for i in 0..5 { let r = relu(X); }
            fn relu(X, t = 0.0) { with variable_scope("relu", reuse = true) { return X; } }
            scope.reuse_variables();
            let (a, b) = pair();
        "#;
        let stmts = parse_block_contents.parse_str(src).expect("parses");
        assert_eq!(stmts.len(), 7);
        assert!(matches!(&stmts[2], Stmt::With { alias: Some(_), .. }));
        assert!(matches!(&stmts[6], Stmt::Let { names, .. } if names.len() == 2));
    }
}
