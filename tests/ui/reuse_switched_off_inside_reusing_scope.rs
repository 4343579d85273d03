use staticflow::prelude::*;

graph! {
    pub struct G {
        with variable_scope("outer") {
            let w = get_variable("w", [2]);
        }
        with variable_scope("outer", reuse = true) {
            with variable_scope("inner", reuse = false) {
                let w2 = get_variable("w2", [2]);
            }
        }
    }
}

fn main() {}
