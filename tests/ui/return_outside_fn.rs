use staticflow::prelude::*;

graph! {
    pub struct G {
        let x = constant(1.0);
        return x;
    }
}

fn main() {}
