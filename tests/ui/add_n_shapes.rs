use staticflow::prelude::*;

graph! {
    pub struct G {
        let a = zeros([2, 3]);
        let b = zeros([2, 4]);
        let c = add_n([a, b]);
    }
}

fn main() {}
