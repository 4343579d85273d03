use staticflow::prelude::*;

graph! {
    pub struct G {
        let a = constant(3);
        let b = constant(1.5);
        let c = a + b;
    }
}

fn main() {}
