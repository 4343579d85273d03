use staticflow::prelude::*;

graph! {
    pub struct G {
        let X = placeholder(float32, shape = [None, 3], name = "X");
        with X {
            let y = relu(X);
        }
    }
}

fn main() {}
