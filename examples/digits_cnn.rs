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

include!("common/digits_training.rs");

digits_main!(digits, mnist, Cnn, "digits_cnn", 20, "cnn.ckpt");
