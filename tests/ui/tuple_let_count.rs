use staticflow::prelude::*;

graph! {
    pub struct G {
        fn pair() {
            return (constant(1), constant(2), constant(3));
        }
        let (a, b) = pair();
    }
}

fn main() {}
