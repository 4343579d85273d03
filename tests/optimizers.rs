//! TF1 optimizers against TensorFlow 2.21's own numbers (tests/fixtures/tf_reference.json,
//! made by scripts/tf_reference.py): theta after 1, 2 and 10 steps, slots after 10,
//! variable names and order, global_step.

use staticflow::ndarray::Array2;
use staticflow::prelude::*;

/// The reference problem with one optimizer; `$opt` is its constructor call.
macro_rules! problem {
    ($name:ident, $($opt:tt)*) => {
        graph! {
            pub struct $name {
                let X = constant([[1.0, 2.0, 0.5], [0.3, -1.0, 2.0], [-0.7, 0.4, 1.5], [2.0, 0.1, -0.3]]);
                let y = constant([[1.0], [-2.0], [0.5], [3.0]]);
                let theta = Variable([[0.5], [-0.3], [0.8]], name = "theta");
                let loss = reduce_mean(square(matmul(X, theta) - y), name = "mse");
                let train = $($opt)*.minimize(loss);
                let init = global_variables_initializer();
            }
        }
    };
}

problem!(Gd, GradientDescentOptimizer(0.1));
problem!(Momentum, MomentumOptimizer(0.1, 0.9));
problem!(Nesterov, MomentumOptimizer(0.1, 0.9, use_nesterov = True));
problem!(Adam, tf.train.AdamOptimizer(0.1));
problem!(RmsProp, tf.train.RMSPropOptimizer(0.1));
problem!(
    RmsPropMomentum,
    tf.train
        .RMSPropOptimizer(0.1, momentum = 0.5, centered = False)
);
problem!(Adagrad, tf.train.AdagradOptimizer(0.1));

/// Float32 agreement: TF and we sum in different orders, so allow a few ulps per step.
fn assert_close(what: &str, got: &[f32], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (g, w) in got.iter().zip(want) {
        let w = *w as f32;
        assert!(
            (g - w).abs() <= 4e-6 * w.abs().max(1.0),
            "{what}: {got:?} vs TF {want:?}"
        );
    }
}

macro_rules! trajectory {
    ($test:ident, $graph:ident, after_1: $a1:expr, after_2: $a2:expr, after_10: $a10:expr, names: $names:expr) => {
        #[test]
        fn $test() -> Result<(), Error> {
            let g = $graph::new();
            assert_eq!(g.as_graph().variable_names(), $names);
            let mut sess = Session::new(&g);
            sess.run(&g.init, feed![])?;
            let mut thetas: Vec<Array2<f32>> = Vec::new();
            for _ in 0..10 {
                sess.run(&g.train, feed![])?;
                thetas.push(sess.run(&g.theta, feed![])?);
            }
            let flat = |a: &Array2<f32>| a.iter().copied().collect::<Vec<f32>>();
            assert_close("after 1 step", &flat(&thetas[0]), &$a1);
            assert_close("after 2 steps", &flat(&thetas[1]), &$a2);
            assert_close("after 10 steps", &flat(&thetas[9]), &$a10);
            Ok(())
        }
    };
}

trajectory!(gradient_descent, Gd,
    after_1: [0.7092999815940857, -0.0207500159740448, 0.3612000048160553],
    after_2: [0.8255190253257751, 0.1599263697862625, 0.07874420285224915],
    after_10: [0.910673975944519, 0.5182048082351685, -0.4253705143928528],
    names: ["theta"]);
trajectory!(momentum, Momentum,
    after_1: [0.7092999815940857, -0.0207500159740448, 0.3612000048160553],
    after_2: [1.0138890743255615, 0.41125133633613586, -0.31617578864097595],
    after_10: [0.47720885276794434, 0.2685377597808838, 0.2593431770801544],
    names: ["theta", "theta/Momentum"]);
trajectory!(nesterov, Nesterov,
    after_1: [0.8976699709892273, 0.23057496547698975, -0.03371995687484741],
    after_2: [1.1288506984710693, 0.6314916610717773, -0.6584653258323669],
    after_10: [0.8695120215415955, 0.5439670085906982, -0.36555472016334534],
    names: ["theta", "theta/Momentum"]);
trajectory!(adam, Adam,
    after_1: [0.6000000238418579, -0.20000001788139343, 0.7000000476837158],
    after_2: [0.6989542245864868, -0.10059769451618195, 0.6003365516662598],
    after_10: [1.2345465421676636, 0.5773906111717224, -0.1424265205860138],
    names: ["theta", "beta1_power", "beta2_power", "theta/Adam", "theta/Adam_1"]);
trajectory!(rmsprop, RmsProp,
    after_1: [0.6809383630752563, -0.08454149961471558, 0.5389508008956909],
    after_2: [0.794987678527832, 0.06197361648082733, 0.3610368072986603],
    after_10: [0.9426791667938232, 0.4901563227176666, -0.2706920802593231],
    names: ["theta", "theta/RMSProp", "theta/RMSProp_1"]);
