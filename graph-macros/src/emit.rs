//! Code generation: the graph type with typed handle fields and its static plan.

use crate::analyse::graph::{GraphB, Member};
use crate::analyse::value::Value;
use crate::analyse::{Analysed, Field};
use crate::parse::GraphInput;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use staticflow_ir::op::{AssignMode, Padding};
use staticflow_ir::{ApplyKind, BinaryOp, ConstValue, DType, Op, RandomDist, ReduceKind, UnaryOp};

/// Emits the graph type, or on errors the errors plus a stub type (fail soft).
pub fn emit(input: &GraphInput, analysed: Analysed) -> TokenStream {
    let Analysed {
        graph,
        fields,
        error,
    } = analysed;
    let fields: Vec<(Field, TokenStream, TokenStream)> = fields
        .into_iter()
        .filter_map(|f| {
            let (ty, init) = handle(&graph, &f.value)?;
            Some((f, ty, init))
        })
        .collect();
    let attrs = &input.attrs;
    let vis = &input.vis;
    let name = &input.name;
    let field_defs = fields.iter().map(|(f, ty, _)| {
        let ident = &f.ident;
        let docs = &f.docs;
        quote! { #(#docs)* pub #ident: #ty }
    });
    let struct_def = quote! {
        #(#attrs)*
        #[allow(non_snake_case)]
        #vis struct #name {
            #(#field_defs,)*
            __graph: ::staticflow::Graph,
        }
    };
    let param_args: Vec<TokenStream> = input
        .params
        .iter()
        .map(|p| {
            let (pname, elem) = (&p.name, &p.elem);
            let d = dim_type(p.dims.len());
            quote!(#pname: ::staticflow::ndarray::ArrayView<'_, #elem, #d>)
        })
        .collect();
    if let Some(err) = error {
        // Fail soft: keep the type and its constructor's signature so the user's code
        // that uses them type-checks and only the graph's own errors are reported.
        let err = err.into_compile_error();
        let ret = if input.params.is_empty() {
            quote!(Self)
        } else {
            quote!(::core::result::Result<Self, ::staticflow::Error>)
        };
        return quote! {
            #err
            #struct_def
            impl #name {
                /// Not built: the graph has errors.
                #[allow(unused_variables)]
                pub fn new(#(#param_args),*) -> #ret { ::core::unreachable!() }
            }
        };
    }
    let plan = plan_tokens(&graph, &name.to_string());
    let inits = fields.iter().map(|(f, _, init)| {
        let ident = &f.ident;
        quote! { #ident: #init }
    });
    if !input.params.is_empty() {
        let args = &param_args;
        let fills = input.params.iter().zip(&graph.params).map(|(p, node)| {
            let pname = &p.name;
            let shape = shape_tokens(&graph.nodes[*node as usize].ty.shape);
            let tensor = format!("{}:0", graph.nodes[*node as usize].name);
            quote!(::staticflow::ParamValue::new(#node, #tensor, #shape, #pname)?)
        });
        return quote! {
            #struct_def

            #[automatically_derived]
            impl #name {
                /// Builds the graph with its run-time parameters.
                ///
                /// # Errors
                /// A parameter whose shape does not fit the declared dims.
                #[allow(clippy::all)]
                pub fn new(#(#args),*) -> ::core::result::Result<Self, ::staticflow::Error> {
                    #plan
                    let __params = ::std::vec![#(#fills),*];
                    ::core::result::Result::Ok(#name {
                        #(#inits,)*
                        __graph: ::staticflow::Graph::with_params(&__STATIC_GRAPH, __params),
                    })
                }
            }

            #[automatically_derived]
            impl ::staticflow::AsGraph for #name {
                fn as_graph(&self) -> &::staticflow::Graph {
                    &self.__graph
                }
            }
        };
    }
    quote! {
        #struct_def

        #[automatically_derived]
        impl #name {
            /// Builds the graph. Nothing is computed: the plan is static data.
            #[allow(clippy::all)]
            pub fn new() -> Self {
                #plan
                #name {
                    #(#inits,)*
                    __graph: ::staticflow::Graph::from_static(&__STATIC_GRAPH),
                }
            }
        }

        #[automatically_derived]
        impl ::core::default::Default for #name {
            fn default() -> Self {
                Self::new()
            }
        }

        #[automatically_derived]
        impl ::staticflow::AsGraph for #name {
            fn as_graph(&self) -> &::staticflow::Graph {
                &self.__graph
            }
        }
    }
}

