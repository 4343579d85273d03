use staticflow::prelude::*;

// One bad op; everything computed from it afterwards must stay silent.
graph! {
    pub struct G {
        let X = placeholder(float32, shape = [None, 9], name = "X");
        let y = placeholder(float32, shape = [None, 1], name = "y");
        let theta = Variable(zeros([8, 1]), name = "theta");
        let y_pred = matmul(X, theta, name = "predictions");
        with name_scope("loss") {
            let error = y_pred - y;
            let mse = reduce_mean(square(error), name = "mse");
        }
        let scaled = mse * 2.0;
        let s = y_pred.shape;
        let parts = [relu(error) for i in 0..3];
        let total = add_n(parts);
        let both = concat([y_pred, y], 1);
        with control_dependencies([y_pred]) {
            let after = identity(y);
        }
        let c = constant([y_pred.shape[0], 1]);
    }
}

fn main() {}
