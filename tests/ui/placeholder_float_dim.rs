use staticflow::prelude::*;

graph! {
    pub struct G {
        let X = placeholder(float32, shape = [None, 2.5], name = "X");
    }
}

fn main() {}
