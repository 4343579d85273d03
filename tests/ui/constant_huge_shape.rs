use staticflow::prelude::*;

graph! {
    pub struct G {
        let c = constant(0, shape = [4294967296, 4294967296, 16]);
    }
}

fn main() {}
