//! Savers and checkpoints in TensorFlow's V2 format: TF's own checkpoint restored into a
//! graph, round trips, `max_to_keep`, the state file, optimizer slot names, and errors.

use staticflow::checkpoint::{read_checkpoint_state, CheckpointReader};
use staticflow::ndarray::array;
use staticflow::prelude::*;
use staticflow::{latest_checkpoint, DType};
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tf_ckpt/model.ckpt")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("staticflow-ckpt-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

graph! {
    /// The variables of TF's fixture checkpoint (tests/fixtures/tf_ckpt/README: written by
    /// TF 2.21's Saver).
    pub struct TfModel {
        let counter = Variable(0, name = "counter");
        with name_scope("deep") {
            let cube = Variable(zeros([2, 2, 2]), name = "cube");
        }
        with variable_scope("dense") {
            let kernel = get_variable("kernel", [3, 2]);
            let bias = get_variable("bias", [2]);
        }
        let scale = Variable(1.0, name = "scale");
        let saver = Saver();
        let init = global_variables_initializer();
    }
}

#[test]
fn restores_a_checkpoint_written_by_tensorflow() -> Result<(), Error> {
    let g = TfModel::new();
    let mut sess = Session::new(&g);
    // No initializer: restoring is enough.
    g.saver.restore(&mut sess, fixture())?;
    assert_eq!(g.counter.eval(&mut sess)?, 42);
    assert_eq!(g.scale.eval(&mut sess)?, 3.5);
    assert_eq!(g.bias.eval(&mut sess)?, array![0.25, -0.125]);
    assert_eq!(
        g.kernel.eval(&mut sess)?,
        array![[-1.0, -0.5], [0.0, 0.5], [1.0, 1.5]]
    );
    let cube = g.cube.eval(&mut sess)?;
    // linspace(-4/3, 1, 8) as float32, as the fixture's README lists it.
    let expected = [
        -1.333_333_4f32,
        -1.0,
        -0.666_666_7,
        -0.333_333_34,
        0.0,
        0.333_333_34,
        0.666_666_7,
        1.0,
    ];
    assert_eq!(cube.iter().copied().collect::<Vec<_>>(), expected);
    Ok(())
}

#[test]
fn reads_tensorflow_checkpoint_without_a_graph() -> Result<(), Error> {
    let reader = CheckpointReader::open(fixture())?;
    let vars: Vec<(String, DType, Vec<usize>)> = reader.variables();
    let names: Vec<&str> = vars.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "counter",
            "deep/cube",
            "dense/bias",
            "dense/kernel",
            "scale"
        ]
    );
    assert_eq!(vars[0].1, DType::Int32);
    assert_eq!(vars[1].2, [2, 2, 2]);
    let dir = fixture()
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    assert_eq!(latest_checkpoint(&dir)?, Some(dir.join("model.ckpt")));
    Ok(())
}

graph! {
    /// A model trained with Adam and a global step, saved every few steps.
    pub struct Trained {
        let X = constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]);
        let y = constant([[1.0], [2.0], [3.0]]);
        let theta = Variable([[0.1], [0.2]], name = "theta");
        let loss = reduce_mean(square(matmul(X, theta) - y));
        let global_step = train.get_or_create_global_step();
        let train_op = train.AdamOptimizer(0.01).minimize(loss, global_step = global_step);
        let saver = Saver(max_to_keep = 3);
        let weights_only = Saver({"weights": theta});
        let init = global_variables_initializer();
    }
}

