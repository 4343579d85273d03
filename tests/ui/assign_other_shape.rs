use staticflow::prelude::*;

graph! {
    pub struct G {
        let v = Variable(zeros([2, 3]), name = "v");
        let op = v.assign(zeros([2, 4]));
    }
}

fn main() {}
