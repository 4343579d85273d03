//! Seed 001, "Linear Regression with TensorFlow" and "Implementing Gradient Descent":
//! the normal equation against a float64 closed form, then batch gradient descent with
//! hand-written gradients, on real data.
//!
//! `cargo run --release --example linear_regression` uses the diabetes data shipped in
//! `data/`; `-- --california PATH` uses a California housing CSV instead (the seed's data
//! set; scikit-learn's layout or the book's).

use staticflow::datasets::{
    least_squares, load_california_housing, load_diabetes, standardize, with_bias, Regression,
};
use staticflow::ndarray::{arr0, Array2, Axis};
use staticflow::prelude::*;
use staticflow::summary::{run_logdir, FileWriter};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

graph! {
    /// theta = (X^T X)^-1 X^T y, the data given when the graph is built.
    pub struct NormalEquation(data: f32[None, None], target: f32[None, 1]) {
        let X = constant(data, dtype = float32, name = "X");
        let y = constant(target, dtype = float32, name = "y");
        let XT = transpose(X);
        let theta = matmul(matmul(matrix_inverse(matmul(XT, X)), XT), y);
    }
}

/// The gradient-descent graphs for a data set with `$n` features (shapes are fixed when
/// the crate compiles, so each data set gets its own graph types).
macro_rules! gradient_descent_graphs {
    ($module:ident, $n:tt) => {
        mod $module {
            use staticflow::prelude::*;

            graph! {
                /// Batch gradient descent with the gradients written by hand.
                pub struct Manual(data: f32[None, $n + 1], target: f32[None, 1], m: f32[]) {
                    const n = $n;
                    let X = constant(data, dtype = float32, name = "X");
                    let y = constant(target, dtype = float32, name = "y");
                    let theta = Variable(random_uniform([n + 1, 1], -1.0, 1.0, seed = 42), name = "theta");
                    let y_pred = matmul(X, theta, name = "predictions");
                    let error = y_pred - y;
                    let mse = reduce_mean(square(error), name = "mse");
                    let gradients = 2.0 / m * matmul(transpose(X), error);
                    let training_op = assign(theta, theta - 0.01 * gradients);
                    let init = global_variables_initializer();
                }
            }

            graph! {
                /// The same with `gradients(mse, [theta])[0]`.
                pub struct Autodiff(data: f32[None, $n + 1], target: f32[None, 1]) {
                    const n = $n;
                    let X = constant(data, dtype = float32, name = "X");
                    let y = constant(target, dtype = float32, name = "y");
                    let theta = Variable(random_uniform([n + 1, 1], -1.0, 1.0, seed = 42), name = "theta");
                    let y_pred = matmul(X, theta, name = "predictions");
                    let error = y_pred - y;
                    let mse = reduce_mean(square(error), name = "mse");
                    let gradients = tf.gradients(mse, [theta])[0];
                    let training_op = assign(theta, theta - 0.01 * gradients);
                    let init = global_variables_initializer();
                }
            }

            graph! {
                /// The same with `GradientDescentOptimizer(0.01).minimize(mse)`.
                pub struct WithOptimizer(data: f32[None, $n + 1], target: f32[None, 1]) {
                    const n = $n;
                    let X = constant(data, dtype = float32, name = "X");
                    let y = constant(target, dtype = float32, name = "y");
                    let theta = Variable(random_uniform([n + 1, 1], -1.0, 1.0, seed = 42), name = "theta");
                    let y_pred = matmul(X, theta, name = "predictions");
                    let error = y_pred - y;
                    let mse = reduce_mean(square(error), name = "mse");
                    let optimizer = tf.train.GradientDescentOptimizer(learning_rate = 0.01);
                    let training_op = optimizer.minimize(mse);
                    let init = global_variables_initializer();
                    let saver = tf.train.Saver();
                }
            }

            graph! {
                /// Mini-batch gradient descent: the data is fed through placeholders.
                pub struct MiniBatch {
                    const n = $n;
                    let X = tf.placeholder(tf.float32, shape = (None, n + 1), name = "X");
                    let y = tf.placeholder(tf.float32, shape = (None, 1), name = "y");
                    let theta = Variable(random_uniform([n + 1, 1], -1.0, 1.0, seed = 42), name = "theta");
                    let y_pred = matmul(X, theta, name = "predictions");
                    let error = y_pred - y;
                    let mse = reduce_mean(square(error), name = "mse");
                    let training_op = tf.train.GradientDescentOptimizer(learning_rate = 0.01).minimize(mse);
                    let init = global_variables_initializer();
                    let mse_summary = tf.summary.scalar("MSE", mse);
                }
            }
        }
    };
}

