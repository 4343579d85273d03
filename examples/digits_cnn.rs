//! A convolutional network on the real handwritten digits (`data/digits.csv`, fixed 80/20
//! split): conv 5x5x32 SAME, max-pool, conv 5x5x64 SAME, max-pool, dense 10, with batch
//! normalization after each convolution and Adam; the seed 002 idiom of running the
//! batch-norm updates through `control_dependencies(get_collection(UPDATE_OPS))`. The
//! training and evaluation towers are one graph `fn` called twice, the second under
//! `reuse = True`, so they share every variable. Progress bar, TensorBoard logs and a
//! checkpoint as in `digits_mlp`; `--mnist DIR` trains on MNIST's 28x28 images instead.
//!
//! `cargo run --release --example digits_cnn [-- --epochs N] [--mnist DIR] [--logdir DIR]`

use indicatif::{ProgressBar, ProgressStyle};
use staticflow::datasets::{load_digits, load_mnist, permutation, Classification};
use staticflow::ndarray::{Array1, Array2, Axis};
use staticflow::prelude::*;
use staticflow::summary::{run_logdir, FileWriter};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// The CNN for `$side`x`$side` images.
macro_rules! cnn_graph {
    ($module:ident, $side:tt) => {
        mod $module {
            use staticflow::prelude::*;

            graph! {
                /// Two conv/batch-norm/pool blocks and a dense layer; Adam.
                pub struct Cnn {
                    const side = $side;
                    tf.set_random_seed(42);
                    fn cnn(X, training, reuse) {
                        with tf.variable_scope("cnn", reuse = reuse) {
                            let images = tf.reshape(X, [-1, side, side, 1]);
                            let conv1 = tf.layers.conv2d(images, 32, 5, padding = "same", name = "conv1");
                            let bn1 = tf.nn.relu(tf.layers.batch_normalization(conv1, training = training, name = "bn1"));
                            let pool1 = tf.layers.max_pooling2d(bn1, 2, 2, name = "pool1");
                            let conv2 = tf.layers.conv2d(pool1, 64, 5, padding = "same", name = "conv2");
                            let bn2 = tf.nn.relu(tf.layers.batch_normalization(conv2, training = training, name = "bn2"));
                            let pool2 = tf.layers.max_pooling2d(bn2, 2, 2, name = "pool2");
                            return tf.layers.dense(tf.layers.flatten(pool2), 10, name = "logits");
                        }
                    }
                    let X = tf.placeholder(tf.float32, shape = [None, side * side], name = "X");
                    let y = tf.placeholder(tf.int32, shape = [None], name = "y");
                    let logits = cnn(X, True, False);
                    let eval_logits = cnn(X, False, True);
                    with tf.name_scope("loss") {
                        let xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels = y, logits = logits);
                        let loss = tf.reduce_mean(xentropy, name = "loss");
                    }
                    with tf.name_scope("train") {
                        with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)) {
                            let training_op = tf.train.AdamOptimizer(learning_rate = 0.001).minimize(loss);
                        }
                    }
                    with tf.name_scope("eval") {
                        let correct = tf.equal(tf.cast(tf.argmax(eval_logits, 1), tf.int32), y);
                        let accuracy = tf.reduce_mean(tf.cast(correct, tf.float32));
                    }
                    let weights = tf.trainable_variables();
                    let init = tf.global_variables_initializer();
                    let saver = tf.train.Saver();
                }
            }
        }
    };
}

cnn_graph!(digits, 8);
cnn_graph!(mnist, 28);

