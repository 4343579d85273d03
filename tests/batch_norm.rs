//! Seed 004's batch normalization experiment, pinned with TensorFlow 2.21's values
//! (`tf.layers.batch_normalization` on constant batches of 1 and 5 rows).

use staticflow::ndarray::{array, Array2};
use staticflow::prelude::*;

graph! {
    /// Both APIs, both modes, on a fed batch.
    pub struct BatchNorm {
        let x = placeholder(float32, shape = [None, 2]);
        let trained = layers.batch_normalization(x, training = True);
        let inferred = layers.batch_normalization(x);
        let contrib = contrib.layers.batch_norm(x);
        let update_ops = get_collection(GraphKeys.UPDATE_OPS);
        with control_dependencies(update_ops) {
            let step = identity(trained);
        }
        let init = global_variables_initializer();
    }
}

fn close(what: &str, got: &Array2<f32>, want: &[f64]) {
    for (g, w) in got.iter().zip(want) {
        assert!(
            (f64::from(*g) - w).abs() <= 2e-6 * w.abs().max(1.0),
            "{what}: {got} vs TF {want:?}"
        );
    }
}

#[test]
fn training_uses_the_batch_inference_the_moving_averages() -> Result<(), Error> {
    let g = BatchNorm::new();
    assert_eq!(
        g.as_graph().variable_names(),
        [
            "batch_normalization/gamma",
            "batch_normalization/beta",
            "batch_normalization/moving_mean",
            "batch_normalization/moving_variance",
            "batch_normalization_1/gamma",
            "batch_normalization_1/beta",
            "batch_normalization_1/moving_mean",
            "batch_normalization_1/moving_variance",
            "BatchNorm/beta",
            "BatchNorm/moving_mean",
            "BatchNorm/moving_variance"
        ]
    );
    assert_eq!(
        g.as_graph().collection_names("update_ops"),
        [
            "batch_normalization/AssignMovingAvg",
            "batch_normalization/AssignMovingAvg_1",
            "BatchNorm/AssignMovingAvg",
            "BatchNorm/AssignMovingAvg_1"
        ]
    );
    let mut sess = Session::new(&g);
    sess.run(&g.init, feed![])?;

    // A batch of one: training mode gives zeros (seed 004's `batch_norm` result).
    let one = array![[1.0f32, 2.0]];
    let (t, i, c) = sess.run((&g.trained, &g.inferred, &g.contrib), feed![g.x => &one])?;
    close("train b1", &t, &[0.0, 0.0]);
    close("infer b1", &i, &[0.9995003938674927, 1.9990007877349854]);
    close("contrib b1", &c, &[0.0, 0.0]);

    let five = array![
        [1.0f32, 2.0],
        [3.0, -1.0],
        [0.5, 0.5],
        [-2.0, 4.0],
        [1.5, -3.0]
    ];
    let (t, i) = sess.run((&g.trained, &g.inferred), feed![g.x => &five])?;
    close(
        "train b5",
        &t,
        &[
            0.12260481715202332,
            0.622787356376648,
            1.3486530780792236,
            -0.622787356376648,
            -0.18390727043151855,
            0.0,
            -1.7164677381515503,
            1.4531705379486084,
            0.4291168749332428,
            -1.4531705379486084,
        ],
    );
    close(
        "infer b5",
        &i,
        &[
            0.9995003938674927,
            1.9990007877349854,
            2.9985013008117676,
            -0.9995003938674927,
            0.49975019693374634,
            0.49975019693374634,
            -1.9990007877349854,
            3.9980015754699707,
            1.4992506504058838,
            -2.9985013008117676,
        ],
    );

    // The moving averages move only when the update ops run.
    let mean = g
        .as_graph()
        .get_tensor_by_name("batch_normalization/moving_mean:0")?;
    let var = g
        .as_graph()
        .get_tensor_by_name("batch_normalization/moving_variance:0")?;
    let read = |sess: &mut Session, t: AnyTensor| -> Result<Vec<f32>, Error> {
        match sess.run(t, feed![])? {
            TensorValue::F32(v) => Ok(v.iter().copied().collect()),
            other => panic!("float32 expected, got {other:?}"),
        }
    };
    assert_eq!(read(&mut sess, mean)?, [0.0, 0.0]);
    sess.run(&g.step, feed![g.x => &five])?;
    let (m, v) = (read(&mut sess, mean)?, read(&mut sess, var)?);
    // TF after one update on the 5-row batch: moving_mean [0.008, 0.005], moving_variance [1.0166, 1.048].
    for (got, want) in m.iter().chain(&v).zip([0.008f32, 0.005, 1.0166, 1.048]) {
        assert!((got - want).abs() < 1e-6, "{m:?} {v:?}");
    }
    Ok(())
}

graph! {
    /// The training flag as a bool tensor with a default (seed 002's idiom).
    pub struct Switchable {
        let x = placeholder(float32, shape = [None, 2]);
        let is_training = placeholder_with_default(False, shape = []);
        let y = layers.batch_normalization(x, training = is_training);
        with control_dependencies(get_collection(GraphKeys.UPDATE_OPS)) {
            let step = identity(y);
        }
        let init = global_variables_initializer();
    }
}

#[test]
fn a_bool_tensor_switches_modes_per_run() -> Result<(), Error> {
    let g = Switchable::new();
    assert_eq!(g.is_training.op_name(), "PlaceholderWithDefault");
    let mut sess = Session::new(&g);
    sess.run(&g.init, feed![])?;
    let five = array![
        [1.0f32, 2.0],
        [3.0, -1.0],
        [0.5, 0.5],
        [-2.0, 4.0],
        [1.5, -3.0]
    ];
    let inferred = sess.run(&g.step, feed![g.x => &five])?;
    close(
        "default: inference",
        &inferred,
        &[
            0.9995003938674927,
            1.9990007877349854,
            2.9985013008117676,
            -0.9995003938674927,
            0.49975019693374634,
            0.49975019693374634,
            -1.9990007877349854,
            3.9980015754699707,
            1.4992506504058838,
            -2.9985013008117676,
        ],
    );
    let mean = g
        .as_graph()
        .get_tensor_by_name("batch_normalization/moving_mean:0")?;
    let unchanged = sess.run(mean, feed![])?;
    assert_eq!(
        unchanged,
        TensorValue::F32(array![0.0f32, 0.0].into_dyn()),
        "no update in inference"
    );
    let trained = sess.run(&g.step, feed![g.x => &five, g.is_training => true])?;
    close(
        "fed True: training",
        &trained,
        &[
            0.12260481715202332,
            0.622787356376648,
            1.3486530780792236,
            -0.622787356376648,
            -0.18390727043151855,
            0.0,
            -1.7164677381515503,
            1.4531705379486084,
            0.4291168749332428,
            -1.4531705379486084,
        ],
    );
    let moved = sess.run(mean, feed![])?;
    assert_eq!(moved, TensorValue::F32(array![0.008f32, 0.005].into_dyn()));
    Ok(())
}
