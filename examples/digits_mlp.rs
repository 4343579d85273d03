//! The main example: a 64-256-128-10 ReLU network trained with Adam on the real
//! handwritten digits shipped in `data/digits.csv` (1797 8x8 images, fixed 80/20 split),
//! or with `--mnist DIR` the 784-256-128-10 network on MNIST's IDX files.
//!
//! `cargo run --release --example digits_mlp [-- --epochs N] [--mnist DIR] [--logdir DIR]`
//! Loss, test accuracy and weight histograms go to `tf_logs/run-<UTC>/` for TensorBoard,
//! the trained model to `checkpoints/digits/mlp.ckpt-EPOCHS` (TF's V2 checkpoint format).

use indicatif::{ProgressBar, ProgressStyle};
use staticflow::datasets::{load_digits, load_mnist, permutation, Classification};
use staticflow::ndarray::{Array1, Array2, Axis};
use staticflow::prelude::*;
use staticflow::summary::{run_logdir, FileWriter};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// The MLP for `$inputs` pixels: the TF1 code of *Hands-On ML* chapter 10, ported.
macro_rules! mlp_graph {
    ($module:ident, $inputs:tt) => {
        mod $module {
            use staticflow::prelude::*;

            graph! {
                /// Two ReLU layers, softmax cross-entropy, Adam.
                pub struct Mlp {
                    const n_inputs = $inputs;
                    tf.set_random_seed(42);
                    let X = placeholder(float32, shape = [None, n_inputs], name = "X");
                    let y = placeholder(int32, shape = [None], name = "y");
                    with name_scope("dnn") {
                        let hidden1 = tf.layers.dense(X, 256, activation = tf.nn.relu, name = "hidden1");
                        let hidden2 = tf.layers.dense(hidden1, 128, activation = tf.nn.relu, name = "hidden2");
                        let logits = tf.layers.dense(hidden2, 10, name = "outputs");
                    }
                    with name_scope("loss") {
                        let xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels = y, logits = logits);
                        let loss = tf.reduce_mean(xentropy, name = "loss");
                    }
                    with name_scope("train") {
                        let training_op = tf.train.AdamOptimizer(learning_rate = 0.001).minimize(loss);
                    }
                    with name_scope("eval") {
                        let correct = tf.equal(tf.cast(tf.argmax(logits, 1), tf.int32), y);
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

mlp_graph!(digits, 64);
mlp_graph!(mnist, 784);

include!("common/digits_training.rs");

digits_main!(digits, mnist, Mlp, "digits_mlp", 40, "mlp.ckpt");
