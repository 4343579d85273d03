//! Error collection: every user mistake is recorded with its span and reported together.

use proc_macro2::{Span, TokenStream, TokenTree};

/// A source range: the first and last token of a construct, for spanned errors.
#[derive(Clone, Copy, Debug)]
pub struct Sp {
    pub start: Span,
    pub end: Span,
}

impl Sp {
    /// A range of one token.
    pub fn one(span: Span) -> Sp {
        Sp {
            start: span,
            end: span,
        }
    }

    /// The range from `self`'s start to `other`'s end.
    pub fn to(self, other: Sp) -> Sp {
        Sp {
            start: self.start,
            end: other.end,
        }
    }

    /// An error covering this range (stable Rust: syn joins the first and last token).
    pub fn error(self, message: impl std::fmt::Display) -> syn::Error {
        let mut tokens = TokenStream::new();
        tokens.extend([
            TokenTree::Ident(proc_macro2::Ident::new("start", self.start)),
            TokenTree::Ident(proc_macro2::Ident::new("end", self.end)),
        ]);
        syn::Error::new_spanned(tokens, message)
    }
}

/// Collects errors instead of stopping at the first one.
#[derive(Default)]
pub struct Ctxt {
    errors: Vec<syn::Error>,
}

/// Marker for "an error was recorded in the context"; callers skip the failed construct.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reported;

impl Ctxt {
    /// Records an error at `sp` and returns the marker to propagate.
    pub fn error(&mut self, sp: Sp, message: impl std::fmt::Display) -> Reported {
        self.errors.push(sp.error(message));
        Reported
    }

    /// All errors folded into one.
    pub fn into_error(self) -> Option<syn::Error> {
        let mut iter = self.errors.into_iter();
        let mut first = iter.next()?;
        for e in iter {
            first.combine(e);
        }
        Some(first)
    }
}
