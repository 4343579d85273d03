//! Seed 001 "Linear Regression with TensorFlow" and "Manually Computing the Gradients" on
//! the real diabetes data.

use staticflow::datasets::{least_squares, load_diabetes, standardize, with_bias};
use staticflow::ndarray::{arr0, Array1, Array2, Axis};
use staticflow::prelude::*;
use std::path::Path;

graph! {
    /// theta = (X^T X)^-1 X^T y on data given when the graph is built.
    pub struct NormalEquation(data: f32[None, 11], target: f32[None, 1]) {
        let X = constant(data, dtype = float32, name = "X");
        let y = constant(target, dtype = float32, name = "y");
        let XT = transpose(X);
        let theta = matmul(matmul(matrix_inverse(matmul(XT, X)), XT), y);
    }
}

graph! {
    /// Batch gradient descent with hand-written gradients.
    pub struct ManualGradientDescent(data: f32[None, 11], target: f32[None, 1], m: f32[]) {
        const n = 10;
        let learning_rate = 0.01;
        let X = constant(data, dtype = float32, name = "X");
        let y = constant(target, dtype = float32, name = "y");
        let theta = Variable(random_uniform([n + 1, 1], -1.0, 1.0, seed = 42), name = "theta");
        let y_pred = matmul(X, theta, name = "predictions");
        let error = y_pred - y;
        let mse = reduce_mean(square(error), name = "mse");
        let gradients = 2.0 / m * matmul(transpose(X), error);
        let training_op = assign(theta, theta - learning_rate * gradients);
        let init = global_variables_initializer();
    }
}

fn diabetes() -> (Array2<f64>, Array1<f64>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/diabetes.csv");
    let data = load_diabetes(&path).expect("data/diabetes.csv loads");
    (data.features, data.target)
}

fn column(y: &Array1<f64>) -> Array2<f32> {
    y.mapv(|v| v as f32).insert_axis(Axis(1))
}

#[test]
fn normal_equation_matches_float64_closed_form() -> Result<(), Error> {
    let (x, y) = diabetes();
    let xb = with_bias(&x);
    let expected = least_squares(&xb, &y).expect("X^T X is invertible");
    let g = NormalEquation::new(xb.mapv(|v| v as f32).view(), column(&y).view())?;
    assert_eq!(g.theta.shape(), [Some(11), Some(1)]);
    let mut sess = Session::new(&g);
    let theta = sess.run(&g.theta, feed![])?;
    let scale = expected.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for (got, want) in theta.iter().zip(expected.iter()) {
        // float32 solve of a system whose X^T X has condition number ~1e4.
        assert!(
            (*got as f64 - want).abs() <= 1e-4 * scale,
            "theta {got} vs float64 {want}"
        );
    }
    Ok(())
}

#[test]
fn manual_gradient_descent_converges() -> Result<(), Error> {
    let (x, y) = diabetes();
    let xs = with_bias(&standardize(&x));
    let m = xs.nrows() as f32;
    let g = ManualGradientDescent::new(
        xs.mapv(|v| v as f32).view(),
        column(&y).view(),
        arr0(m).view(),
    )?;
    let mut sess = Session::new(&g);
    sess.run(&g.init, feed![])?;
    let first = sess.run(&g.mse, feed![])?;
    let mut last = first;
    for epoch in 0..1000 {
        if epoch % 100 == 0 {
            let mse = sess.run(&g.mse, feed![])?;
            assert!(
                mse <= last,
                "MSE rose from {last} to {mse} at epoch {epoch}"
            );
            last = mse;
        }
        sess.run(&g.training_op, feed![])?;
    }
    let best = least_squares(&xs, &y).expect("solvable");
    let best_mse = (xs.dot(&best) - &y).mapv(|e| e * e).mean().unwrap_or(0.0);
    let final_mse = f64::from(sess.run(&g.mse, feed![])?);
    assert!(f64::from(first) > 5.0 * final_mse);
    assert!(
        final_mse < best_mse * 1.05,
        "{final_mse} vs optimum {best_mse}"
    );
    Ok(())
}
