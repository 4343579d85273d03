use staticflow::prelude::*;

graph! {
    pub struct G {
        with variable_scope("foo") {
            let v = get_variable("v", [1]);
        }
        with variable_scope("foo", reuse = true) {
            let v1 = get_variable("v", [1], dtype = int32);
        }
    }
}

fn main() {}
