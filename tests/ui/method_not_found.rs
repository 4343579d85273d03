use staticflow::prelude::*;

graph! {
    pub struct G {
        let X = placeholder(float32, shape = [None, 3]);
        let y = X.reshape([3]);
    }
}

fn main() {}
