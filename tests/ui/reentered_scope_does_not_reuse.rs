use staticflow::prelude::*;

// Re-entering a scope later without `reuse` does not reuse (design.md section 4).
graph! {
    pub struct G {
        with variable_scope("foo", reuse = true) as scope {
        }
        with variable_scope("foo") {
            let v = get_variable("v", [1]);
        }
        with variable_scope("foo") {
            let v2 = get_variable("v", [1]);
        }
    }
}

fn main() {}
