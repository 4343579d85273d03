use staticflow::prelude::*;

graph! {
    pub struct G {
        const N: usize = 9;
        let X = placeholder(float32, shape = [None, N], name = "X");
        let theta = Variable(random_uniform([N - 1, 1], -1.0, 1.0, seed = 42), name = "theta");
        let y_pred = matmul(X, theta, name = "predictions");
    }
}

fn main() {}
