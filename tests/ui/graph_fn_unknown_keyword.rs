use staticflow::prelude::*;

graph! {
    pub struct G {
        let X = placeholder(float32, shape = [None, 3], name = "X");
        fn relu(X, threshold = 0.0) {
            return maximum(X, threshold, name = "max");
        }
        let r = relu(X, treshold = 1.0);
    }
}

fn main() {}
