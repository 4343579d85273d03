//! Summaries in the graph, fetched as serialized `Summary` protos and written with a
//! `FileWriter` whose files read back (framing and checksums verified) with the graph.

use staticflow::ndarray::array;
use staticflow::prelude::*;
use staticflow::summary::proto::event::What;
use staticflow::summary::{read_events, FileWriter};

graph! {
    /// Seed 001 "Visualizing the Graph and Training Curves".
    pub struct Logged {
        let X = placeholder(float32, shape = [None, 2], name = "X");
        let y = placeholder(float32, shape = [None, 1], name = "y");
        let theta = Variable([[0.5], [-0.5]], name = "theta");
        with name_scope("loss") {
            let error = matmul(X, theta, name = "predictions") - y;
            let mse = reduce_mean(square(error), name = "mse");
            let mse_summary = summary::scalar("MSE", mse);
        }
        let second = tf.summary.scalar("MSE", mse);
        let theta_summary = summary::histogram("theta", theta);
        let merged = summary::merge_all();
        let training_op = GradientDescentOptimizer(0.1).minimize(mse);
        let init = global_variables_initializer();
    }
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("staticflow-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn summaries_are_named_collected_and_written() -> Result<(), Box<dyn std::error::Error>> {
    let g = Logged::new();
    // Uniquification ignores case: `MSE` after the op `loss/mse` is `MSE_1`, as in TF.
    assert_eq!(g.mse_summary.name(), "loss/MSE_1:0");
    assert_eq!(g.second.name(), "MSE:0");
    assert_eq!(
        g.as_graph().collection_names("summaries"),
        ["loss/MSE_1", "MSE", "theta_1"]
    );
    let mut sess = Session::new(&g);
    sess.run(&g.init, feed![])?;
    let (x, y) = (array![[1.0, 2.0], [3.0, 4.0]], array![[1.0], [0.0]]);
    let dir = scratch("summaries");
    let mut writer = FileWriter::new(&dir, Some(g.as_graph()))?;
    let mut mses = Vec::new();
    for step in 0..3 {
        let (bytes, mse) = sess.run((&g.merged, &g.mse), feed![g.X => &x, g.y => &y])?;
        writer.add_summary(&bytes, step)?;
        mses.push(mse);
        sess.run(&g.training_op, feed![g.X => &x, g.y => &y])?;
    }
    writer.add_scalar("extra", 1.5, 7)?;
    let path = writer.path().to_path_buf();
    writer.close()?;

    let events = read_events(&path)?;
    assert!(matches!(&events[0].what, Some(What::FileVersion(v)) if v == "brain.Event:2"));
    let graph = events.iter().find_map(|e| match &e.what {
        Some(What::GraphDef(bytes)) => Some(bytes.clone()),
        _ => None,
    });
    let graph = graph.expect("the graph was written");
    let text = String::from_utf8_lossy(&graph);
    for node in [
        "loss/predictions",
        "loss/mse",
        "gradients/loss/mse_grad",
        "GradientDescent",
    ] {
        assert!(text.contains(node), "{node} in the GraphDef");
    }
    let mut scalars = Vec::new();
    for e in &events {
        if let Some(What::Summary(s)) = &e.what {
            for v in &s.value {
                if let Some(staticflow::summary::proto::summary::value::Value::SimpleValue(f)) =
                    v.value
                {
                    scalars.push((v.tag.clone(), e.step, f));
                }
            }
        }
    }
    let mse: Vec<(i64, f32)> = scalars
        .iter()
        .filter(|(t, _, _)| t == "loss/MSE_1")
        .map(|(_, s, v)| (*s, *v))
        .collect();
    assert_eq!(mse, vec![(0, mses[0]), (1, mses[1]), (2, mses[2])]);
    assert!(scalars
        .iter()
        .any(|(t, s, v)| t == "MSE" && *s == 0 && *v == mses[0]));
    assert!(scalars.contains(&("extra".to_string(), 7, 1.5)));
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
