use staticflow::prelude::*;

graph! {
    pub struct G {
        let X = placeholder(float32, shape = [2, 3], name = "X");
        let inv = matrix_inverse(X);
    }
}

fn main() {}
