use staticflow::prelude::*;

graph! {
    pub struct G {
        let a = placeholder(float32, shape = [2, 3]);
        let b = placeholder(float32, shape = [3, 2]);
        let c = matmul(a, b, a = b);
    }
}

fn main() {}
