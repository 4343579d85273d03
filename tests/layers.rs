//! Losses and layers against TensorFlow 2.21's numbers and names
//! (tests/fixtures/tf_reference.json).

use staticflow::ndarray::{array, Array1, Array2};
use staticflow::prelude::*;

graph! {
    /// Every loss of the first-model toolbox on TF's reference inputs.
    pub struct Losses {
        let logits = constant([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]]);
        let w = constant([[1.0, -2.0, 0.5], [0.3, 1.0, -1.0]]);
        let w_rows = constant([1.0, -2.0]);
        let softmax_xent = nn.softmax_cross_entropy_with_logits_v2(labels = [[0.0, 1.0, 0.0], [0.2, 0.3, 0.5]], logits = logits);
        let softmax_xent_grad = gradients(reduce_sum(softmax_xent * w_rows), logits)[0];
        let sparse_xent = nn.sparse_softmax_cross_entropy_with_logits(labels = [1, 2], logits = logits);
        let sparse_xent_grad = gradients(reduce_sum(sparse_xent * w_rows), logits)[0];
        let sigmoid_xent = nn.sigmoid_cross_entropy_with_logits(labels = [[0.0, 1.0, 1.0], [1.0, 0.0, 0.5]], logits = logits);
        let sigmoid_xent_grad = gradients(reduce_sum(sigmoid_xent * w), logits)[0];
        let l2 = nn.l2_loss(logits);
        let l2_grad = gradients(l2, logits)[0];
        let mse = losses.mean_squared_error(labels = [[0.0, 1.0, 1.0], [1.0, 0.0, 0.5]], predictions = logits);
        let mse_grad = gradients(mse, logits)[0];
        let log_softmax = nn.log_softmax(logits);
        let log_softmax_grad = gradients(reduce_sum(log_softmax * w), logits)[0];
        let softmax = nn.softmax(logits);
        let softmax_grad = gradients(reduce_sum(softmax * w), logits)[0];
        let (clipped, global_norm) = clip_by_global_norm([constant([[3.0, 4.0]]), constant([12.0])], 1.0);
    }
}

fn close<D: staticflow::ndarray::Dimension>(
    what: &str,
    got: &staticflow::ndarray::Array<f32, D>,
    want: &[f64],
) {
    let got: Vec<f32> = got.iter().copied().collect();
    assert_eq!(got.len(), want.len(), "{what}");
    for (g, w) in got.iter().zip(want) {
        assert!(
            (f64::from(*g) - w).abs() <= 1e-6 * w.abs().max(1.0),
            "{what}: {got:?} vs TF {want:?}"
        );
    }
}

