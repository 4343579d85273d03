use staticflow::prelude::*;

graph! {
    pub struct G {
        let a = placeholder(float32, [None, 3], "a", 4);
    }
}

fn main() {}
