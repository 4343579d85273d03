use staticflow::prelude::*;

graph! {
    pub struct G {
        let X = placeholder(float32, shape = [None, 3], name = "X");
        let n = X.get_shape()[2];
    }
}

fn main() {}
