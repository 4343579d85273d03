//! Expressions: a precedence-climbing parser over Rust tokens with Python's meanings
//! (lists, comprehensions, keyword arguments, dicts, `None`/`True`/`False`).

use super::ast::{Arg, BinOp, Expr, ExprKind, UnOp};
use crate::ctxt::Sp;
use proc_macro2::Ident;
use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::{Lit, Token};

/// Parses one expression.
pub fn parse_expr(input: ParseStream) -> syn::Result<Expr> {
    parse_binary(input, 0)
}

/// Binary operator at the head of `input`, with its precedence (higher binds tighter).
fn peek_binop(input: ParseStream) -> Option<(BinOp, u8)> {
    if input.peek(Token![||]) {
        Some((BinOp::Or, 1))
    } else if input.peek(Token![&&]) {
        Some((BinOp::And, 2))
    } else if input.peek(Token![==]) {
        Some((BinOp::Eq, 3))
    } else if input.peek(Token![!=]) {
        Some((BinOp::Ne, 3))
    } else if input.peek(Token![<=]) {
        Some((BinOp::Le, 3))
    } else if input.peek(Token![>=]) {
        Some((BinOp::Ge, 3))
    } else if input.peek(Token![<]) {
        Some((BinOp::Lt, 3))
    } else if input.peek(Token![>]) {
        Some((BinOp::Gt, 3))
    } else if input.peek(Token![+]) && !input.peek(Token![+=]) {
        Some((BinOp::Add, 4))
    } else if input.peek(Token![-]) && !input.peek(Token![-=]) {
        Some((BinOp::Sub, 4))
    } else if input.peek(Token![*]) && !input.peek(Token![*=]) {
        Some((BinOp::Mul, 5))
    } else if input.peek(Token![/]) && !input.peek(Token![/=]) {
        Some((BinOp::Div, 5))
    } else if input.peek(Token![%]) && !input.peek(Token![%=]) {
        Some((BinOp::Rem, 5))
    } else {
        None
    }
}

fn consume_binop(input: ParseStream, op: BinOp) -> syn::Result<()> {
    match op {
        BinOp::Or => input.parse::<Token![||]>().map(drop),
        BinOp::And => input.parse::<Token![&&]>().map(drop),
        BinOp::Eq => input.parse::<Token![==]>().map(drop),
        BinOp::Ne => input.parse::<Token![!=]>().map(drop),
        BinOp::Le => input.parse::<Token![<=]>().map(drop),
        BinOp::Ge => input.parse::<Token![>=]>().map(drop),
        BinOp::Lt => input.parse::<Token![<]>().map(drop),
        BinOp::Gt => input.parse::<Token![>]>().map(drop),
        BinOp::Add => input.parse::<Token![+]>().map(drop),
        BinOp::Sub => input.parse::<Token![-]>().map(drop),
        BinOp::Mul => input.parse::<Token![*]>().map(drop),
        BinOp::Div => input.parse::<Token![/]>().map(drop),
        BinOp::Rem => input.parse::<Token![%]>().map(drop),
    }
}

fn parse_binary(input: ParseStream, min_prec: u8) -> syn::Result<Expr> {
    let mut lhs = parse_unary(input)?;
    while let Some((op, prec)) = peek_binop(input) {
        if prec < min_prec {
            break;
        }
        consume_binop(input, op)?;
        let rhs = parse_binary(input, prec + 1)?;
        let sp = lhs.sp.to(rhs.sp);
        lhs = Expr {
            kind: ExprKind::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
            sp,
        };
    }
    Ok(lhs)
}

fn parse_unary(input: ParseStream) -> syn::Result<Expr> {
    let op = if input.peek(Token![-]) {
        let t: Token![-] = input.parse()?;
        Some((UnOp::Neg, t.span))
    } else if input.peek(Token![!]) {
        let t: Token![!] = input.parse()?;
        Some((UnOp::Not, t.span))
    } else {
        None
    };
    match op {
        Some((op, span)) => {
            let expr = parse_unary(input)?;
            let sp = Sp::one(span).to(expr.sp);
            Ok(Expr {
                kind: ExprKind::Unary {
                    op,
                    expr: Box::new(expr),
                },
                sp,
            })
        }
        None => parse_postfix(input),
    }
}

fn parse_postfix(input: ParseStream) -> syn::Result<Expr> {
    let mut expr = parse_primary(input)?;
    loop {
        if input.peek(syn::token::Paren) {
            let content;
            let paren = syn::parenthesized!(content in input);
            let args = parse_args(&content)?;
            let sp = expr.sp.to(Sp::one(paren.span.close()));
            expr = Expr {
                kind: ExprKind::Call {
                    func: Box::new(expr),
                    args,
                },
                sp,
            };
        } else if (input.peek(Token![.]) && !input.peek(Token![..])) || input.peek(Token![::]) {
            // `summary::scalar` (Rust paths) means the same as `summary.scalar`.
            if input.peek(Token![::]) {
                input.parse::<Token![::]>()?;
            } else {
                input.parse::<Token![.]>()?;
            }
            let name = Ident::parse_any(input)?;
            let sp = expr.sp.to(Sp::one(name.span()));
            expr = Expr {
                kind: ExprKind::Attr {
                    base: Box::new(expr),
                    name,
                },
                sp,
            };
        } else if input.peek(syn::token::Bracket) {
            let content;
            let bracket = syn::bracketed!(content in input);
            let index = parse_expr(&content)?;
            let sp = expr.sp.to(Sp::one(bracket.span.close()));
            expr = Expr {
                kind: ExprKind::Index {
                    base: Box::new(expr),
                    index: Box::new(index),
                },
                sp,
            };
        } else {
            return Ok(expr);
        }
    }
}

