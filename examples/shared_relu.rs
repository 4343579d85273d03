//! Seed 001 "Modularity" and "Sharing Variables": five ReLUs without and with a name
//! scope (their graphs go to `logs/relu1` and `logs/relu2` for TensorBoard, as in the
//! seed), then three ways of sharing one threshold variable.
//!
//! `cargo run --release --example shared_relu [-- --logdir DIR]` (default `logs`).

use staticflow::ndarray::array;
use staticflow::prelude::*;
use staticflow::summary::FileWriter;

graph! {
    /// "Modularity": five ReLUs from a function, no name scope (`logs/relu1`).
    pub struct Relu1 {
        const n_features = 3;
        fn relu(X) {
            let w_shape = (int(X.get_shape()[1]), 1);
            let w = Variable(random_normal(w_shape), name = "weights");
            let b = Variable(0.0, name = "bias");
            let z = add(matmul(X, w), b, name = "z");
            return maximum(z, 0.0, name = "relu");
        }
        let X = placeholder(float32, shape = (None, n_features), name = "X");
        let relus = [relu(X) for i in 0..5];
        let output = add_n(relus, name = "output");
    }
}

graph! {
    /// The same under `name_scope("relu")`: TensorBoard folds each ReLU (`logs/relu2`).
    pub struct Relu2 {
        const n_features = 3;
        fn relu(X) {
            with name_scope("relu") {
                let w_shape = (int(X.get_shape()[1]), 1);
                let w = Variable(random_normal(w_shape), name = "weights");
                let b = Variable(0.0, name = "bias");
                let z = add(matmul(X, w), b, name = "z");
                return maximum(z, 0.0, name = "max");
            }
        }
        let X = placeholder(float32, shape = (None, n_features), name = "X");
        let relus = [relu(X) for i in 0..5];
        let output = add_n(relus, name = "output");
    }
}

graph! {
    /// The threshold is created first and passed to each call.
    pub struct PassedIn {
        const n_features = 3;
        fn relu(X, threshold) {
            with name_scope("relu") {
                let w_shape = (int(X.get_shape()[1]), 1);
                let w = Variable(random_normal(w_shape), name = "weights");
                let b = Variable(0.0, name = "bias");
                let z = add(matmul(X, w), b, name = "z");
                return maximum(z, threshold, name = "max");
            }
        }
        let threshold = Variable(0.0, name = "threshold");
        let X = placeholder(float32, shape = (None, n_features), name = "X");
        let relus = [relu(X, threshold) for i in 0..5];
        let output = add_n(relus, name = "output");
        let init = global_variables_initializer();
    }
}

graph! {
    /// Created by `get_variable` first, reused inside the function.
    pub struct ReuseInside {
        const n_features = 3;
        fn relu(X) {
            with variable_scope("relu", reuse = True) {
                let threshold = get_variable("threshold");
                let w_shape = (int(X.get_shape()[1]), 1);
                let w = Variable(random_normal(w_shape), name = "weights");
                let b = Variable(0.0, name = "bias");
                let z = add(matmul(X, w), b, name = "z");
                return maximum(z, threshold, name = "max");
            }
        }
        let X = placeholder(float32, shape = (None, n_features), name = "X");
        with variable_scope("relu") {
            let threshold = get_variable("threshold", shape = (), initializer = constant_initializer(0.0));
        }
        let relus = [relu(X) for relu_index in 0..5];
        let output = add_n(relus, name = "output");
        let init = global_variables_initializer();
    }
}

graph! {
    /// Created by the first call (`reuse = False`), reused by the others.
    pub struct ReuseInLoop {
        const n_features = 3;
        fn relu(X) {
            let threshold = get_variable("threshold", shape = (), initializer = constant_initializer(0.0));
            let w_shape = (int(X.get_shape()[1]), 1);
            let w = Variable(random_normal(w_shape), name = "weights");
            let b = Variable(0.0, name = "bias");
            let z = add(matmul(X, w), b, name = "z");
            return maximum(z, threshold, name = "max");
        }
        let X = placeholder(float32, shape = (None, n_features), name = "X");
        let relus = [];
        for relu_index in 0..5 {
            with variable_scope("relu", reuse = (relu_index >= 1)) as scope {
                let relus = relus + [relu(X)];
            }
        }
        let output = add_n(relus, name = "output");
        let init = global_variables_initializer();
    }
}

/// Prints the variables and ReLU outputs of one variant and runs it on two rows.
macro_rules! show {
    ($title:expr, $g:expr) => {{
        let g = $g;
        println!("{}", $title);
        println!("  variables: {}", g.as_graph().variable_names().join(", "));
        let names: Vec<&str> = g.relus.iter().map(|r| r.op_name()).collect();
        println!("  relus: {}", names.join(", "));
        let mut sess = Session::new(&g);
        sess.run(&g.init, feed![])?;
        let out = sess.run(&g.output, feed![g.X => &array![[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]]])?;
        println!("  output: {}", out.t());
    }};
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let logdir = match args.as_slice() {
        [] => std::path::PathBuf::from("logs"),
        [flag, dir] if flag == "--logdir" => std::path::PathBuf::from(dir),
        _ => return Err("usage: shared_relu [--logdir DIR]".into()),
    };
    for (name, graph) in [
        ("relu1", Relu1::new().as_graph().clone()),
        ("relu2", Relu2::new().as_graph().clone()),
    ] {
        let writer = FileWriter::new(logdir.join(name), Some(&graph))?;
        println!("graph written to {}", writer.path().display());
        writer.close()?;
    }
    show!("threshold passed in:", PassedIn::new());
    show!(
        "variable_scope(\"relu\", reuse=True) inside relu():",
        ReuseInside::new()
    );
    show!("reuse=(relu_index >= 1) in a loop:", ReuseInLoop::new());
    Ok(())
}