gradient_descent_graphs!(diabetes, 10);
gradient_descent_graphs!(california, 8);

/// Runs 1000 epochs of full-batch training, printing the MSE every 100; returns theta.
macro_rules! epochs {
    ($g:expr) => {{
        let g = $g;
        let mut sess = Session::new(&g);
        sess.run(&g.init, feed![])?;
        for epoch in 0..1000 {
            if epoch % 100 == 0 {
                println!("Epoch {epoch} MSE = {}", sess.run(&g.mse, feed![])?);
            }
            sess.run(&g.training_op, feed![])?;
        }
        sess.run(&g.theta, feed![])?
    }};
}

/// The seed's `fetch_batch`: `batch_size` row indices drawn with a per-batch seed.
fn fetch_batch(
    epoch: usize,
    batch_index: usize,
    n_batches: usize,
    m: usize,
    batch_size: usize,
) -> Vec<usize> {
    let mut state = (epoch * n_batches + batch_index) as u64;
    (0..batch_size)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) % m as u64) as usize
        })
        .collect()
}

/// All four ways of training one data set's graphs.
macro_rules! chapter {
    ($module:ident, $xs:expr, $y:expr, $m:expr, $logdir:expr, $ckpt_dir:expr) => {{
        let (xs, y, m): (&Array2<f32>, &Array2<f32>, usize) = ($xs, $y, $m);
        let m32 = arr0(m as f32);
        println!("\nManually computed gradients, learning rate 0.01:");
        let manual = epochs!($module::Manual::new(xs.view(), y.view(), m32.view())?);
        println!("\nAutodiff (tf.gradients):");
        let autodiff = epochs!($module::Autodiff::new(xs.view(), y.view())?);
        println!("\nGradientDescentOptimizer, saving every 100 epochs:");
        let optimizer = {
            // Seed 001 "Saving and Restoring Models".
            let g = $module::WithOptimizer::new(xs.view(), y.view())?;
            let mut sess = Session::new(&g);
            sess.run(&g.init, feed![])?;
            for epoch in 0..1000 {
                if epoch % 100 == 0 {
                    println!("Epoch {epoch} MSE = {}", sess.run(&g.mse, feed![])?);
                    g.saver.save(&sess, $ckpt_dir.join("my_model.ckpt"), None)?;
                }
                sess.run(&g.training_op, feed![])?;
            }
            let best_theta = sess.run(&g.theta, feed![])?;
            let final_path = g.saver.save(&sess, $ckpt_dir.join("my_model_final.ckpt"), None)?;
            let mut restored = Session::new(&g);
            g.saver.restore(&mut restored, &final_path)?;
            let best_theta_restored = restored.run(&g.theta, feed![])?;
            println!(
                "restored {} in a fresh session: theta matches: {}",
                final_path.display(),
                best_theta == best_theta_restored
            );
            best_theta
        };
        let spread = |a: &Array2<f32>, b: &Array2<f32>| {
            a.iter().zip(b.iter()).fold(0.0f32, |s, (x, y)| s.max((x - y).abs()))
        };
        println!("Best theta (manual | autodiff | optimizer):");
        for i in 0..manual.nrows() {
            println!("  {:12.5} | {:12.5} | {:12.5}", manual[[i, 0]], autodiff[[i, 0]], optimizer[[i, 0]]);
        }
        println!(
            "largest difference: manual vs autodiff {:.2e}, manual vs optimizer {:.2e}",
            spread(&manual, &autodiff),
            spread(&manual, &optimizer)
        );

        println!("\nMini-batch gradient descent (batch 100, seeded batches):");
        let g = $module::MiniBatch::new();
        let mut sess = Session::new(&g);
        sess.run(&g.init, feed![])?;
        // Seed 001 "Visualizing the Graph and Training Curves": the graph, and the MSE
        // every 10 mini-batches, in tf_logs/run-<UTC>/.
        let mut file_writer = FileWriter::new(run_logdir($logdir), Some(g.as_graph()))?;
        let batch_size = 100;
        let n_batches = m.div_ceil(batch_size);
        // The seed runs 10 epochs of the 20640-row housing data; the 442 diabetes rows
        // give 5 batches an epoch, so run as many steps as the full-batch versions.
        let n_epochs = 1000 / n_batches;
        for epoch in 0..n_epochs {
            for batch_index in 0..n_batches {
                let rows = fetch_batch(epoch, batch_index, n_batches, m, batch_size);
                let (xb, yb) = (xs.select(Axis(0), &rows), y.select(Axis(0), &rows));
                if batch_index % 10 == 0 {
                    let summary_str = sess.run(&g.mse_summary, feed![g.X => &xb, g.y => &yb])?;
                    let step = (epoch * n_batches + batch_index) as i64;
                    file_writer.add_summary(&summary_str, step)?;
                }
                sess.run(&g.training_op, feed![g.X => &xb, g.y => &yb])?;
            }
            if epoch % (n_epochs / 10).max(1) == 0 || epoch + 1 == n_epochs {
                println!("Epoch {epoch} MSE = {}", sess.run(&g.mse, feed![g.X => xs, g.y => y])?);
            }
        }
        println!("Best theta:\n{}", sess.run(&g.theta, feed![])?);
        println!("TensorBoard logs: {}", file_writer.path().display());
        file_writer.close()?;
    }};
}

