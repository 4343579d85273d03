use staticflow::prelude::*;

graph! {
    pub struct G {
        let a = placeholder(float32, shape = [2, 3, 4]);
        let b = placeholder(float32, shape = [4, 5]);
        let c = matmul(a, b);
    }
}

fn main() {}
