use staticflow::prelude::*;

graph! {
    pub struct G {
        let a = placeholder(float32, shape = [None, 3]);
        let m = reduce_men(a);
    }
}

fn main() {}
