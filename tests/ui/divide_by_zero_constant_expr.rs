use staticflow::prelude::*;

graph! {
    pub struct G {
        const N: usize = 0;
        let X = placeholder(float32, shape = [None, 3 / N]);
    }
}

fn main() {}
