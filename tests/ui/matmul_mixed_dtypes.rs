use staticflow::prelude::*;

graph! {
    pub struct G {
        let a = placeholder(float32, shape = [2, 3]);
        let b = placeholder(int32, shape = [3, 4]);
        let c = matmul(a, b);
    }
}

fn main() {}
