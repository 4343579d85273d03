use staticflow::prelude::*;

graph! {
    pub struct G {
        let X = placeholder(float32, shape = [None, 3]);
        let s = reduce_sum(X, axis = 2);
    }
}

fn main() {}
