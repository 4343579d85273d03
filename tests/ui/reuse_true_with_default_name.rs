use staticflow::prelude::*;

graph! {
    pub struct G {
        with variable_scope(None, default_name = "layer", reuse = true) {
            let w = get_variable("w", [2]);
        }
    }
}

fn main() {}
