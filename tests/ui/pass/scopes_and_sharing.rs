use staticflow::prelude::*;

// Seed 003: sharing with get_variable, reuse by flag, by handle, by
// reuse_variables() and by AUTO_REUSE; a graph fn called in a comprehension.
graph! {
    pub struct Sharing {
        let X = placeholder(float32, shape = [None, 3], name = "X");
        fn relu(X, threshold_init = 0.0) {
            with variable_scope("relu", reuse = AUTO_REUSE) {
                let threshold = get_variable("threshold", shape = [],
                                             initializer = constant_initializer(threshold_init));
                let w_shape = (int(X.get_shape()[1]), 1);
                let w = Variable(random_normal(w_shape), name = "weights");
                let b = Variable(0.0, name = "bias");
                let z = add(matmul(X, w), b, name = "z");
                return maximum(z, threshold, name = "max");
            }
        }
        let relus = [relu(X) for i in 0..5];
        let output = add_n(relus, name = "output");

        with variable_scope("foo") as foo_scope {
            let v = get_variable("v", [1]);
        }
        with variable_scope("foo", reuse = true) {
            let v1 = get_variable("v");
        }
        with variable_scope(foo_scope, reuse = True) {
            let v2 = tf.get_variable("v");
        }
        with variable_scope("variable_scope_y") as scope {
            let var1 = get_variable(name = "var1", shape = [1], dtype = float32);
            scope.reuse_variables();
            let var1_reuse = get_variable(name = "var1");
        }
        with tf.name_scope("name_scope_x") {
            let var3 = tf.get_variable(name = "var3", shape = [1], dtype = tf.float32);
            let var4 = tf.Variable(initial_value = [2.0], name = "var4", dtype = tf.float32);
            let var4_again = tf.Variable(initial_value = [2.0], name = "var4", dtype = tf.float32);
        }
        for i in 0..3 {
            with variable_scope("layer", reuse = i >= 1) {
                let shared = get_variable("shared", [2], initializer = zeros_initializer());
            }
        }
        let init = global_variables_initializer();
    }
}

fn main() {
    let g = Sharing::new();
    assert_eq!(g.v.name(), g.v1.name());
    assert_eq!(g.v.name(), g.v2.name());
    assert_eq!(g.var1.name(), g.var1_reuse.name());
    assert_eq!(g.var3.name(), "var3:0");
    assert_eq!(g.var4.name(), "name_scope_x/var4:0");
    assert_eq!(g.var4_again.name(), "name_scope_x/var4_1:0");
    assert_eq!(g.shared.name(), "layer/shared:0");
}
