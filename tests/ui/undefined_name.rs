use staticflow::prelude::*;

graph! {
    pub struct G {
        let theta = Variable(zeros([3, 1]), name = "theta");
        let X = placeholder(float32, shape = [None, 3]);
        let y = matmul(X, thetaa);
    }
}

fn main() {}
