use staticflow::prelude::*;

// Element counts that overflow usize must be a spanned error, not a panic.
graph! {
    pub struct G {
        let a = zeros([2, 3]);
        let b = reshape(a, [4294967296, 4294967296, 16]);
    }
}

fn main() {}
