//! Seed 002's toolbox: control dependencies, `group`, `tuple`, collections,
//! regularizers and `arg_scope`.

use staticflow::prelude::*;

graph! {
    /// Seed 002 item 2: an update runs before the add, every time the add is fetched.
    pub struct ControlDeps {
        let counter = Variable(0.0, name = "counter");
        let update_op = assign_add(counter, 1.0);
        let a_2 = constant(2.0);
        let b_2 = constant(3.0);
        with control_dependencies([update_op]) {
            let add_with_dependencies = a_2 + b_2;
            let read_after = identity(counter);
        }
        let plain = a_2 + b_2;
        let both = group(update_op, add_with_dependencies);
        let gated = tuple([a_2, b_2], control_inputs = [update_op]);
        let init = global_variables_initializer();
    }
}

#[test]
fn control_dependencies_run_first_every_time() -> Result<(), Error> {
    let g = ControlDeps::new();
    let mut sess = Session::new(&g);
    sess.run(&g.init, feed![])?;
    assert_eq!(sess.run(&g.add_with_dependencies, feed![])?, 5.0);
    assert_eq!(sess.run(&g.add_with_dependencies, feed![])?, 5.0);
    assert_eq!(
        g.counter.eval(&mut sess)?,
        2.0,
        "the update ran on each fetch"
    );
    sess.run(&g.plain, feed![])?;
    assert_eq!(g.counter.eval(&mut sess)?, 2.0, "no dependency, no update");
    // identity under control dependencies reads the value after the update.
    assert_eq!(sess.run(&g.read_after, feed![])?, 3.0);
    sess.run(&g.both, feed![])?;
    assert_eq!(
        g.counter.eval(&mut sess)?,
        4.0,
        "group runs both (the update once)"
    );
    let values = sess.run(&g.gated, feed![])?;
    assert_eq!(values, vec![2.0, 3.0]);
    assert_eq!(g.counter.eval(&mut sess)?, 5.0);
    assert_eq!(g.gated[0].op_name(), "tuple/control_dependency");
    Ok(())
}

graph! {
    /// Seed 002 items 4 and 6: collections and regularizers.
    pub struct Regularized {
        let regularizer = layers.l1_regularizer(0.1);
        with variable_scope("var", initializer = random_normal_initializer(), regularizer = regularizer) {
            let weight = get_variable("weight", shape = [8], initializer = ones_initializer());
        }
        let w2 = get_variable("w2", shape = [2, 2], initializer = ones_initializer(), regularizer = layers.l2_regularizer(0.5));
        let x = placeholder(float32, shape = [None, 8]);
        let dense_out = layers.dense(x, 2, kernel_regularizer = layers.l2_regularizer(1.0), name = "fc");
        let reg_losses = get_collection(GraphKeys.REGULARIZATION_LOSSES);
        let total = losses.get_regularization_loss();
        let update = assign_add(weight, ones_like(weight));
        add_to_collection(GraphKeys.UPDATE_OPS, update);
        add_to_collection("my_things", weight);
        let updates = get_collection(GraphKeys.UPDATE_OPS);
        let mine = get_collection("my_things");
        let in_var = get_collection(GraphKeys.GLOBAL_VARIABLES, scope = "var");
        let init = global_variables_initializer();
    }
}

#[test]
fn regularizers_fill_the_collection_with_tf_names() -> Result<(), Error> {
    let g = Regularized::new();
    assert_eq!(
        g.as_graph().collection_names("regularization_losses"),
        [
            "var/weight/Regularizer/l1_regularizer",
            "w2/Regularizer/l2_regularizer",
            "fc/kernel/Regularizer/l2_regularizer"
        ]
    );
    assert_eq!(g.total.op_name(), "total_regularization_loss");
    assert_eq!(g.updates[0].op_name(), "AssignAdd");
    assert_eq!(g.mine[0].name(), "var/weight:0");
    assert_eq!(g.in_var[0].op_name(), "var/weight");
    let mut sess = Session::new(&g);
    sess.run(&g.init, feed![])?;
    let losses: Vec<f32> = sess.run(&g.reg_losses[..2], feed![])?;
    assert_eq!(losses, [0.8, 0.5 * 2.0]);
    let kernel_l2 = sess.run(&g.reg_losses[2], feed![])?;
    let total = sess.run(&g.total, feed![])?;
    assert!((total - (0.8 + 1.0 + kernel_l2)).abs() < 1e-6);
    Ok(())
}

graph! {
    /// Seed 002 item 7: `arg_scope` sets defaults; an explicit argument wins.
    pub struct ArgScopes {
        #[add_arg_scope]
        fn func(a, b) {
            return a + b;
        }
        with arg_scope([func], a = 10) {
            let x = func(b = 1);
            let y = func(a = 1, b = 1);
        }
        let z = func(2, 3);
        let inputs = placeholder(float32, shape = [None, 4]);
        with arg_scope([layers.dense], activation = nn.relu, units = 3) {
            let h = layers.dense(inputs);
            let linear = layers.dense(inputs, activation = None, units = 2);
        }
    }
}

#[test]
fn arg_scope_defaults_and_explicit_arguments() {
    let g = ArgScopes::new();
    assert_eq!((g.x, g.y, g.z), (11, 2, 5));
    assert_eq!(g.h.op_name(), "dense/Relu");
    assert_eq!(g.h.shape(), [None, Some(3)]);
    assert_eq!(g.linear.op_name(), "dense_1/BiasAdd");
    assert_eq!(g.linear.shape(), [None, Some(2)]);
}
