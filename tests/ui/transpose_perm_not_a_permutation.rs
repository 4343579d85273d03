use staticflow::prelude::*;

graph! {
    pub struct G {
        let X = placeholder(float32, shape = [2, 3]);
        let t = transpose(X, perm = [0, 0]);
    }
}

fn main() {}
