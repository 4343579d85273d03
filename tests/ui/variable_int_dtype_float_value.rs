use staticflow::prelude::*;

graph! {
    pub struct G {
        let v = Variable(1.5, name = "v", dtype = int32);
    }
}

fn main() {}
