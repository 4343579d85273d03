//! Seed 004's batch normalization experiment: `contrib.layers.batch_norm` (training
//! defaults to True) and `layers.batch_normalization` (training defaults to False) on
//! the same random batches of 1 and 5 rows, printed side by side; then the second with
//! `training = True`, and with a bool tensor fed per run.

use staticflow::prelude::*;

/// The seed's graph for a batch of `$rows` rows.
macro_rules! experiment {
    ($module:ident, $rows:tt) => {
        mod $module {
            use staticflow::prelude::*;

            graph! {
                /// `a` and `b` random [rows, 2] variables, normalized both ways.
                pub struct Experiment {
                    set_random_seed(4);
                    let a = get_variable("a", [$rows, 2], dtype = float32, initializer = random_uniform_initializer(-10.0, 10.0));
                    let b = get_variable("b", [$rows, 2], dtype = float32, initializer = random_uniform_initializer(-10.0, 10.0));
                    let c = contrib.layers.batch_norm(a);
                    let cc = layers.batch_normalization(b);
                    let cc_training = layers.batch_normalization(b, training = True);
                    let is_training = placeholder_with_default(False, shape = []);
                    let switched = layers.batch_normalization(b, training = is_training);
                    let init = global_variables_initializer();
                }
            }
        }
    };
}

experiment!(batch1, 1);
experiment!(batch5, 5);

macro_rules! show {
    ($module:ident) => {{
        let g = $module::Experiment::new();
        let mut sess = Session::new(&g);
        sess.run(&g.init, feed![])?;
        let (a, b) = sess.run((&g.a, &g.b), feed![])?;
        let (c, cc, cc_training) = sess.run((&g.c, &g.cc, &g.cc_training), feed![])?;
        println!("a =\n{a}\nb =\n{b}");
        println!("contrib.layers.batch_norm(a)               (training=True by default):\n{c}");
        println!("layers.batch_normalization(b)              (training=False by default: moving averages):\n{cc}");
        println!("layers.batch_normalization(b, training=True) (batch statistics):\n{cc_training}");
        let fed = sess.run(&g.switched, feed![g.is_training => true])?;
        let default = sess.run(&g.switched, feed![])?;
        println!("training as a bool tensor: fed True ->\n{fed}\n  default (False) ->\n{default}\n");
    }};
}

fn main() -> Result<(), Error> {
    println!("== batch of 1 ==");
    show!(batch1);
    println!("== batch of 5 ==");
    show!(batch5);
    Ok(())
}
