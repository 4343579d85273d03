use staticflow::prelude::*;

graph! {
    pub struct G {
        let a = constant([[1.0, 2.0], [3.0, 4.0]]);
        let b = constant([1.0, 2.0, 3.0]);
        let c = a / b;
    }
}

fn main() {}
