use staticflow::prelude::*;

graph! {
    pub struct G {
        let X = placeholder(float32, shape = [None, 3], name = "X");
        fn layer(x) {
            return layer(relu(x));
        }
        let out = layer(X);
    }
}

fn main() {}
