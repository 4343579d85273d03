use staticflow::prelude::*;

graph! {
    pub struct G {
        let X = placeholder(float32, shape = [None, 3], name = "X");
        let v = Variable(X, name = "v");
    }
}

fn main() {}
