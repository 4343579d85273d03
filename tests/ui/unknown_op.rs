use staticflow::prelude::*;

graph! {
    pub struct G {
        let a = placeholder(float32, shape = [2, 3]);
        let b = placeholder(float32, shape = [3, 4]);
        let c = tf.matmull(a, b);
    }
}

fn main() {}
