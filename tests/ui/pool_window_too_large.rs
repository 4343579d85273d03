use staticflow::prelude::*;

graph! {
    pub struct G {
        let x = placeholder(float32, shape = [None, 2, 2, 1]);
        let p = nn.max_pool(x, ksize = [1, 4, 4, 1], strides = [1, 1, 1, 1], padding = "VALID");
    }
}

fn main() {}
