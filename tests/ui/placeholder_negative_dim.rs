use staticflow::prelude::*;

graph! {
    pub struct G {
        let X = placeholder(float32, shape = [-1, 3], name = "X");
    }
}

fn main() {}
