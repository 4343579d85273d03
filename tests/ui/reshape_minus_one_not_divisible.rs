use staticflow::prelude::*;

graph! {
    pub struct G {
        let a = zeros([2, 3]);
        let b = reshape(a, [-1, 4]);
    }
}

fn main() {}
