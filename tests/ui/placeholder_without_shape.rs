use staticflow::prelude::*;

graph! {
    pub struct G {
        let X = placeholder(float32, name = "X");
    }
}

fn main() {}
