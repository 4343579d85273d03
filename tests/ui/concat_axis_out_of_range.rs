use staticflow::prelude::*;

graph! {
    pub struct G {
        let a = zeros([2, 3]);
        let b = zeros([2, 3]);
        let c = concat([a, b], 2);
    }
}

fn main() {}
