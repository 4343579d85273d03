use staticflow::prelude::*;

graph! {
    pub struct G {
        let w = get_variable("w", [4294967296, 4294967296, 16, 16]);
    }
}

fn main() {}
