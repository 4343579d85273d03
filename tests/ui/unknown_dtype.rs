use staticflow::prelude::*;

graph! {
    pub struct G {
        let X = placeholder(tf.float33, shape = [None, 3], name = "X");
    }
}

fn main() {}
