use staticflow::prelude::*;

graph! {
    pub struct G {
        let logits = constant([[1, 2, 3]]);
        let p = tf.nn.softmax(logits);
    }
}

fn main() {}