#[test]
fn losses_match_tf_values_and_gradients() -> Result<(), Error> {
    let g = Losses::new();
    let mut s = Session::new(&g);
    close(
        "softmax xent",
        &s.run(&g.softmax_xent, feed![])?,
        &[0.4643687903881073, 1.7658839225769043],
    );
    close(
        "softmax xent grad",
        &s.run(&g.softmax_xent_grad, feed![])?,
        &[
            0.23122389614582062,
            -0.37146830558776855,
            0.14024437963962555,
            0.36570435762405396,
            0.5067747831344604,
            -0.8724790811538696,
        ],
    );
    close(
        "sparse xent",
        &s.run(&g.sparse_xent, feed![])?,
        &[0.4643687903881073, 0.06588391214609146],
    );
    close(
        "sparse xent grad",
        &s.run(&g.sparse_xent_grad, feed![])?,
        &[
            0.23122389614582062,
            -0.37146830558776855,
            0.14024437963962555,
            -0.03429565206170082,
            -0.09322524070739746,
            0.12752091884613037,
        ],
    );
    close(
        "sigmoid xent",
        &s.run(&g.sigmoid_xent, feed![])?,
        &[
            1.3132617473602295,
            0.12692800164222717,
            0.4740769863128662,
            1.3132617473602295,
            0.6931471824645996,
            1.5485873222351074,
        ],
    );
    close(
        "sigmoid xent grad",
        &s.run(&g.sigmoid_xent_grad, feed![])?,
        &[
            0.7310585975646973,
            0.23840582370758057,
            -0.1887703537940979,
            -0.21931758522987366,
            0.5,
            -0.45257413387298584,
        ],
    );
    assert_eq!(s.run(&g.l2, feed![])?, 7.625);
    close(
        "l2 grad",
        &s.run(&g.l2_grad, feed![])?,
        &[1.0, 2.0, 0.5, -1.0, 0.0, 3.0],
    );
    assert!((s.run(&g.mse, feed![])? - 2.083_333_3).abs() < 1e-6);
    close(
        "mse grad",
        &s.run(&g.mse_grad, feed![])?,
        &[
            0.3333333432674408,
            0.3333333432674408,
            -0.1666666716337204,
            -0.6666666865348816,
            0.0,
            0.8333333730697632,
        ],
    );
    close(
        "log_softmax",
        &s.run(&g.log_softmax, feed![])?,
        &[
            -1.4643688201904297,
            -0.4643687903881073,
            -1.9643688201904297,
            -4.065884113311768,
            -3.0658838748931885,
            -0.06588391214609146,
        ],
    );
    close(
        "log_softmax grad",
        &s.run(&g.log_softmax_grad, feed![])?,
        &[
            1.1156119108200073,
            -1.6857341527938843,
            0.5701221823692322,
            0.29485565423965454,
            0.9860162138938904,
            -1.280871868133545,
        ],
    );
    close(
        "softmax",
        &s.run(&g.softmax, feed![])?,
        &[
            0.23122389614582062,
            0.6285316944122314,
            0.14024437963962555,
            0.01714782603085041,
            0.04661262035369873,
            0.9362395405769348,
        ],
    );
    close(
        "softmax grad",
        &s.run(&g.softmax_grad, feed![])?,
        &[
            0.45220857858657837,
            -0.6563647389411926,
            0.20415617525577545,
            0.020311301574110985,
            0.08784067630767822,
            -0.10815199464559555,
        ],
    );
    assert_eq!(s.run(&g.global_norm, feed![])?, 13.0);
    // Clipped tensors of different ranks come back dynamically typed.
    let clipped: Vec<Vec<f32>> = s
        .run(&g.clipped, feed![])?
        .into_iter()
        .map(|v| match v {
            TensorValue::F32(a) => a.iter().copied().collect(),
            other => panic!("float32 expected, got {other:?}"),
        })
        .collect();
    close(
        "clipped[0]",
        &Array1::from(clipped[0].clone()),
        &[0.23076924681663513, 0.3076923191547394],
    );
    close(
        "clipped[1]",
        &Array1::from(clipped[1].clone()),
        &[0.9230769872665405],
    );
    assert_eq!(g.mse.op_name(), "mean_squared_error/value");
    assert_eq!(g.sigmoid_xent.op_name(), "logistic_loss");
    assert_eq!(
        g.as_graph().collection_names("losses"),
        ["mean_squared_error/value"]
    );
    Ok(())
}

graph! {
    /// Two unnamed dense layers, as TF names their variables and ops.
    pub struct TwoDense {
        let x = placeholder(float32, shape = [None, 3]);
        let a = layers.dense(x, 4);
        let b = layers.dense(x, 4, activation = tf.nn.relu);
        let named = layers.dense(x, 2, name = "head");
        let shared = layers.dense(x, 2, name = "head", reuse = True);
        let init = global_variables_initializer();
    }
}

#[test]
fn dense_layers_are_named_as_tf_names_them() -> Result<(), Error> {
    let g = TwoDense::new();
    assert_eq!(g.a.name(), "dense/BiasAdd:0");
    assert_eq!(g.b.op_name(), "dense_1/Relu");
    assert_eq!(
        g.as_graph().variable_names(),
        [
            "dense/kernel",
            "dense/bias",
            "dense_1/kernel",
            "dense_1/bias",
            "head/kernel",
            "head/bias"
        ]
    );
    let ops: Vec<&str> = g.as_graph().operations().iter().map(|o| o.name).collect();
    for op in [
        "dense/kernel/Initializer/random_uniform",
        "dense/bias/Initializer/zeros",
        "dense/MatMul",
        "dense/BiasAdd",
        "head_1/MatMul",
    ] {
        assert!(ops.contains(&op), "{op} in {ops:?}");
    }
    let mut sess = Session::new(&g);
    sess.run(&g.init, feed![])?;
    let x: Array2<f32> = array![[1.0, -2.0, 0.5], [0.0, 1.0, 1.0]];
    let (named, shared, relu) = sess.run((&g.named, &g.shared, &g.b), feed![g.x => &x])?;
    assert_eq!(
        named, shared,
        "reuse = True shares head/kernel and head/bias"
    );
    assert!(relu.iter().all(|v| *v >= 0.0));
    Ok(())
}