fn to_f32(x: &Array2<f64>) -> Array2<f32> {
    x.mapv(|v| v as f32)
}

fn run(data: Regression, logdir: &Path, ckpt_dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let (m, n) = data.features.dim();
    println!(
        "{m} samples, {n} features: {}",
        data.feature_names.join(", ")
    );
    let y = data.target.mapv(|v| v as f32).insert_axis(Axis(1));

    // The normal equation, in the graph and in float64 (numpy's np.linalg.inv route).
    let xb = with_bias(&data.features);
    let g = NormalEquation::new(to_f32(&xb).view(), y.view())?;
    let theta = Session::new(&g).run(&g.theta, feed![])?;
    let reference = least_squares(&xb, &data.target);
    println!("\nNormal equation: theta (staticflow float32 | float64 closed form)");
    for (i, t) in theta.iter().enumerate() {
        let r = reference.as_ref().map_or(f64::NAN, |r| r[i]);
        println!("  theta[{i:2}] = {t:14.6} | {r:14.6}");
    }

    // Gradient descent on standardized features.
    let xs = to_f32(&with_bias(&standardize(&data.features)));
    match n {
        10 => chapter!(diabetes, &xs, &y, m, logdir, ckpt_dir),
        8 => chapter!(california, &xs, &y, m, logdir, ckpt_dir),
        _ => {
            return Err(format!(
                "this example has graphs for 10 features (diabetes) and 8 (California housing), not {n}"
            )
            .into())
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let mut california = None;
    let mut logdir = PathBuf::from("tf_logs");
    let mut ckpt_dir = PathBuf::from("checkpoints");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--california", Some(path)) => california = Some(PathBuf::from(path)),
            ("--logdir", Some(dir)) => logdir = PathBuf::from(dir),
            ("--ckpt-dir", Some(dir)) => ckpt_dir = PathBuf::from(dir),
            _ => {
                eprintln!(
                    "usage: linear_regression [--california PATH] [--logdir DIR] [--ckpt-dir DIR]"
                );
                return ExitCode::FAILURE;
            }
        }
    }
    let loaded = match &california {
        Some(path) => load_california_housing(path),
        None => load_diabetes(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/diabetes.csv")),
    };
    let data = match loaded {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match run(data, &logdir, &ckpt_dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
