use staticflow::prelude::*;

// Seed 003, example 2: name_scope does not prefix get_variable, so the second call
// asks for the same variable `var1`.
graph! {
    pub struct G {
        with tf.name_scope("name_scope_1") {
            let var1 = tf.get_variable(name = "var1", shape = [1], dtype = tf.float32);
            let var2 = tf.get_variable(name = "var1", shape = [1], dtype = tf.float32);
        }
    }
}

fn main() {}
