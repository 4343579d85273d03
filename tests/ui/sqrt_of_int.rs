use staticflow::prelude::*;

graph! {
    pub struct G {
        let x = constant([1, 4, 9]);
        let y = tf.sqrt(x);
    }
}

fn main() {}
