use staticflow::prelude::*;

graph! {
    pub struct G {
        let x = placeholder(float32, shape = [None, 3]);
        for i in 0..2.5 {
            let y = relu(x);
        }
    }
}

fn main() {}
