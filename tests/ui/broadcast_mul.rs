use staticflow::prelude::*;

graph! {
    pub struct G {
        let a = placeholder(float32, shape = [5, 1, 3]);
        let b = placeholder(float32, shape = [4, 2]);
        let c = a * b;
    }
}

fn main() {}
