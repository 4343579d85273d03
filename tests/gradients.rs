//! `gradients` as TF1 builds them: values, `grad_ys`, sums over several ys, `None` for
//! unreachable xs, `stop_gradient`, and names under `gradients/`.

use staticflow::ndarray::array;
use staticflow::prelude::*;

graph! {
    /// Seed 004: grad_ys weights the outputs, like multiplying them.
    pub struct Seed004 {
        let a = constant([[2.0, 2.0]]);
        let aa = get_variable(name = "aa", shape = [1, 2], dtype = float32, initializer = constant_initializer(2));
        let b = constant([[2.0, 3.0], [4.0, 5.0]]);
        let c = matmul(aa, b);
        let g_plain = gradients(c, aa)[0];
        let g_weighted = gradients(c, aa, [a])[0];
        let g_product = gradients(c * a, aa)[0];
        let pairs = AdamOptimizer(0.01).compute_gradients(a * c);
        let init = global_variables_initializer();
    }
}

#[test]
fn seed_004_grad_ys() -> Result<(), Error> {
    let g = Seed004::new();
    let mut sess = Session::new(&g);
    sess.run(&g.init, feed![])?;
    assert_eq!(sess.run(&g.c, feed![])?, array![[12.0, 16.0]]);
    assert_eq!(sess.run(&g.g_plain, feed![])?, array![[5.0, 9.0]]);
    assert_eq!(sess.run(&g.g_weighted, feed![])?, array![[10.0, 18.0]]);
    assert_eq!(sess.run(&g.g_product, feed![])?, array![[10.0, 18.0]]);
    let (grad, var) = g.pairs[0];
    assert_eq!(var.name(), "aa:0");
    assert_eq!(
        sess.run((&grad, &var), feed![])?,
        (array![[10.0, 18.0]], array![[2.0, 2.0]])
    );
    // Each call opens its own scope: gradients, gradients_1, ...
    assert_eq!(g.g_plain.op_name(), "gradients/MatMul_grad/MatMul");
    assert_eq!(g.g_weighted.op_name(), "gradients_1/MatMul_grad/MatMul");
    Ok(())
}

graph! {
    /// TF's reference linear-regression problem (tests/fixtures/tf_reference.json).
    pub struct LinReg {
        let X = constant([[1.0, 2.0, 0.5], [0.3, -1.0, 2.0], [-0.7, 0.4, 1.5], [2.0, 0.1, -0.3]]);
        let y = constant([[1.0], [-2.0], [0.5], [3.0]]);
        let theta = Variable([[0.5], [-0.3], [0.8]], name = "theta");
        let error = matmul(X, theta) - y;
        let mse = reduce_mean(square(error), name = "mse");
        let manual = 2.0 / 4.0 * matmul(transpose(X), error);
        let autodiff = gradients(mse, [theta])[0];
        let unrelated = Variable(1.0, name = "unrelated");
        let both = gradients(mse, [theta, unrelated]);
        let blocked = gradients(mse + reduce_sum(stop_gradient(square(theta))), [theta])[0];
        let summed = gradients([mse, 3.0 * reduce_sum(theta)], [theta])[0];
        let init = global_variables_initializer();
    }
}

#[test]
fn autodiff_matches_the_manual_gradient_and_tf() -> Result<(), Error> {
    let g = LinReg::new();
    let mut sess = Session::new(&g);
    sess.run(&g.init, feed![])?;
    let (manual, auto) = sess.run((&g.manual, &g.autodiff), feed![])?;
    // TF 2.21 on the same graph: tf.gradients(loss, [theta])[0] (float32 values).
    let tf = [-2.093f32, -2.7925, 4.388];
    for ((m, a), t) in manual.iter().zip(auto.iter()).zip(tf) {
        assert!(
            (m - t).abs() <= 1e-6 * t.abs().max(1.0),
            "manual {m} vs TF {t}"
        );
        assert!(
            (a - t).abs() <= 1e-6 * t.abs().max(1.0),
            "autodiff {a} vs TF {t}"
        );
    }
    assert_eq!(g.autodiff.op_name(), "gradients/MatMul_grad/MatMul_1");
    Ok(())
}

#[test]
fn unreachable_x_is_none_and_stop_gradient_blocks() -> Result<(), Error> {
    let g = LinReg::new();
    assert!(g.both.1.is_none(), "mse does not depend on `unrelated`");
    let mut sess = Session::new(&g);
    sess.run(&g.init, feed![])?;
    let (auto, blocked, summed) = sess.run((&g.autodiff, &g.blocked, &g.summed), feed![])?;
    assert_eq!(auto, blocked, "stop_gradient(square(theta)) adds nothing");
    assert_eq!(
        summed,
        auto.mapv(|v| v + 3.0),
        "gradients of several ys are summed"
    );
    assert_eq!(sess.run(&g.both.0, feed![])?, auto);
    Ok(())
}

#[test]
fn gradient_ops_live_under_gradients() {
    let g = LinReg::new();
    let ops = g.as_graph().operations();
    let grads: Vec<&str> = ops
        .iter()
        .map(|o| o.name)
        .filter(|n| n.starts_with("gradients/"))
        .collect();
    assert!(grads.contains(&"gradients/grad_ys_0"), "{grads:?}");
    assert!(grads.contains(&"gradients/mse_grad/MeanGrad"), "{grads:?}");
    assert!(
        grads.contains(&"gradients/Square_grad/SquareGrad"),
        "{grads:?}"
    );
    assert!(
        grads.contains(&"gradients/sub_grad/Neg")
            || grads.iter().any(|n| n.starts_with("gradients/sub_grad")),
        "{grads:?}"
    );
    assert!(
        grads.contains(&"gradients/MatMul_grad/MatMul_1"),
        "{grads:?}"
    );
}
