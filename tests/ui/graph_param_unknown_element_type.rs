use staticflow::prelude::*;

graph! {
    pub struct G(data: f33[None, 9]) {
        let X = constant(data);
    }
}

fn main() {}
