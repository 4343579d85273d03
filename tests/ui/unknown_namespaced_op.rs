use staticflow::prelude::*;

graph! {
    pub struct G {
        let a = placeholder(float32, shape = [None, 3]);
        let r = tf.nn.reluu(a);
        let d = tf.layers.dense(a, 10);
    }
}

fn main() {}
