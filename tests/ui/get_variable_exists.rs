use staticflow::prelude::*;

graph! {
    pub struct G {
        let var1 = get_variable("var1", shape = [1], dtype = float32);
        let var2 = get_variable("var1", shape = [1], dtype = float32);
    }
}

fn main() {}