graph! {
    /// Seeded dropout.
    pub struct Dropout {
        let x = placeholder(float32, shape = [None, 1000]);
        let y = nn.dropout(x, rate = 0.5, seed = 3);
        let kept = nn.dropout(x, keep_prob = 1.0);
    }
}

#[test]
fn dropout_scales_survivors_and_repeats_per_session() -> Result<(), Error> {
    let g = Dropout::new();
    let x = Array2::<f32>::ones((2, 1000));
    let first = Session::new(&g).run(&g.y, feed![g.x => &x])?;
    let mut sess = Session::new(&g);
    assert_eq!(
        sess.run(&g.y, feed![g.x => &x])?,
        first,
        "op seed: same first mask in a new session"
    );
    let second = sess.run(&g.y, feed![g.x => &x])?;
    assert_ne!(second, first, "later runs draw new masks");
    let zeros = first.iter().filter(|v| **v == 0.0).count();
    assert!((800..1200).contains(&zeros), "{zeros} of 2000 dropped");
    assert!(first.iter().all(|v| *v == 0.0 || *v == 2.0));
    assert_eq!(sess.run(&g.kept, feed![g.x => &x])?, x);
    Ok(())
}

graph! {
    /// The digits MLP of the main example, in a test.
    pub struct DigitsMlp {
        set_random_seed(42);
        let X = placeholder(float32, shape = [None, 64], name = "X");
        let y = placeholder(int32, shape = [None], name = "y");
        let hidden1 = layers.dense(X, 256, activation = nn.relu, name = "hidden1");
        let hidden2 = layers.dense(hidden1, 128, activation = nn.relu, name = "hidden2");
        let logits = layers.dense(hidden2, 10, name = "outputs");
        let loss = reduce_mean(nn.sparse_softmax_cross_entropy_with_logits(labels = y, logits = logits));
        let training_op = train.AdamOptimizer(learning_rate = 0.001).minimize(loss);
        let accuracy = reduce_mean(cast(equal(cast(argmax(logits, 1), int32), y), float32));
        let init = global_variables_initializer();
    }
}

#[test]
fn digits_mlp_reaches_97_percent() -> Result<(), Error> {
    use staticflow::datasets::{load_digits, permutation};
    use staticflow::ndarray::Axis;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/digits.csv");
    let data = load_digits(&path).expect("data/digits.csv loads");
    let (train, test) = data.split(0.2, 42);
    let g = DigitsMlp::new();
    let mut sess = Session::new(&g);
    sess.run(&g.init, feed![])?;
    for epoch in 0..40 {
        for batch in permutation(train.len(), epoch).chunks(32) {
            let xb: Array2<f32> = train.features.select(Axis(0), batch);
            let yb: Array1<i32> = train.labels.select(Axis(0), batch);
            sess.run(&g.training_op, feed![g.X => &xb, g.y => &yb])?;
        }
    }
    let accuracy = sess.run(
        &g.accuracy,
        feed![g.X => &test.features, g.y => &test.labels],
    )?;
    assert!(accuracy >= 0.97, "test accuracy {accuracy}");
    Ok(())
}

graph! {
    /// `layers.dropout` with the training flag as a bool tensor.
    pub struct DropoutLayer {
        let x = placeholder(float32, shape = [None, 1000]);
        let training = placeholder_with_default(False, shape = []);
        let y = layers.dropout(x, rate = 0.5, seed = 5, training = training);
        let off = layers.dropout(x, training = False);
    }
}

#[test]
fn dropout_layer_follows_its_training_flag() -> Result<(), Error> {
    let g = DropoutLayer::new();
    let x = Array2::<f32>::ones((2, 1000));
    let mut sess = Session::new(&g);
    assert_eq!(
        sess.run(&g.y, feed![g.x => &x])?,
        x,
        "inference: the identity"
    );
    let dropped = sess.run(&g.y, feed![g.x => &x, g.training => true])?;
    let zeros = dropped.iter().filter(|v| **v == 0.0).count();
    assert!((800..1200).contains(&zeros), "{zeros} of 2000 dropped");
    assert!(dropped.iter().all(|v| *v == 0.0 || *v == 2.0));
    assert_eq!(sess.run(&g.off, feed![g.x => &x])?, x);
    Ok(())
}
