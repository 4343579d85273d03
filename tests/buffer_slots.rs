//! Buffer slots: a run keeps its values in as few reused buffers as their lifetimes
//! allow, and what it computes does not depend on what else is fetched.

use staticflow::ndarray::{Array1, Array2};
use staticflow::prelude::*;
use staticflow::TensorValue;

graph! {
    /// The MLP of benches/throughput.rs: 784-256-128-10, plain gradient descent.
    pub struct Mlp {
        set_random_seed(42);
        let X = placeholder(float32, shape = [None, 784], name = "X");
        let y = placeholder(int32, shape = [None], name = "y");
        let hidden1 = layers.dense(X, 256, activation = nn.relu, name = "hidden1");
        let hidden2 = layers.dense(hidden1, 128, activation = nn.relu, name = "hidden2");
        let logits = layers.dense(hidden2, 10, name = "outputs");
        let xentropy = nn.sparse_softmax_cross_entropy_with_logits(labels = y, logits = logits);
        let loss = reduce_mean(xentropy, name = "loss");
        let train_op = train.GradientDescentOptimizer(0.01).minimize(loss);
        let init = global_variables_initializer();
    }
}

graph! {
    /// Aliases of computed values read long after the values' other uses.
    pub struct Aliases {
        let a = placeholder(float32, shape = [None, 3], name = "a");
        let h = a * 2.0;
        let kept = identity(identity(h));
        let defaulted = placeholder_with_default(h + 1.0, shape = [None, 3]);
        let b = h + 1.0;
        let c = b * b;
        let d = c - 3.0;
        let e = square(d);
        let out = e + kept + defaulted;
    }
}

/// Forward values and gradients of one training step, by TF name.
const INTERMEDIATES: &[&str] = &[
    "hidden1/MatMul:0",
    "hidden1/BiasAdd:0",
    "hidden1/Relu:0",
    "hidden2/MatMul:0",
    "hidden2/Relu:0",
    "outputs/BiasAdd:0",
    "SparseSoftmaxCrossEntropyWithLogits/SparseSoftmaxCrossEntropyWithLogits:0",
    "gradients/outputs/MatMul_grad/MatMul:0",
    "gradients/hidden2/Relu_grad/ReluGrad:0",
    "gradients/hidden2/MatMul_grad/MatMul:0",
    "gradients/hidden2/MatMul_grad/MatMul_1:0",
    "gradients/hidden1/Relu_grad/ReluGrad:0",
    "gradients/hidden1/BiasAdd_grad/BiasAddGrad:0",
    "gradients/hidden1/MatMul_grad/MatMul_1:0",
];

/// The trained variables, by TF name.
const WEIGHTS: &[&str] = &[
    "hidden1/kernel:0",
    "hidden1/bias:0",
    "hidden2/kernel:0",
    "hidden2/bias:0",
    "outputs/kernel:0",
    "outputs/bias:0",
];

/// A fixed batch: pixels in [0, 1), labels 0..10.
fn batch(rows: usize, seed: usize) -> (Array2<f32>, Array1<i32>) {
    let x = Array2::from_shape_fn((rows, 784), |(i, j)| {
        ((i * 7 + j * 3 + seed * 11) % 101) as f32 / 101.0
    });
    let y = Array1::from_shape_fn(rows, |i| ((i + seed) % 10) as i32);
    (x, y)
}

/// An initialized session on one thread, so that the two compared sessions run the
/// kernels' arithmetic in the same order.
fn session(g: &Mlp) -> Result<Session, Error> {
    let mut sess = Session::with_options(
        g,
        SessionOptions {
            intra_op_parallelism_threads: 1,
        },
    )?;
    sess.run(&g.init, feed![])?;
    Ok(sess)
}

fn handles(g: &Mlp, names: &[&str]) -> Result<Vec<AnyTensor>, Error> {
    names
        .iter()
        .map(|n| g.as_graph().get_tensor_by_name(n))
        .collect()
}

fn elements(v: &TensorValue) -> usize {
    match v {
        TensorValue::F32(a) => a.len(),
        TensorValue::F64(a) => a.len(),
        TensorValue::I32(a) => a.len(),
        TensorValue::I64(a) => a.len(),
        TensorValue::Bool(a) => a.len(),
    }
}

#[test]
fn fetching_many_intermediates_or_only_the_loss_gives_the_same_values() -> Result<(), Error> {
    let g = Mlp::new();
    let intermediates = handles(&g, INTERMEDIATES)?;
    let weights = handles(&g, WEIGHTS)?;
    let (mut all, mut lean) = (session(&g)?, session(&g)?);
    for step in 0..3 {
        let (x, y) = batch(64, step);
        // Each intermediate fetched on its own (its own plan), then only the loss.
        let mut alone = Vec::new();
        for t in &intermediates {
            alone.push(lean.run(t, feed![g.X => &x, g.y => &y])?);
        }
        let loss_alone: f32 = lean.run(&g.loss, feed![g.X => &x, g.y => &y])?;
        let (lean_loss, ()) = lean.run((&g.loss, &g.train_op), feed![g.X => &x, g.y => &y])?;
        // Everything in one run that also trains.
        let (values, all_loss, ()) = all.run(
            (&intermediates, &g.loss, &g.train_op),
            feed![g.X => &x, g.y => &y],
        )?;
        assert_eq!(lean_loss.to_bits(), loss_alone.to_bits());
        assert_eq!(
            all_loss.to_bits(),
            lean_loss.to_bits(),
            "loss at step {step}"
        );
        for ((name, a), b) in INTERMEDIATES.iter().zip(&values).zip(&alone) {
            assert_eq!(a, b, "{name} at step {step}");
        }
        // Pinned fetched values take slots of their own.
        assert!(all.last_run_buffer_slots() > lean.last_run_buffer_slots());
    }
    assert_eq!(all.run(&weights, feed![])?, lean.run(&weights, feed![])?);
    Ok(())
}

