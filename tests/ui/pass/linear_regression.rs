use staticflow::prelude::*;

// The design.md section 2 language tour minus the optimizer: constants in shapes,
// `tf.`-prefixed and bare ops, keyword arguments, name scopes, literals next to tensors.
graph! {
    /// Linear regression, normal equation and prediction.
    pub struct LinearRegression {
        const N: usize = 9;
        let X = placeholder(float32, shape = [None, N], name = "X");
        let y = tf.placeholder(tf.float32, shape = [None, 1], name = "y");
        let theta = Variable(random_uniform([N, 1], -1.0, 1.0, seed = 42), name = "theta");
        let y_pred = tf.matmul(X, theta, name = "predictions");
        with name_scope("loss") {
            let error = y_pred - y;
            let mse = tf.reduce_mean(tf.square(error), name = "mse");
        }
        let XT = tf.transpose(X);
        let normal = matmul(matrix_inverse(matmul(XT, X)), XT);
        let theta_best = tf.matmul(normal, y);
        let scaled = 2 * mse + 1.0;
        let half = X / 2;
        let init = tf.global_variables_initializer();
    }
}

fn main() {
    let g = LinearRegression::new();
    let _ = (&g.X, &g.y, &g.theta, &g.mse, &g.theta_best, &g.init);
}
