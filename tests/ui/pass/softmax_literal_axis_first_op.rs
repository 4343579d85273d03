use staticflow::prelude::*;

// A literal `logits` with an `axis`, before any other op.
graph! {
    pub struct G {
        let p = softmax([[1.0, 2.0], [3.0, 4.0]], axis = 1);
    }
}

fn main() {}
