use staticflow::prelude::*;

graph! {
    pub struct G {
        fn func(a, b) {
            return a + b;
        }
        with arg_scope([func], a = 10) {
            let x = func(b = 1);
        }
    }
}

fn main() {}
