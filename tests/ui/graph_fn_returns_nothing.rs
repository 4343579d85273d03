use staticflow::prelude::*;

graph! {
    pub struct G {
        let X = placeholder(float32, shape = [None, 3], name = "X");
        fn layer(x) {
            let h = relu(x);
        }
        let out = layer(X) + 1.0;
    }
}

fn main() {}
