//! Time of one `graph!` expansion (parse → analyse → emit, the function the proc
//! macro calls) of a realistic graph of about 100 ops, outside the compiler.
//!
//! `cargo bench -p staticflow-macros --bench expansion [-- --quick]`
//!
//! A proc-macro crate cannot be linked by a bench, so the macro's modules are compiled
//! into this binary by path; their `crate::` paths resolve against the modules below.
//! The graph: two placeholders, ten `name_scope`d ReLU layers (variables from
//! `random_normal` and `zeros`, matmul, add), an MSE plus L2 loss (reductions,
//! `add_n`), `gradients` of it and Adam's `minimize`. Prints the first run (what a
//! compiler pays: each `graph!` runs once) and the median and max of the runs.
//! Run without cargo's `--bench` flag (`cargo test --benches`), it does a `--quick`
//! smoke run.

// Cargo builds benches with `cfg(test)`, so the modules' unit-test modules compile
// here too, without their `#[test]` functions: their helpers and imports go unused.
// The library build lints these modules in full.
#[allow(unused_imports, dead_code)]
#[path = "../src/analyse/mod.rs"]
mod analyse;
#[path = "../src/ctxt.rs"]
mod ctxt;
#[path = "../src/emit.rs"]
mod emit;
#[path = "../src/expansion.rs"]
mod expansion;
#[allow(unused_imports, dead_code)]
#[path = "../src/parse/mod.rs"]
mod parse;

use proc_macro2::TokenStream;
use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

/// Hidden layers of the generated graph.
const LAYERS: usize = 10;
/// Width of every layer.
const WIDTH: usize = 64;

/// The macro input of the benchmark graph, and how many ops its source writes
/// (op calls and arithmetic operators; the gradient and Adam ops `minimize` adds
/// are not counted).
fn graph_source() -> (String, usize) {
    let mut s = String::new();
    let mut ops = 0;
    let mut line = |s: &mut String, text: String, n: usize| {
        s.push_str(&text);
        s.push('\n');
        ops += n;
    };
    line(
        &mut s,
        "/// A deep ReLU MLP with an L2 penalty, trained by Adam.".into(),
        0,
    );
    line(&mut s, "pub struct Deep {".into(), 0);
    line(&mut s, "set_random_seed(42);".into(), 0);
    for name in ["X", "y"] {
        let text = format!(
            "let {name} = placeholder(float32, shape = [None, {WIDTH}], name = \"{name}\");"
        );
        line(&mut s, text, 1);
    }
    let mut input = "X".to_string();
    for l in 0..LAYERS {
        line(&mut s, format!("with name_scope(\"layer{l}\") {{"), 0);
        let w = format!(
            "let W{l} = Variable(random_normal([{WIDTH}, {WIDTH}], stddev = 0.1), name = \"W\");"
        );
        line(&mut s, w, 2);
        line(
            &mut s,
            format!("let b{l} = Variable(zeros([{WIDTH}]), name = \"b\");"),
            2,
        );
        line(
            &mut s,
            format!("let h{l} = relu(matmul({input}, W{l}) + b{l});"),
            3,
        );
        line(&mut s, "}".into(), 0);
        input = format!("h{l}");
    }
    let weights: Vec<String> = (0..LAYERS).map(|l| format!("W{l}")).collect();
    let penalties: Vec<String> = weights
        .iter()
        .map(|w| format!("reduce_sum(square({w}))"))
        .collect();
    line(&mut s, "with name_scope(\"loss\") {".into(), 0);
    let mse = format!("let mse = reduce_mean(square({input} - y), name = \"mse\");");
    line(&mut s, mse, 3);
    let l2 = format!("let l2 = add_n([{}]);", penalties.join(", "));
    line(&mut s, l2, 2 * LAYERS + 1);
    line(&mut s, "let loss = mse + 0.001 * l2;".into(), 2);
    line(&mut s, "}".into(), 0);
    let grads = format!("let grads = gradients(loss, [{}]);", weights.join(", "));
    line(&mut s, grads, 1);
    let train = "let train_op = train.AdamOptimizer(0.001).minimize(loss);";
    line(&mut s, train.into(), 1);
    line(
        &mut s,
        "let init = global_variables_initializer();".into(),
        1,
    );
    line(&mut s, "}".into(), 0);
    (s, ops)
}

fn main() -> ExitCode {
    let mut quick = false;
    let mut from_cargo_bench = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--bench" => from_cargo_bench = true,
            "--quick" => quick = true,
            other => {
                eprintln!("error: unknown argument {other}; usage: expansion [--quick]");
                return ExitCode::FAILURE;
            }
        }
    }
    if !from_cargo_bench && !quick {
        println!("(not run by `cargo bench`: smoke run, as with --quick)");
        quick = true;
    }
    let runs = if quick { 3 } else { 20 };

    let (source, ops) = graph_source();
    let input: TokenStream = source.parse().expect("the generated source tokenizes");
    // Timed first, so that the first run is as cold as the compiler's one call.
    let mut ms = Vec::with_capacity(runs);
    let mut out_len = 0;
    for _ in 0..runs {
        let input = black_box(input.clone());
        let start = Instant::now();
        let out = expansion::expand(input);
        ms.push(start.elapsed().as_secs_f64() * 1e3);
        out_len = black_box(out).to_string().len();
    }
    let parsed: parse::GraphInput = syn::parse2(input.clone()).expect("the graph parses");
    let analysed = analyse::analyse(&parsed);
    if let Some(e) = &analysed.error {
        eprintln!("error: the benchmark graph does not build: {e}");
        return ExitCode::FAILURE;
    }
    let nodes = analysed.graph.nodes.len();

    let first = ms[0];
    ms.sort_by(f64::total_cmp);
    let median = if runs % 2 == 1 {
        ms[runs / 2]
    } else {
        0.5 * (ms[runs / 2 - 1] + ms[runs / 2])
    };
    let max = ms[runs - 1];

    println!(
        "graph! expansion of a {ops}-op source ({nodes} nodes once `gradients` and Adam \
         are added; {out_len} bytes of expanded code)"
    );
    println!(
        "first run {first:.2} ms, median {median:.2} ms, max {max:.2} ms over {runs} runs \
         (budget: 50 ms)"
    );
    ExitCode::SUCCESS
}
