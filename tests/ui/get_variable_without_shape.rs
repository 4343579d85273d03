use staticflow::prelude::*;

graph! {
    pub struct G {
        let w = get_variable("w", dtype = float32);
    }
}

fn main() {}
