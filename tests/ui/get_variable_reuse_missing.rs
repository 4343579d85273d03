use staticflow::prelude::*;

graph! {
    pub struct G {
        let X = placeholder(float32, shape = [None, 3], name = "X");
        with variable_scope("relu", reuse = true) {
            let threshold = get_variable("threshold", shape = [], initializer = constant_initializer(0.0));
        }
    }
}

fn main() {}