trajectory!(rmsprop_momentum, RmsPropMomentum,
    after_1: [0.6809383630752563, -0.08454149961471558, 0.5389508008956909],
    after_2: [0.885456919670105, 0.16970288753509521, 0.23051220178604126],
    after_10: [0.8394644856452942, 0.5534254908561707, -0.4730415642261505],
    names: ["theta", "theta/RMSProp", "theta/RMSProp_1"]);
trajectory!(adagrad, Adagrad,
    after_1: [0.5988777875900269, -0.20063510537147522, 0.7002586722373962],
    after_2: [0.6617010831832886, -0.13516554236412048, 0.6328870058059692],
    after_10: [0.883364200592041, 0.12739312648773193, 0.3450705111026764],
    names: ["theta", "theta/Adagrad"]);

graph! {
    /// Adam's slots and beta powers after 10 steps, read by name.
    pub struct AdamSlots {
        let X = constant([[1.0, 2.0, 0.5], [0.3, -1.0, 2.0], [-0.7, 0.4, 1.5], [2.0, 0.1, -0.3]]);
        let y = constant([[1.0], [-2.0], [0.5], [3.0]]);
        let theta = Variable([[0.5], [-0.3], [0.8]], name = "theta");
        let loss = reduce_mean(square(matmul(X, theta) - y), name = "mse");
        let train = tf.train.AdamOptimizer(0.1).minimize(loss);
        let init = global_variables_initializer();
    }
}

#[test]
fn adam_slots_match_tf() -> Result<(), Error> {
    let g = AdamSlots::new();
    let mut sess = Session::new(&g);
    sess.run(&g.init, feed![])?;
    for _ in 0..10 {
        sess.run(&g.train, feed![])?;
    }
    let read = |sess: &mut Session, name: &str| -> Result<Vec<f32>, Error> {
        let t = g.as_graph().get_tensor_by_name(name)?;
        match sess.run(t, feed![])? {
            TensorValue::F32(v) => Ok(v.iter().copied().collect()),
            other => panic!("{name} is float32, got {other:?}"),
        }
    };
    assert_close(
        "beta1_power",
        &read(&mut sess, "beta1_power:0")?,
        &[0.3138104975223541],
    );
    assert_close(
        "beta2_power",
        &read(&mut sess, "beta2_power:0")?,
        &[0.9890549778938293],
    );
    assert_close(
        "theta/Adam",
        &read(&mut sess, "theta/Adam:0")?,
        &[-0.14766374230384827, -0.6470081806182861, 1.585590124130249],
    );
    assert_close(
        "theta/Adam_1",
        &read(&mut sess, "theta/Adam_1:0")?,
        &[
            0.011374597437679768,
            0.024486299604177475,
            0.08502590656280518,
        ],
    );
    assert_eq!(g.train.name(), "Adam");
    Ok(())
}

graph! {
    /// GradientDescent with a global_step: the train op is the step's AssignAdd.
    pub struct WithGlobalStep {
        let X = constant([[1.0, 2.0, 0.5], [0.3, -1.0, 2.0], [-0.7, 0.4, 1.5], [2.0, 0.1, -0.3]]);
        let y = constant([[1.0], [-2.0], [0.5], [3.0]]);
        let theta = Variable([[0.5], [-0.3], [0.8]], name = "theta");
        let loss = reduce_mean(square(matmul(X, theta) - y), name = "mse");
        let global_step = tf.train.get_or_create_global_step();
        let train = GradientDescentOptimizer(0.1).minimize(loss, global_step = global_step);
        let frozen = Variable(7.0, trainable = False, name = "frozen");
        let init = global_variables_initializer();
    }
}

#[test]
fn global_step_counts_steps_and_frozen_variables_stay() -> Result<(), Error> {
    let g = WithGlobalStep::new();
    assert_eq!(g.train.op_name(), "GradientDescent");
    assert_eq!(g.global_step.name(), "global_step:0");
    let ops = g.as_graph().operations();
    let types: Vec<(&str, &str)> = ops
        .iter()
        .filter(|o| o.name.starts_with("GradientDescent"))
        .map(|o| (o.name, o.op_type))
        .collect();
    assert_eq!(
        types,
        [
            ("GradientDescent/learning_rate", "Const"),
            (
                "GradientDescent/update_theta/ApplyGradientDescent",
                "ApplyGradientDescent"
            ),
            ("GradientDescent/update", "NoOp"),
            ("GradientDescent/value", "Const"),
            ("GradientDescent", "AssignAdd"),
        ]
    );
    let mut sess = Session::new(&g);
    sess.run(&g.init, feed![])?;
    let mut step = 0;
    for _ in 0..10 {
        step = sess.run(&g.train, feed![])?;
    }
    assert_eq!(step, 10i64);
    assert_eq!(sess.run(&g.frozen, feed![])?, 7.0);
    let theta = sess.run(&g.theta, feed![])?;
    assert_close(
        "theta",
        &theta.iter().copied().collect::<Vec<_>>(),
        &[0.910673975944519, 0.5182048082351685, -0.4253705143928528],
    );
    Ok(())
}
