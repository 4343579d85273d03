use staticflow::prelude::*;

graph! {
    pub struct G {
        let a = constant([1.0, 2.0, 3.0]);
        let b = placeholder(float32, shape = [3, 1]);
        let c = tf.matmul(a, b);
    }
}

fn main() {}
