use staticflow::prelude::*;

// The literal `logits` has rank 2, so axis 2 is out of range (TF rejects it); the rank
// must not be taken from another node of the graph.
graph! {
    pub struct G {
        let X = placeholder(float32, shape = [2, 3, 4], name = "X");
        let p = softmax([[1.0, 2.0], [3.0, 4.0]], axis = 2);
    }
}

fn main() {}