struct Options {
    epochs: usize,
    batch_size: usize,
    mnist: Option<PathBuf>,
    logdir: PathBuf,
    ckpt_dir: PathBuf,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        epochs: 20,
        batch_size: 32,
        mnist: None,
        logdir: PathBuf::from("tf_logs"),
        ckpt_dir: PathBuf::from("checkpoints"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--epochs" => options.epochs = value("--epochs")?.parse().map_err(|e| format!("--epochs: {e}"))?,
            "--batch-size" => options.batch_size = value("--batch-size")?.parse().map_err(|e| format!("--batch-size: {e}"))?,
            "--mnist" => options.mnist = Some(PathBuf::from(value("--mnist")?)),
            "--logdir" => options.logdir = PathBuf::from(value("--logdir")?),
            "--ckpt-dir" => options.ckpt_dir = PathBuf::from(value("--ckpt-dir")?),
            other => return Err(format!("unknown argument {other}; usage: digits_cnn [--epochs N] [--batch-size N] [--mnist DIR] [--logdir DIR] [--ckpt-dir DIR]")),
        }
    }
    if options.batch_size == 0 {
        return Err("--batch-size must be positive".into());
    }
    Ok(options)
}

/// Trains for `epochs`, one progress bar per epoch; returns the final test accuracy.
macro_rules! train {
    ($module:ident, $train:expr, $test:expr, $options:expr) => {{
        let (train, test, options): (&Classification, &Classification, &Options) = ($train, $test, $options);
        let g = $module::Cnn::new();
        let mut sess = Session::new(&g);
        sess.run(&g.init, feed![])?;
        let n_batches = train.len().div_ceil(options.batch_size);
        let style = ProgressStyle::with_template("epoch {prefix:>3} [{bar:30}] {pos}/{len} batches")
            .map_err(|e| e.to_string())?
            .progress_chars("=> ");
        let mut accuracy = 0.0;
        let mut writer = FileWriter::new(run_logdir(&options.logdir), Some(g.as_graph()))?;
        let started = Instant::now();
        for epoch in 0..options.epochs {
            let bar = ProgressBar::new(n_batches as u64).with_style(style.clone()).with_prefix(epoch.to_string());
            let order = permutation(train.len(), epoch as u64);
            let mut loss_sum = 0.0;
            for batch in order.chunks(options.batch_size) {
                let x_batch: Array2<f32> = train.features.select(Axis(0), batch);
                let y_batch: Array1<i32> = train.labels.select(Axis(0), batch);
                let (_, loss) = sess.run((&g.training_op, &g.loss), feed![g.X => &x_batch, g.y => &y_batch])?;
                loss_sum += loss;
                bar.inc(1);
            }
            accuracy = sess.run(&g.accuracy, feed![g.X => &test.features, g.y => &test.labels])?;
            bar.finish_and_clear();
            let step = epoch as i64;
            writer.add_scalar("loss", loss_sum / n_batches as f32, step)?;
            writer.add_scalar("accuracy", accuracy, step)?;
            for (w, value) in g.weights.iter().zip(sess.run(&g.weights, feed![])?) {
                if let TensorValue::F32(v) = value {
                    let values: Vec<f64> = v.iter().map(|&x| f64::from(x)).collect();
                    writer.add_histogram(w.op_name(), &values, step)?;
                }
            }
            println!(
                "epoch {epoch:3}: loss {:.4}  test accuracy {:.2}%",
                loss_sum / n_batches as f32,
                100.0 * accuracy
            );
        }
        let saved = g.saver.save(&sess, options.ckpt_dir.join(stringify!($module)).join("cnn.ckpt"), Some(options.epochs as i64))?;
        println!("checkpoint: {}", saved.display());
        println!("TensorBoard logs: {}", writer.path().display());
        writer.close()?;
        println!(
            "trained {} epochs in {:.1?} ({} train / {} test samples)",
            options.epochs,
            started.elapsed(),
            train.len(),
            test.len()
        );
        accuracy
    }};
}

fn run(options: &Options) -> Result<f32, Box<dyn std::error::Error>> {
    match &options.mnist {
        Some(dir) => {
            let (train, test) = load_mnist(dir)?;
            Ok(train!(mnist, &train, &test, options))
        }
        None => {
            let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/digits.csv");
            let data = load_digits(&path)?;
            let (train, test) = data.split(0.2, 42);
            Ok(train!(digits, &train, &test, options))
        }
    }
}

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match run(&options) {
        Ok(accuracy) => {
            println!("final test accuracy: {:.2}%", 100.0 * accuracy);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
