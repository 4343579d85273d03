//! Seed 003's motivation for sharing variables: a GAN's discriminator sees real and
//! generated samples with ONE set of weights. The discriminator is a graph `fn` under
//! `variable_scope("discriminator", reuse = ...)`; each optimizer trains only its own
//! network's variables, found with `get_collection(TRAINABLE_VARIABLES, scope = ...)`.
//!
//! A 1-D GAN: real samples come from N(4, 0.5); the generator maps uniform noise to
//! samples and learns to imitate them.

use staticflow::ndarray::Array2;
use staticflow::prelude::*;

graph! {
    /// Generator and discriminator, two losses, two optimizers.
    pub struct Gan {
        set_random_seed(7);
        fn generator(z) {
            with variable_scope("generator") {
                let h = layers.dense(z, 16, activation = tanh, name = "h1");
                return layers.dense(h, 1, name = "out");
            }
        }
        fn discriminator(x, reuse) {
            with variable_scope("discriminator", reuse = reuse) {
                let h1 = layers.dense(x, 16, activation = tanh, name = "h1");
                let h2 = layers.dense(h1, 16, activation = tanh, name = "h2");
                return layers.dense(h2, 1, name = "out");
            }
        }
        let real = placeholder(float32, shape = [None, 1], name = "real");
        let z = placeholder(float32, shape = [None, 1], name = "z");
        let fake = generator(z);
        let d_real = discriminator(real, False);
        let d_fake = discriminator(fake, True);
        with name_scope("d_loss") {
            let real_loss = reduce_mean(nn.sigmoid_cross_entropy_with_logits(labels = ones_like(d_real), logits = d_real));
            let fake_loss = reduce_mean(nn.sigmoid_cross_entropy_with_logits(labels = zeros_like(d_fake), logits = d_fake));
            let d_loss = real_loss + fake_loss;
        }
        with name_scope("g_loss") {
            let g_loss = reduce_mean(nn.sigmoid_cross_entropy_with_logits(labels = ones_like(d_fake), logits = d_fake));
        }
        let d_vars = get_collection(GraphKeys.TRAINABLE_VARIABLES, scope = "discriminator");
        let g_vars = get_collection(GraphKeys.TRAINABLE_VARIABLES, scope = "generator");
        let d_train = train.AdamOptimizer(0.005, beta1 = 0.5).minimize(d_loss, var_list = d_vars);
        let g_train = train.AdamOptimizer(0.005, beta1 = 0.5).minimize(g_loss, var_list = g_vars);
        let init = global_variables_initializer();
    }
}

/// A small deterministic generator of normal and uniform samples for the feeds.
struct Samples(u64);

impl Samples {
    fn uniform(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32 + 0.5) / (1u64 << 24) as f32
    }

    fn normal(&mut self, mean: f32, stddev: f32) -> f32 {
        let (u, v) = (self.uniform(), self.uniform());
        mean + stddev * (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos()
    }

    fn batch(&mut self, n: usize, mut f: impl FnMut(&mut Self) -> f32) -> Array2<f32> {
        Array2::from_shape_fn((n, 1), |_| f(self))
    }
}

fn main() -> Result<(), Error> {
    let g = Gan::new();
    let graph = g.as_graph();
    let names = |vars: &[AnyTensor]| {
        let names: Vec<&str> = vars.iter().map(|v| v.op_name()).collect();
        names.join(", ")
    };
    println!(
        "discriminator variables (one set for real and fake): {}",
        names(&g.d_vars)
    );
    println!("generator variables: {}", names(&g.g_vars));
    println!(
        "D(real) is {}, D(fake) is {}",
        g.d_real.op_name(),
        g.d_fake.op_name()
    );
    println!(
        "{} trainable variables in all",
        graph.collection_names("trainable_variables").len()
    );

    let mut sess = Session::new(&g);
    sess.run(&g.init, feed![])?;
    let mut rng = Samples(2024);
    let batch = 64;
    for step in 0..=3000 {
        let real = rng.batch(batch, |r| r.normal(4.0, 0.5));
        let z = rng.batch(batch, |r| r.uniform() * 2.0 - 1.0);
        let (_, d_loss) = sess.run((&g.d_train, &g.d_loss), feed![g.real => &real, g.z => &z])?;
        let z = rng.batch(batch, |r| r.uniform() * 2.0 - 1.0);
        let (_, g_loss) = sess.run((&g.g_train, &g.g_loss), feed![g.z => &z])?;
        if step % 500 == 0 {
            let z = rng.batch(1000, |r| r.uniform() * 2.0 - 1.0);
            let fake = sess.run(&g.fake, feed![g.z => &z])?;
            let mean = fake.mean().unwrap_or(f32::NAN);
            let std = fake.std(0.0);
            println!("step {step:4}: d_loss {d_loss:.4}  g_loss {g_loss:.4}  generated mean {mean:.3} std {std:.3} (real: 4.000, 0.500)");
        }
    }
    Ok(())
}
