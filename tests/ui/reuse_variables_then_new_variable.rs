use staticflow::prelude::*;

graph! {
    pub struct G {
        with variable_scope("variable_scope_y") as scope {
            let var1 = get_variable(name = "var1", shape = [1], dtype = float32);
            scope.reuse_variables();
            let var1_reuse = get_variable(name = "var1");
            let var3 = get_variable(name = "var3", shape = [1]);
        }
    }
}

fn main() {}
