use staticflow::prelude::*;

graph! {
    pub struct G {
        let X = placeholder(float32, shape = [None, 3], name = "X");
        let y = X + relu;
    }
}

fn main() {}