fn elem_type(d: DType) -> TokenStream {
    match d {
        DType::Float32 => quote!(f32),
        DType::Float64 => quote!(f64),
        DType::Int32 => quote!(i32),
        DType::Int64 => quote!(i64),
        DType::Bool => quote!(bool),
    }
}

fn dim_type(rank: usize) -> TokenStream {
    let ix = match rank {
        0..=6 => format_ident!("Ix{}", rank),
        _ => format_ident!("IxDyn"),
    };
    quote!(::staticflow::ndarray::#ix)
}

fn shape_tokens(shape: &[Option<usize>]) -> TokenStream {
    let dims = shape.iter().map(|d| match d {
        Some(n) => quote!(::core::option::Option::Some(#n)),
        None => quote!(::core::option::Option::None),
    });
    quote!(&[#(#dims),*])
}

/// The field type and initializer of a value, or `None` for values that are not fields.
fn handle(g: &GraphB, v: &Value) -> Option<(TokenStream, TokenStream)> {
    Some(match v {
        Value::Tensor(n) if g.nodes[*n as usize].op.is_summary() => {
            let node = &g.nodes[*n as usize];
            let tensor_name = format!("{}:0", node.name);
            let n = *n;
            (
                quote!(::staticflow::Summary),
                quote!(::staticflow::Summary::__new(__gid, #n, #tensor_name)),
            )
        }
        Value::Tensor(n) => {
            let node = &g.nodes[*n as usize];
            let (t, d) = (elem_type(node.ty.dtype), dim_type(node.ty.shape.len()));
            let n = *n;
            let tensor_name = format!("{}:0", node.name);
            let op_name = &node.name;
            let shape = shape_tokens(&node.ty.shape);
            (
                quote!(::staticflow::Tensor<#t, #d>),
                quote!(::staticflow::Tensor::__new(__gid, #n, #tensor_name, #op_name, #shape)),
            )
        }
        Value::Variable(i) => {
            let var = &g.vars[*i];
            let node = &g.nodes[var.node as usize];
            let (t, d) = (elem_type(node.ty.dtype), dim_type(node.ty.shape.len()));
            let (vn, read, init) = (var.node, var.read, var.init);
            let tensor_name = format!("{}:0", node.name);
            let op_name = &node.name;
            let init_name = &g.nodes[init as usize].name;
            let shape = shape_tokens(&node.ty.shape);
            let index = *i as u32;
            (
                quote!(::staticflow::Variable<#t, #d>),
                quote!(::staticflow::Variable::__new(
                    ::staticflow::Tensor::__new(__gid, #vn, #tensor_name, #op_name, #shape),
                    #read,
                    ::staticflow::Operation::__new(__gid, #init, #init_name),
                    #index
                )),
            )
        }
        Value::NoGradient(x) => {
            // `None` from `gradients`: typed like the x it is the gradient of.
            let node = &g.nodes[*x as usize];
            let (t, d) = (elem_type(node.ty.dtype), dim_type(node.ty.shape.len()));
            (
                quote!(::core::option::Option<::staticflow::Tensor<#t, #d>>),
                quote!(::core::option::Option::None),
            )
        }
        Value::Operation(n) => {
            let name = &g.nodes[*n as usize].name;
            let n = *n;
            (
                quote!(::staticflow::Operation),
                quote!(::staticflow::Operation::__new(__gid, #n, #name)),
            )
        }
        Value::List(items) | Value::Tuple(items) => {
            let parts: Vec<(TokenStream, TokenStream)> =
                items.iter().map(|i| handle(g, i)).collect::<Option<_>>()?;
            let is_list = matches!(v, Value::List(_));
            let homogeneous = parts
                .windows(2)
                .all(|w| w[0].0.to_string() == w[1].0.to_string());
            let inits = parts.iter().map(|(_, i)| i);
            let tensors = items
                .iter()
                .map(|i| any_tensor(g, i))
                .collect::<Option<Vec<TokenStream>>>();
            if is_list && !homogeneous {
                if let Some(inits) = tensors {
                    // Tensors and variables of different types: erase them.
                    let n = inits.len();
                    return Some((quote!([::staticflow::AnyTensor; #n]), quote!([#(#inits),*])));
                }
            }
            if is_list && homogeneous && !parts.is_empty() {
                let ty = &parts[0].0;
                let n = parts.len();
                (quote!([#ty; #n]), quote!([#(#inits),*]))
            } else {
                let tys = parts.iter().map(|(t, _)| t);
                (quote!((#(#tys,)*)), quote!((#(#inits,)*)))
            }
        }
        Value::Saver(spec) => {
            let entries = spec.entries.iter().map(|(name, v)| {
                let slot = *v as u32;
                quote!((#name, #slot))
            });
            let keep = spec.max_to_keep;
            (
                quote!(::staticflow::Saver),
                quote!(::staticflow::Saver::__new(__gid, &[#(#entries),*], #keep)),
            )
        }
        Value::Int(i) => (quote!(i64), quote!(#i)),
        Value::Float(f) if f.is_finite() => (quote!(f64), quote!(#f)),
        Value::Bool(b) => (quote!(bool), quote!(#b)),
        Value::Str(s) | Value::NameScope(s) => (quote!(&'static str), quote!(#s)),
        _ => return None,
    })
}

/// A tensor or variable as a dynamically typed handle (a variable reads its value and
/// keeps its own name).
fn any_tensor(g: &GraphB, v: &Value) -> Option<TokenStream> {
    let (fetch, named) = match v {
        Value::Tensor(n) => (*n, *n),
        Value::Variable(i) => (g.vars[*i].read, g.vars[*i].node),
        _ => return None,
    };
    let node = &g.nodes[named as usize];
    let name = &node.name;
    let dtype = dtype_tokens(node.ty.dtype);
    let shape = shape_tokens(&node.ty.shape);
    Some(quote!(::staticflow::AnyTensor::__from_parts(__gid, #fetch, #name, #dtype, #shape)))
}

/// A float literal token of type `ty`, or its non-finite constant (`f32::NAN`, ...).
fn float_lit(v: f64, ty: TokenStream, literal: Literal) -> TokenStream {
    if v.is_nan() {
        quote!(#ty::NAN)
    } else if v.is_infinite() && v > 0.0 {
        quote!(#ty::INFINITY)
    } else if v.is_infinite() {
        quote!(#ty::NEG_INFINITY)
    } else {
        quote!(#literal)
    }
}

fn f32_lit(v: f32) -> TokenStream {
    // `f32_suffixed` panics on non-finite values: only build it for finite ones.
    let literal = Literal::f32_suffixed(if v.is_finite() { v } else { 0.0 });
    float_lit(f64::from(v), quote!(f32), literal)
}

fn f64_lit(v: f64) -> TokenStream {
    let literal = Literal::f64_suffixed(if v.is_finite() { v } else { 0.0 });
    float_lit(v, quote!(f64), literal)
}

fn dtype_tokens(d: DType) -> TokenStream {
    let v = match d {
        DType::Float32 => format_ident!("Float32"),
        DType::Float64 => format_ident!("Float64"),
        DType::Int32 => format_ident!("Int32"),
        DType::Int64 => format_ident!("Int64"),
        DType::Bool => format_ident!("Bool"),
    };
    quote!(::staticflow::__private::DType::#v)
}

fn const_tokens(c: &ConstValue) -> TokenStream {
    let p = quote!(::staticflow::__private);
    match c {
        ConstValue::Float32(v) => {
            let items = v.iter().map(|x| f32_lit(*x));
            quote!(#p::ConstValue::Float32(#p::Cow::Borrowed(&[#(#items),*])))
        }
        ConstValue::Float64(v) => {
            let items = v.iter().map(|x| f64_lit(*x));
            quote!(#p::ConstValue::Float64(#p::Cow::Borrowed(&[#(#items),*])))
        }
        ConstValue::Int32(v) => {
            let items = v.iter();
            quote!(#p::ConstValue::Int32(#p::Cow::Borrowed(&[#(#items),*])))
        }
        ConstValue::Int64(v) => {
            let items = v.iter();
            quote!(#p::ConstValue::Int64(#p::Cow::Borrowed(&[#(#items),*])))
        }
        ConstValue::Bool(v) => {
            let items = v.iter();
            quote!(#p::ConstValue::Bool(#p::Cow::Borrowed(&[#(#items),*])))
        }
    }
}

fn op_tokens(op: &Op) -> TokenStream {
    let p = quote!(::staticflow::__private);
    match op {
        Op::Const(c) => {
            let c = const_tokens(c);
            quote!(#p::Op::Const(#c))
        }
        Op::Placeholder => quote!(#p::Op::Placeholder),
        Op::PlaceholderWithDefault => quote!(#p::Op::PlaceholderWithDefault),
        Op::Variable { slot } => quote!(#p::Op::Variable { slot: #slot }),
        Op::Assign { slot, mode } => {
            let m = match mode {
                AssignMode::Set => format_ident!("Set"),
                AssignMode::Add => format_ident!("Add"),
                AssignMode::Sub => format_ident!("Sub"),
            };
            quote!(#p::Op::Assign { slot: #slot, mode: #p::AssignMode::#m })
        }
        Op::Identity => quote!(#p::Op::Identity),
        Op::Unary(u) => {
            let v = format_ident!("{}", unary_name(*u));
            quote!(#p::Op::Unary(#p::UnaryOp::#v))
        }
        Op::Binary(b) => {
            let v = format_ident!("{}", binary_name(*b));
            quote!(#p::Op::Binary(#p::BinaryOp::#v))
        }
        Op::MatMul {
            transpose_a,
            transpose_b,
        } => quote!(#p::Op::MatMul { transpose_a: #transpose_a, transpose_b: #transpose_b }),
        Op::Transpose { perm } => {
            let perm = perm.iter();
            quote!(#p::Op::Transpose { perm: #p::Cow::Borrowed(&[#(#perm),*]) })
        }
        Op::Reshape { shape } => {
            let shape = shape.iter();
            quote!(#p::Op::Reshape { shape: #p::Cow::Borrowed(&[#(#shape),*]) })
        }
        Op::Concat { axis } => quote!(#p::Op::Concat { axis: #axis }),
        Op::MatrixInverse => quote!(#p::Op::MatrixInverse),
        Op::Reduce {
            kind,
            axes,
            keep_dims,
        } => {
            let k = reduce_name(*kind);
            let axes = axes.iter();
            quote!(#p::Op::Reduce {
                kind: #p::ReduceKind::#k,
                axes: #p::Cow::Borrowed(&[#(#axes),*]),
                keep_dims: #keep_dims,
            })
        }
        Op::AddN => quote!(#p::Op::AddN),
        Op::Softmax => quote!(#p::Op::Softmax),
        Op::Cast => quote!(#p::Op::Cast),
        Op::ArgMax { axis } => quote!(#p::Op::ArgMax { axis: #axis }),
        Op::Random {
            dist,
            seed,
            seed2,
            a,
            b,
        } => {
            let d = match dist {
                RandomDist::Uniform => format_ident!("Uniform"),
                RandomDist::Normal => format_ident!("Normal"),
                RandomDist::TruncatedNormal => format_ident!("TruncatedNormal"),
            };
            let (a, b) = (f64_lit(*a), f64_lit(*b));
            quote!(#p::Op::Random { dist: #p::RandomDist::#d, seed: #seed, seed2: #seed2, a: #a, b: #b })
        }
        Op::Fill { value } => {
            let v = f64_lit(*value);
            quote!(#p::Op::Fill { value: #v })
        }
        Op::NoOp => quote!(#p::Op::NoOp),
        Op::OnesLike => quote!(#p::Op::OnesLike),
        Op::StopGradient => quote!(#p::Op::StopGradient),
        Op::SumToShape => quote!(#p::Op::SumToShape),
        Op::ReshapeLike => quote!(#p::Op::ReshapeLike),
        Op::UnaryGrad(u) => {
            let v = format_ident!("{}", unary_name(*u));
            quote!(#p::Op::UnaryGrad(#p::UnaryOp::#v))
        }
        Op::BinaryGrad { op, wrt } => {
            let v = format_ident!("{}", binary_name(*op));
            quote!(#p::Op::BinaryGrad { op: #p::BinaryOp::#v, wrt: #wrt })
        }
        Op::ReduceGrad {
            kind,
            axes,
            keep_dims,
        } => {
            let k = reduce_name(*kind);
            let axes = axes.iter();
            quote!(#p::Op::ReduceGrad {
                kind: #p::ReduceKind::#k,
                axes: #p::Cow::Borrowed(&[#(#axes),*]),
                keep_dims: #keep_dims,
            })
        }
        Op::SoftmaxGrad => quote!(#p::Op::SoftmaxGrad),
        Op::LogSoftmax => quote!(#p::Op::LogSoftmax),
        Op::LogSoftmaxGrad => quote!(#p::Op::LogSoftmaxGrad),
        Op::ConcatGrad { axis, index } => {
            quote!(#p::Op::ConcatGrad { axis: #axis, index: #index })
        }
        Op::BiasAdd => quote!(#p::Op::BiasAdd),
        Op::BiasAddGrad => quote!(#p::Op::BiasAddGrad),
        Op::SoftmaxCrossEntropy => quote!(#p::Op::SoftmaxCrossEntropy),
        Op::SoftmaxCrossEntropyGrad => quote!(#p::Op::SoftmaxCrossEntropyGrad),
        Op::SparseSoftmaxCrossEntropy => quote!(#p::Op::SparseSoftmaxCrossEntropy),
        Op::SparseSoftmaxCrossEntropyGrad => quote!(#p::Op::SparseSoftmaxCrossEntropyGrad),
        Op::SigmoidCrossEntropy => quote!(#p::Op::SigmoidCrossEntropy),
        Op::SigmoidCrossEntropyGrad => quote!(#p::Op::SigmoidCrossEntropyGrad),
        Op::L2Loss => quote!(#p::Op::L2Loss),
        Op::DropoutMask { rate, seed, seed2 } => {
            let rate = f64_lit(*rate);
            quote!(#p::Op::DropoutMask { rate: #rate, seed: #seed, seed2: #seed2 })
        }
        Op::ScalarSummary { tag } => {
            let tag = tag.as_ref();
            quote!(#p::Op::ScalarSummary { tag: #p::Cow::Borrowed(#tag) })
        }
        Op::HistogramSummary { tag } => {
            let tag = tag.as_ref();
            quote!(#p::Op::HistogramSummary { tag: #p::Cow::Borrowed(#tag) })
        }
        Op::MergeSummary => quote!(#p::Op::MergeSummary),
        Op::Conv2D { strides, padding } => {
            let (s, pad) = (pair_tokens(*strides), padding_tokens(*padding));
            quote!(#p::Op::Conv2D { strides: #s, padding: #pad })
        }
        Op::Conv2DBackpropInput { strides, padding } => {
            let (s, pad) = (pair_tokens(*strides), padding_tokens(*padding));
            quote!(#p::Op::Conv2DBackpropInput { strides: #s, padding: #pad })
        }
        Op::Conv2DBackpropFilter { strides, padding } => {
            let (s, pad) = (pair_tokens(*strides), padding_tokens(*padding));
            quote!(#p::Op::Conv2DBackpropFilter { strides: #s, padding: #pad })
        }
        Op::MaxPool {
            ksize,
            strides,
            padding,
        } => {
            let (k, s, pad) = pool_tokens(*ksize, *strides, *padding);
            quote!(#p::Op::MaxPool { ksize: #k, strides: #s, padding: #pad })
        }
        Op::MaxPoolGrad {
            ksize,
            strides,
            padding,
        } => {
            let (k, s, pad) = pool_tokens(*ksize, *strides, *padding);
            quote!(#p::Op::MaxPoolGrad { ksize: #k, strides: #s, padding: #pad })
        }
        Op::AvgPool {
            ksize,
            strides,
            padding,
        } => {
            let (k, s, pad) = pool_tokens(*ksize, *strides, *padding);
            quote!(#p::Op::AvgPool { ksize: #k, strides: #s, padding: #pad })
        }
        Op::AvgPoolGrad {
            ksize,
            strides,
            padding,
        } => {
            let (k, s, pad) = pool_tokens(*ksize, *strides, *padding);
            quote!(#p::Op::AvgPoolGrad { ksize: #k, strides: #s, padding: #pad })
        }
        Op::Apply(kind) => {
            let k = match kind {
                ApplyKind::GradientDescent => quote!(GradientDescent),
                ApplyKind::Momentum { nesterov } => quote!(Momentum { nesterov: #nesterov }),
                ApplyKind::Adam => quote!(Adam),
                ApplyKind::RMSProp => quote!(RMSProp),
                ApplyKind::Adagrad => quote!(Adagrad),
            };
            quote!(#p::Op::Apply(#p::ApplyKind::#k))
        }
    }
}

/// `[a, b]` of a window op's `strides` or `ksize` (`usize` literals).
fn pair_tokens([a, b]: [usize; 2]) -> TokenStream {
    quote!([#a, #b])
}

/// `Padding::Same` or `Padding::Valid` through the facade's private re-exports.
fn padding_tokens(padding: Padding) -> TokenStream {
    let p = quote!(::staticflow::__private);
    match padding {
        Padding::Same => quote!(#p::Padding::Same),
        Padding::Valid => quote!(#p::Padding::Valid),
    }
}

/// The `ksize`, `strides` and `padding` tokens of a pooling op.
fn pool_tokens(
    ksize: [usize; 2],
    strides: [usize; 2],
    padding: Padding,
) -> (TokenStream, TokenStream, TokenStream) {
    (
        pair_tokens(ksize),
        pair_tokens(strides),
        padding_tokens(padding),
    )
}

fn reduce_name(kind: ReduceKind) -> proc_macro2::Ident {
    match kind {
        ReduceKind::Sum => format_ident!("Sum"),
        ReduceKind::Mean => format_ident!("Mean"),
        ReduceKind::Max => format_ident!("Max"),
    }
}

fn unary_name(u: UnaryOp) -> &'static str {
    match u {
        UnaryOp::Neg => "Neg",
        UnaryOp::Square => "Square",
        UnaryOp::Sqrt => "Sqrt",
        UnaryOp::Exp => "Exp",
        UnaryOp::Log => "Log",
        UnaryOp::Abs => "Abs",
        UnaryOp::Relu => "Relu",
        UnaryOp::Sigmoid => "Sigmoid",
        UnaryOp::Tanh => "Tanh",
    }
}

fn binary_name(b: BinaryOp) -> &'static str {
    match b {
        BinaryOp::AddV2 => "AddV2",
        BinaryOp::Add => "Add",
        BinaryOp::Sub => "Sub",
        BinaryOp::Mul => "Mul",
        BinaryOp::RealDiv => "RealDiv",
        BinaryOp::Pow => "Pow",
        BinaryOp::Maximum => "Maximum",
        BinaryOp::Minimum => "Minimum",
        BinaryOp::Equal => "Equal",
    }
}

/// The `static` items of the plan: nodes, variables, collections.
fn plan_tokens(g: &GraphB, type_name: &str) -> TokenStream {
    let p = quote!(::staticflow::__private);
    let nodes = g.nodes.iter().map(|n| {
        let name = &n.name;
        let op = op_tokens(&n.op);
        let inputs = n.inputs.iter().map(|r| {
            let (node, index) = (r.node, r.index);
            quote!(#p::OutputRef { node: #node, index: #index })
        });
        let control = n.control.iter();
        let dtype = dtype_tokens(n.ty.dtype);
        let shape = shape_tokens(&n.ty.shape);
        quote! {
            #p::Node {
                name: #p::Cow::Borrowed(#name),
                op: #op,
                inputs: #p::Cow::Borrowed(&[#(#inputs),*]),
                control_inputs: #p::Cow::Borrowed(&[#(#control),*]),
                dtype: #dtype,
                shape: #p::Cow::Borrowed(#shape),
            }
        }
    });
    let count = g.nodes.len();
    let vars = g.vars.iter().map(|v| {
        let name = &v.name;
        let (node, read, init, trainable) = (v.node, v.read, v.init, v.trainable);
        quote! {
            #p::VariableDef { name: #name, node: #node, read: #read, initializer: #init, trainable: #trainable }
        }
    });
    let collections = g.collections.iter().map(|(key, members)| {
        let members = members.iter().map(|m| match m {
            Member::Variable(v) => {
                let v = *v as u32;
                quote!(#p::MemberRef::Variable(#v))
            }
            Member::Tensor(n) => quote!(#p::MemberRef::Tensor(#n)),
            Member::Operation(n) => quote!(#p::MemberRef::Operation(#n)),
        });
        quote!(#p::CollectionDef { key: #key, members: &[#(#members),*] })
    });
    quote! {
        static __NODES: [#p::Node; #count] = [#(#nodes),*];
        static __STATIC_GRAPH: #p::StaticGraph = #p::StaticGraph {
            type_name: #type_name,
            nodes: &__NODES,
            variables: &[#(#vars),*],
            collections: &[#(#collections),*],
        };
        // The identity every handle of this graph carries (checked by sessions).
        let __gid = ::staticflow::GraphId::__of(&__STATIC_GRAPH);
    }
}
