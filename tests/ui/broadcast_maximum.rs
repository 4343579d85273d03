use staticflow::prelude::*;

graph! {
    pub struct G {
        let a = placeholder(float32, shape = [None, 10]);
        let b = zeros([5]);
        let c = tf.maximum(a, b);
    }
}

fn main() {}
