use staticflow::prelude::*;

graph! {
    pub struct G {
        let c = constant([1, 2, 3], shape = [2]);
    }
}

fn main() {}