fn parse_args(content: ParseStream) -> syn::Result<Vec<Arg>> {
    let mut args = Vec::new();
    while !content.is_empty() {
        let is_keyword =
            content.peek(Ident::peek_any) && content.peek2(Token![=]) && !content.peek2(Token![==]);
        let name = if is_keyword {
            let name = Ident::parse_any(content)?;
            content.parse::<Token![=]>()?;
            Some(name)
        } else {
            None
        };
        let value = parse_expr(content)?;
        args.push(Arg { name, value });
        if !content.is_empty() {
            content.parse::<Token![,]>()?;
        }
    }
    Ok(args)
}

fn parse_primary(input: ParseStream) -> syn::Result<Expr> {
    if input.peek(Lit) {
        let lit: Lit = input.parse()?;
        let sp = Sp::one(lit.span());
        let kind = match &lit {
            Lit::Int(i) => ExprKind::Int(i.base10_parse::<i64>()?),
            Lit::Float(f) => ExprKind::Float(f.base10_parse::<f64>()?),
            Lit::Bool(b) => ExprKind::Bool(b.value),
            Lit::Str(s) => ExprKind::Str(s.value()),
            _ => return Err(syn::Error::new(lit.span(), "unsupported literal")),
        };
        return Ok(Expr { kind, sp });
    }
    if input.peek(syn::token::Paren) {
        let content;
        let paren = syn::parenthesized!(content in input);
        let sp = Sp {
            start: paren.span.open(),
            end: paren.span.close(),
        };
        let mut items = Vec::new();
        let mut trailing_comma = false;
        while !content.is_empty() {
            items.push(parse_expr(&content)?);
            trailing_comma = false;
            if !content.is_empty() {
                content.parse::<Token![,]>()?;
                trailing_comma = true;
            }
        }
        if items.len() == 1 && !trailing_comma {
            let mut inner = items.remove(0);
            inner.sp = sp;
            return Ok(inner);
        }
        return Ok(Expr {
            kind: ExprKind::Tuple(items),
            sp,
        });
    }
    if input.peek(syn::token::Bracket) {
        let content;
        let bracket = syn::bracketed!(content in input);
        let sp = Sp {
            start: bracket.span.open(),
            end: bracket.span.close(),
        };
        if content.is_empty() {
            return Ok(Expr {
                kind: ExprKind::List(Vec::new()),
                sp,
            });
        }
        let first = parse_expr(&content)?;
        if content.peek(Token![for]) {
            content.parse::<Token![for]>()?;
            let var: Ident = content.parse()?;
            content.parse::<Token![in]>()?;
            let start = parse_expr(&content)?;
            content.parse::<Token![..]>()?;
            let end = parse_expr(&content)?;
            if !content.is_empty() {
                return Err(content.error("expected `]` after the comprehension's range"));
            }
            return Ok(Expr {
                kind: ExprKind::Comprehension {
                    elem: Box::new(first),
                    var,
                    start: Box::new(start),
                    end: Box::new(end),
                },
                sp,
            });
        }
        let mut items = vec![first];
        while !content.is_empty() {
            content.parse::<Token![,]>()?;
            if content.is_empty() {
                break;
            }
            items.push(parse_expr(&content)?);
        }
        return Ok(Expr {
            kind: ExprKind::List(items),
            sp,
        });
    }
    if input.peek(syn::token::Brace) {
        let content;
        let brace = syn::braced!(content in input);
        let sp = Sp {
            start: brace.span.open(),
            end: brace.span.close(),
        };
        let mut entries = Vec::new();
        while !content.is_empty() {
            let key = parse_expr(&content)?;
            content.parse::<Token![:]>()?;
            let value = parse_expr(&content)?;
            entries.push((key, value));
            if !content.is_empty() {
                content.parse::<Token![,]>()?;
            }
        }
        return Ok(Expr {
            kind: ExprKind::Dict(entries),
            sp,
        });
    }
    if input.peek(Ident::peek_any) {
        let ident = Ident::parse_any(input)?;
        let sp = Sp::one(ident.span());
        let kind = match ident.to_string().as_str() {
            "None" => ExprKind::NoneLit,
            "True" => ExprKind::Bool(true),
            "False" => ExprKind::Bool(false),
            _ => ExprKind::Name(ident),
        };
        return Ok(Expr { kind, sp });
    }
    Err(input.error("expected an expression"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse::Parser;

    fn parse(src: &str) -> Expr {
        parse_expr.parse_str(src).expect("parses")
    }

    #[test]
    fn precedence_and_calls() {
        let e = parse("x*x*y + y + 2");
        assert!(matches!(e.kind, ExprKind::Binary { op: BinOp::Add, .. }));
        let e = parse("tf.matmul(X, theta, name = \"predictions\")");
        match e.kind {
            ExprKind::Call { args, .. } => {
                assert_eq!(args.len(), 3);
                assert_eq!(
                    args[2].name.as_ref().map(|n| n.to_string()),
                    Some("name".into())
                );
            }
            _ => panic!("expected a call"),
        }
    }

    #[test]
    fn lists_comprehensions_dicts_tuples() {
        assert!(matches!(
            parse("[relu(X) for i in 0..5]").kind,
            ExprKind::Comprehension { .. }
        ));
        assert!(matches!(parse("[None, 3]").kind, ExprKind::List(v) if v.len() == 2));
        assert!(matches!(parse("{\"weights\": theta}").kind, ExprKind::Dict(v) if v.len() == 1));
        assert!(matches!(parse("(2,)").kind, ExprKind::Tuple(v) if v.len() == 1));
        assert!(matches!(parse("(2)").kind, ExprKind::Int(2)));
        assert!(matches!(
            parse("reuse == i >= 1").kind,
            ExprKind::Binary { .. }
        ));
    }
}