#[test]
fn save_restore_keep_and_state_file() -> Result<(), Error> {
    let g = Trained::new();
    assert_eq!(
        g.saver.names(),
        [
            "beta1_power",
            "beta2_power",
            "global_step",
            "theta",
            "theta/Adam",
            "theta/Adam_1"
        ]
    );
    assert_eq!(g.weights_only.names(), ["weights"]);
    let dir = scratch("keep");
    let prefix = dir.join("model.ckpt");
    let mut sess = Session::new(&g);
    sess.run(&g.init, feed![])?;
    let mut thetas = Vec::new();
    for step in 1..=5 {
        sess.run(&g.train_op, feed![])?;
        let path = g.saver.save(&sess, &prefix, Some(step))?;
        assert_eq!(path, dir.join(format!("model.ckpt-{step}")));
        thetas.push(g.theta.eval(&mut sess)?);
    }
    // Only the newest 3 remain, and the state file says so, as TF writes it.
    assert!(!dir.join("model.ckpt-2.index").exists());
    assert!(dir.join("model.ckpt-3.index").exists());
    let state = std::fs::read_to_string(dir.join("checkpoint"))
        .map_err(|e| Error::NotFound(e.to_string()))?;
    assert_eq!(
        state,
        "model_checkpoint_path: \"model.ckpt-5\"\nall_model_checkpoint_paths: \"model.ckpt-3\"\nall_model_checkpoint_paths: \"model.ckpt-4\"\nall_model_checkpoint_paths: \"model.ckpt-5\"\n"
    );
    assert_eq!(latest_checkpoint(&dir)?, Some(dir.join("model.ckpt-5")));
    let parsed = read_checkpoint_state(&dir)?.expect("state file");
    assert_eq!(parsed.all_model_checkpoint_paths.len(), 3);

    // Any kept checkpoint restores into a fresh session, not only the latest.
    let mut fresh = Session::new(&g);
    g.saver.restore(&mut fresh, dir.join("model.ckpt-3"))?;
    assert_eq!(g.theta.eval(&mut fresh)?, thetas[2]);
    assert_eq!(g.global_step.eval(&mut fresh)?, 3);
    g.saver.restore(&mut fresh, dir.join("model.ckpt-5"))?;
    assert_eq!(g.theta.eval(&mut fresh)?, thetas[4]);

    // Optimizer state round-trips under TF's names.
    let reader = CheckpointReader::open(dir.join("model.ckpt-5"))?;
    let vars = reader.variables();
    let listed: Vec<(&str, DType)> = vars.iter().map(|(n, d, _)| (n.as_str(), *d)).collect();
    assert!(listed.contains(&("global_step", DType::Int64)));
    assert!(listed.contains(&("theta/Adam_1", DType::Float32)));

    // A dict saver writes under its own names.
    let w = g.weights_only.save(&sess, dir.join("weights.ckpt"), None)?;
    let names: Vec<String> = CheckpointReader::open(&w)?
        .variables()
        .into_iter()
        .map(|v| v.0)
        .collect();
    assert_eq!(names, ["weights"]);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

graph! {
    /// Like TfModel but with `scale` of another shape, and an extra variable.
    pub struct Mismatched {
        let scale = Variable([1.0, 2.0], name = "scale");
        let saver = Saver();
    }
}

graph! {
    /// A variable the fixture does not hold.
    pub struct Missing {
        let nowhere = Variable(1.0, name = "nowhere");
        let counter = Variable(0, name = "counter");
        let saver = Saver();
    }
}

#[test]
fn restore_errors_name_the_file_and_tensor() {
    let g = Mismatched::new();
    let mut sess = Session::new(&g);
    let err = g
        .saver
        .restore(&mut sess, fixture())
        .expect_err("shape differs");
    assert!(
        matches!(err, Error::RestoreMismatch { ref tensor, .. } if tensor == "scale"),
        "{err}"
    );
    assert!(err.to_string().contains("model.ckpt"), "{err}");

    let g = Missing::new();
    let mut sess = Session::new(&g);
    let err = g
        .saver
        .restore(&mut sess, fixture())
        .expect_err("nowhere is missing");
    let text = err.to_string();
    assert!(
        text.contains("nowhere") && text.contains("model.ckpt"),
        "{text}"
    );
    assert!(
        g.counter.eval(&mut sess).is_err(),
        "nothing restored on error"
    );

    let err = g
        .saver
        .restore(&mut sess, "/nonexistent/model.ckpt")
        .expect_err("no file");
    assert!(err.to_string().contains("/nonexistent/model.ckpt"), "{err}");

    let uninitialized = g
        .saver
        .save(&sess, scratch("uninit").join("m"), None)
        .expect_err("not initialized");
    assert!(matches!(uninitialized, Error::Uninitialized { .. }));
}

#[test]
fn extra_variables_in_the_checkpoint_are_ignored() -> Result<(), Error> {
    graph! {
        /// Only two of the fixture's five variables.
        pub struct Partial {
            let counter = Variable(0, name = "counter");
            let scale = Variable(0.0, name = "scale");
            let saver = Saver();
        }
    }
    let g = Partial::new();
    let mut sess = Session::new(&g);
    g.saver.restore(&mut sess, fixture())?;
    assert_eq!(sess.run((&g.counter, &g.scale), feed![])?, (42, 3.5));
    Ok(())
}
