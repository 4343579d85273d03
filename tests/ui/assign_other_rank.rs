use staticflow::prelude::*;

graph! {
    pub struct G {
        let v = Variable(zeros([2, 3]), name = "v");
        let op = assign(v, zeros([3]));
    }
}

fn main() {}
