//! Fused elementwise steps: a dense layer's `Relu(BiasAdd(..))` runs as one loop when
//! nothing else reads the pre-activation, and gives the values of the two ops run apart.

use staticflow::ndarray::Array2;
use staticflow::prelude::*;

graph! {
    /// Two ReLU layers and a linear one, trained by SGD.
    pub struct Dense {
        set_random_seed(7);
        let X = placeholder(float32, shape = [None, 6], name = "X");
        let y = placeholder(float32, shape = [None, 1], name = "y");
        let hidden1 = layers.dense(X, 5, activation = nn.relu, name = "hidden1");
        let hidden2 = layers.dense(hidden1, 4, activation = nn.relu, name = "hidden2");
        let out = layers.dense(hidden2, 1, name = "out");
        let loss = reduce_mean(square(out - y));
        let train_op = train.GradientDescentOptimizer(0.1).minimize(loss);
        let init = global_variables_initializer();
    }
}

fn batch() -> (Array2<f32>, Array2<f32>) {
    let x = Array2::from_shape_fn((8, 6), |(i, j)| ((i * 7 + j * 3) % 11) as f32 / 5.0 - 1.0);
    let y = Array2::from_shape_fn((8, 1), |(i, _)| i as f32 / 8.0);
    (x, y)
}

#[test]
fn relu_of_bias_add_is_fused_and_exact() -> Result<(), Error> {
    let g = Dense::new();
    let graph = g.as_graph();
    let preact = graph.get_tensor_by_name("hidden1/BiasAdd:0")?;
    let (x, y) = batch();
    let mut sess = Session::new(&g);
    sess.run(&g.init, feed![])?;
    for _ in 0..3 {
        sess.run(&g.train_op, feed![g.X => &x, g.y => &y])?;
    }
    assert_eq!(
        sess.last_run_fusions(),
        vec![
            ("hidden1/BiasAdd", "hidden1/Relu"),
            ("hidden2/BiasAdd", "hidden2/Relu")
        ]
    );
    // The fused value, then the pre-activation fetched with it (a plan without fusion
    // for that layer): relu of the one is exactly the other.
    let fused: Array2<f32> = sess.run(&g.hidden1, feed![g.X => &x])?;
    assert_eq!(
        sess.last_run_fusions(),
        vec![("hidden1/BiasAdd", "hidden1/Relu")]
    );
    let (apart, pre) = sess.run((&g.hidden1, &preact), feed![g.X => &x])?;
    assert!(sess.last_run_fusions().is_empty());
    let TensorValue::F32(pre) = pre else {
        panic!("float32 pre-activation expected");
    };
    assert_eq!(fused, apart);
    assert_eq!(fused.into_dyn(), pre.mapv(|v| v.max(0.0)));
    assert!(apart.iter().any(|&v| v == 0.0) && apart.iter().any(|&v| v > 0.0));
    Ok(())
}

#[test]
fn training_with_fusion_matches_training_that_fetches_every_pre_activation() -> Result<(), Error> {
    let g = Dense::new();
    let graph = g.as_graph();
    let pre1 = graph.get_tensor_by_name("hidden1/BiasAdd:0")?;
    let pre2 = graph.get_tensor_by_name("hidden2/BiasAdd:0")?;
    let (x, y) = batch();
    let mut fused = Session::new(&g);
    let mut apart = Session::new(&g);
    fused.run(&g.init, feed![])?;
    apart.run(&g.init, feed![])?;
    for _ in 0..20 {
        let a: f32 = fused
            .run((&g.train_op, &g.loss), feed![g.X => &x, g.y => &y])?
            .1;
        let b: f32 = apart
            .run(
                (&g.train_op, &g.loss, &pre1, &pre2),
                feed![g.X => &x, g.y => &y],
            )?
            .1;
        assert_eq!(a, b);
    }
    assert!(!fused.last_run_fusions().is_empty());
    assert!(apart.last_run_fusions().is_empty());
    Ok(())
}
