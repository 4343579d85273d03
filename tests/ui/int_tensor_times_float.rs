use staticflow::prelude::*;

graph! {
    pub struct G {
        let x = Variable(3, name = "x");
        let y = x * 0.5;
    }
}

fn main() {}