#[test]
fn a_training_step_needs_far_fewer_buffers_than_values() -> Result<(), Error> {
    let g = Mlp::new();
    let (x, y) = batch(512, 0);
    let mut sess = session(&g)?;
    for _ in 0..2 {
        sess.run(&g.train_op, feed![g.X => &x, g.y => &y])?;
    }
    let ops = sess.last_run_ops().len();
    let slots = sess.last_run_buffer_slots();
    assert!(slots * 3 < ops, "{slots} slots for {ops} ops");
    let held = sess.buffer_bytes();

    // What a buffer per value held: every value the step computes, fetched at once.
    let mut every = session(&g)?;
    let values = every.run(&handles(&g, INTERMEDIATES)?, feed![g.X => &x, g.y => &y])?;
    let some_values: usize = values.iter().map(|v| elements(v) * 4).sum();
    assert!(
        held * 4 < some_values * 3,
        "{held} bytes held for a step 14 of whose values take {some_values}"
    );
    println!("{slots} slots for {ops} ops; {held} bytes held ({some_values} in 14 of its values)");
    Ok(())
}

#[test]
fn the_arena_grows_to_the_largest_batch_then_stays() -> Result<(), Error> {
    let g = Mlp::new();
    let (small_x, small_y) = batch(16, 1);
    let (large_x, large_y) = batch(256, 2);
    let mut sess = session(&g)?;
    let mut fresh = session(&g)?;
    let small = |s: &mut Session| -> Result<Array2<f32>, Error> {
        s.run(&g.logits, feed![g.X => &small_x, g.y => &small_y])
    };
    let first = small(&mut sess)?;
    let after_small = sess.buffer_bytes();
    let _: f32 = sess.run(&g.loss, feed![g.X => &large_x, g.y => &large_y])?;
    let after_large = sess.buffer_bytes();
    assert!(after_large > after_small);
    // Back to the small batch: the buffers keep their capacity, the values are right.
    assert_eq!(small(&mut sess)?, first);
    assert_eq!(small(&mut fresh)?, first);
    assert_eq!(sess.buffer_bytes(), after_large);
    Ok(())
}

#[test]
fn aliases_keep_their_sources_alive() -> Result<(), Error> {
    let g = Aliases::new();
    let a = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32 / 4.0);
    let mut sess = Session::new(&g);
    let out: Array2<f32> = sess.run(&g.out, feed![g.a => &a])?;
    let expected = a.mapv(|v| {
        let h = v * 2.0;
        let d = (h + 1.0) * (h + 1.0) - 3.0;
        d * d + h + (h + 1.0)
    });
    assert_eq!(out, expected);
    // Fetched with its intermediates, and with the default fed instead.
    let (kept, out2): (Array2<f32>, Array2<f32>) = sess.run((&g.kept, &g.out), feed![g.a => &a])?;
    assert_eq!((kept, out2), (a.mapv(|v| v * 2.0), expected));
    let zeros = Array2::<f32>::zeros((4, 3));
    let fed: Array2<f32> = sess.run(&g.out, feed![g.a => &a, g.defaulted => &zeros])?;
    assert_eq!(
        fed,
        a.mapv(|v| {
            let h = v * 2.0;
            let d = (h + 1.0) * (h + 1.0) - 3.0;
            d * d + h
        })
    );
    Ok(())
}

#[test]
fn a_strided_feed_is_copied_into_its_own_slot() -> Result<(), Error> {
    let g = Mlp::new();
    let (x, y) = batch(32, 3);
    // The same values, in column-major order: fed as a non-contiguous view.
    let xt = Array2::from_shape_fn((784, 32), |(j, i)| x[[i, j]]);
    let strided = xt.t();
    assert!(strided.as_slice().is_none());
    let mut sess = session(&g)?;
    let contiguous: Array2<f32> = sess.run(&g.logits, feed![g.X => &x])?;
    let copied: Array2<f32> = sess.run(&g.logits, feed![g.X => strided])?;
    assert_eq!(copied, contiguous);
    let (loss, ()) = sess.run((&g.loss, &g.train_op), feed![g.X => strided, g.y => &y])?;
    let mut other = session(&g)?;
    let (expected, ()) = other.run((&g.loss, &g.train_op), feed![g.X => &x, g.y => &y])?;
    assert_eq!(loss.to_bits(), expected.to_bits());
    Ok(())
}
