use staticflow::prelude::*;

graph! {
    pub struct G {
        let logits = placeholder(float32, shape = [None, 10]);
        let pred = argmax(logits, axis = 2);
    }
}

fn main() {}
