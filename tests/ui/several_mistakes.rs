use staticflow::prelude::*;

// Every mistake is reported, each at its own call, and nothing else.
graph! {
    pub struct G {
        let X = placeholder(float32, shape = [None, 9], name = "X");
        let theta = Variable(zeros([8, 1]), name = "theta");
        let y_pred = matmul(X, theta, name = "predictions");
        let bad = reduce_men(X);
        let i = constant(1);
        let mixed = i + X;
        let w = get_variable("w", [3]);
        let w_again = get_variable("w", [3]);
        let ok = X * 2.0;
    }
}

fn main() {}
