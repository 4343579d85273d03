//! Seed 003: one discriminator applied to real and generated samples shares one set of
//! variables, and each optimizer trains only its scope's variables.

use staticflow::ndarray::Array2;
use staticflow::prelude::*;

graph! {
    /// A tiny GAN.
    pub struct Gan {
        set_random_seed(1);
        fn generator(z) {
            with variable_scope("generator") {
                return layers.dense(z, 1, name = "out");
            }
        }
        fn discriminator(x, reuse) {
            with variable_scope("discriminator", reuse = reuse) {
                let h = layers.dense(x, 4, activation = tanh, name = "h1");
                return layers.dense(h, 1, name = "out");
            }
        }
        let real = placeholder(float32, shape = [None, 1]);
        let z = placeholder(float32, shape = [None, 1]);
        let fake = generator(z);
        let d_real = discriminator(real, False);
        let d_fake = discriminator(fake, True);
        let d_loss = reduce_mean(nn.sigmoid_cross_entropy_with_logits(labels = ones_like(d_real), logits = d_real))
            + reduce_mean(nn.sigmoid_cross_entropy_with_logits(labels = zeros_like(d_fake), logits = d_fake));
        let d_vars = get_collection(GraphKeys.TRAINABLE_VARIABLES, scope = "discriminator");
        let g_vars = get_collection(GraphKeys.TRAINABLE_VARIABLES, scope = "generator");
        let d_train = train.GradientDescentOptimizer(0.1).minimize(d_loss, var_list = d_vars);
        let init = global_variables_initializer();
    }
}

#[test]
fn one_discriminator_two_inputs() -> Result<(), Error> {
    let g = Gan::new();
    let d: Vec<&str> = g.d_vars.iter().map(|v| v.op_name()).collect();
    assert_eq!(
        d,
        [
            "discriminator/h1/kernel",
            "discriminator/h1/bias",
            "discriminator/out/kernel",
            "discriminator/out/bias"
        ]
    );
    assert_eq!(g.d_real.op_name(), "discriminator/out/BiasAdd");
    assert_eq!(g.d_fake.op_name(), "discriminator_1/out/BiasAdd");
    let ops = g.as_graph().operations();
    let input = |name: &str| {
        ops.iter()
            .find(|o| o.name == name)
            .map(|o| o.inputs[1].clone())
    };
    assert_eq!(
        input("discriminator/h1/MatMul"),
        input("discriminator_1/h1/MatMul")
    );

    // Training the discriminator leaves the generator alone.
    let mut sess = Session::new(&g);
    sess.run(&g.init, feed![])?;
    let (gk, dk) = (g.g_vars[0], g.d_vars[0]);
    let before = sess.run((gk, dk), feed![])?;
    let real = Array2::from_elem((8, 1), 4.0f32);
    let z = Array2::from_shape_fn((8, 1), |(i, _)| i as f32 / 8.0 - 0.5);
    sess.run(&g.d_train, feed![g.real => &real, g.z => &z])?;
    let after = sess.run((gk, dk), feed![])?;
    assert_eq!(before.0, after.0, "the generator's kernel did not move");
    assert_ne!(before.1, after.1, "the discriminator's kernel did");
    Ok(())
}
