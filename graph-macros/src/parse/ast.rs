//! The syntax tree of the `graph!` language; every node keeps its source range.

use crate::ctxt::Sp;
use proc_macro2::Ident;

/// A statement of a graph body or a graph `fn`.
#[derive(Clone, Debug)]
pub enum Stmt {
    /// `let NAME = EXPR;` or `let (a, b) = EXPR;`
    Let {
        names: Vec<Ident>,
        value: Expr,
        docs: Vec<syn::Attribute>,
    },
    /// `const NAME: TYPE = EXPR;`
    Const { name: Ident, value: Expr },
    /// `with SCOPE [as NAME] { ... }`
    With {
        scope: Expr,
        alias: Option<Ident>,
        body: Vec<Stmt>,
    },
    /// `for VAR in START..END { ... }`, unrolled at compile time.
    For {
        var: Ident,
        start: Expr,
        end: Expr,
        body: Vec<Stmt>,
    },
    /// `fn NAME(params) { ... }`: inlined at each call.
    Fn(std::rc::Rc<FnDef>),
    /// `return EXPR;` inside a graph `fn`.
    Return { value: Option<Expr>, sp: Sp },
    /// An expression evaluated for its effect (`scope.reuse_variables();`).
    Expr(Expr),
}

/// A graph function.
#[derive(Debug)]
pub struct FnDef {
    pub name: Ident,
    pub params: Vec<Param>,
    pub body: Vec<Stmt>,
    /// `#[add_arg_scope]` was given: `arg_scope` may set its defaults.
    pub add_arg_scope: bool,
}

/// A parameter of a graph function, with an optional default.
#[derive(Clone, Debug)]
pub struct Param {
    pub name: Ident,
    pub default: Option<Expr>,
}

/// An expression.
#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub sp: Sp,
}

/// Binary operators of the language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
}

/// Unary operators of the language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
}

/// The kinds of expression.
#[derive(Clone, Debug)]
pub enum ExprKind {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
    NoneLit,
    Name(Ident),
    /// `base.name`
    Attr {
        base: Box<Expr>,
        name: Ident,
    },
    /// `func(args)`
    Call {
        func: Box<Expr>,
        args: Vec<Arg>,
    },
    /// `base[index]`
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
    },
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Unary {
        op: UnOp,
        expr: Box<Expr>,
    },
    List(Vec<Expr>),
    /// `[elem for var in start..end]`
    Comprehension {
        elem: Box<Expr>,
        var: Ident,
        start: Box<Expr>,
        end: Box<Expr>,
    },
    Tuple(Vec<Expr>),
    /// `{"key": value, ...}`
    Dict(Vec<(Expr, Expr)>),
}

/// A call argument, positional or `key = value`.
#[derive(Clone, Debug)]
pub struct Arg {
    pub name: Option<Ident>,
    pub value: Expr,
}

impl BinOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::And => "&&",
            BinOp::Or => "||",
        }
    }
}
