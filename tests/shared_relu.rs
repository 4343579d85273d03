//! Seed 001 "Modularity" and "Sharing Variables": five ReLUs and one shared threshold.

use staticflow::ndarray::array;
use staticflow::prelude::*;

graph! {
    /// The threshold is created first and passed in.
    pub struct PassedIn {
        const n_features = 3;
        fn relu(X, threshold) {
            with name_scope("relu") {
                let w_shape = (int(X.get_shape()[1]), 1);
                let w = Variable(random_normal(w_shape, seed = 1), name = "weights");
                let b = Variable(0.0, name = "bias");
                let z = tf.add(tf.matmul(X, w), b, name = "z");
                return tf.maximum(z, threshold, name = "max");
            }
        }
        let threshold = Variable(0.0, name = "threshold");
        let X = tf.placeholder(tf.float32, shape = (None, n_features), name = "X");
        let relus = [relu(X, threshold) for i in 0..5];
        let output = tf.add_n(relus, name = "output");
        let init = global_variables_initializer();
    }
}

graph! {
    /// `get_variable` outside, `variable_scope("relu", reuse = True)` inside the function.
    pub struct ReuseInside {
        const n_features = 3;
        fn relu(X) {
            with tf.variable_scope("relu", reuse = True) {
                let threshold = tf.get_variable("threshold");
                let w_shape = (int(X.get_shape()[1]), 1);
                let w = tf.Variable(tf.random_normal(w_shape), name = "weights");
                let b = tf.Variable(0.0, name = "bias");
                let z = tf.add(tf.matmul(X, w), b, name = "z");
                return tf.maximum(z, threshold, name = "max");
            }
        }
        let X = placeholder(float32, shape = [None, n_features], name = "X");
        with variable_scope("relu") {
            let threshold = get_variable("threshold", shape = (), initializer = constant_initializer(0.0));
        }
        let relus = [relu(X) for relu_index in 0..5];
        let output = add_n(relus, name = "output");
        let init = global_variables_initializer();
    }
}

graph! {
    /// Created by the first call, reused by the next four.
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
        let X = placeholder(float32, shape = [None, n_features], name = "X");
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

fn count(names: &[&str], name: &str) -> usize {
    names.iter().filter(|n| **n == name).count()
}

#[test]
fn threshold_passed_in() -> Result<(), Error> {
    let g = PassedIn::new();
    let relus: Vec<&str> = g.relus.iter().map(|r| r.op_name()).collect();
    assert_eq!(
        relus,
        [
            "relu/max",
            "relu_1/max",
            "relu_2/max",
            "relu_3/max",
            "relu_4/max"
        ]
    );
    assert_eq!(g.output.op_name(), "output");
    let vars = g.as_graph().variable_names();
    assert_eq!(count(&vars, "threshold"), 1);
    assert_eq!(vars.len(), 11);
    assert!(vars.contains(&"relu_4/weights"));
    let mut sess = Session::new(&g);
    sess.run(&g.init, feed![])?;
    let out = sess.run(
        &g.output,
        feed![g.X => &array![[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]]],
    )?;
    assert_eq!(out.shape(), [2, 1]);
    assert!(out.iter().all(|v| *v >= 0.0));
    Ok(())
}

#[test]
fn reuse_inside_function() -> Result<(), Error> {
    let g = ReuseInside::new();
    let vars = g.as_graph().variable_names();
    assert_eq!(count(&vars, "relu/threshold"), 1);
    assert_eq!(g.threshold.name(), "relu/threshold:0");
    let relus: Vec<&str> = g.relus.iter().map(|r| r.op_name()).collect();
    assert_eq!(
        relus,
        [
            "relu_1/max",
            "relu_2/max",
            "relu_3/max",
            "relu_4/max",
            "relu_5/max"
        ]
    );
    let mut sess = Session::new(&g);
    sess.run(&g.init, feed![])?;
    let out = sess.run(&g.output, feed![g.X => &array![[1.0, 2.0, 3.0]]])?;
    assert_eq!(out.shape(), [1, 1]);
    Ok(())
}

#[test]
fn reuse_after_first_call() -> Result<(), Error> {
    let g = ReuseInLoop::new();
    let vars = g.as_graph().variable_names();
    assert_eq!(count(&vars, "relu/threshold"), 1);
    let relus: Vec<&str> = g.relus.iter().map(|r| r.op_name()).collect();
    assert_eq!(
        relus,
        [
            "relu/max",
            "relu_1/max",
            "relu_2/max",
            "relu_3/max",
            "relu_4/max"
        ]
    );
    let mut sess = Session::new(&g);
    sess.run(&g.init, feed![])?;
    let x = array![[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]];
    let out = sess.run(&g.output, feed![g.X => &x])?;
    assert_eq!(out.shape(), [2, 1]);
    Ok(())
}
