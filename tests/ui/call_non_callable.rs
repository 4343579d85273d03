use staticflow::prelude::*;

graph! {
    pub struct G {
        let X = placeholder(float32, shape = [None, 3]);
        let y = X(2);
    }
}

fn main() {}
