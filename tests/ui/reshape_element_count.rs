use staticflow::prelude::*;

graph! {
    pub struct G {
        let a = constant([[1, 2, 3], [4, 5, 6]]);
        let b = reshape(a, [4]);
    }
}

fn main() {}
