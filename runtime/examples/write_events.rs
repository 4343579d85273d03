//! Writes TensorBoard event files for `scripts/check_tensorboard.sh`: a run with the
//! graph of a small linear regression (a hand-made static plan, since `graph!` lives in
//! another crate), scalars (a zero among them), histograms and merged summaries, plus the
//! JSON expectations the Python checker asserts, for the whole file and for a copy cut
//! inside its last record.
//!
//! ```sh
//! cargo run -p staticflow-runtime --example write_events -- OUT_DIR
//! ```
//! Writes `OUT_DIR/tf_logs/run-<UTC>/events.out.tfevents.*`, `OUT_DIR/expect.json` and
//! `OUT_DIR/expect_truncated.json`, and prints the event file's path.

use staticflow_ir::op::AssignMode;
use staticflow_ir::{BinaryOp, ConstValue, DType, Dim, Node, Op, OutputRef, ReduceKind, UnaryOp};
use staticflow_runtime::summary::{
    histogram_summary, merge_summaries, run_logdir, scalar_summary, FileWriter, SummaryError,
};
use staticflow_runtime::{Graph, StaticGraph};
use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::PathBuf;

const STEPS: i64 = 10;

fn node(name: &str, op: Op, inputs: &[u32], dtype: DType, shape: &[Dim]) -> Node {
    Node {
        name: Cow::Owned(name.to_string()),
        op,
        inputs: inputs
            .iter()
            .map(|&node| OutputRef { node, index: 0 })
            .collect(),
        control_inputs: Cow::Borrowed(&[]),
        dtype,
        shape: shape.to_vec().into(),
    }
}

/// `predictions = X @ theta`, `loss/mse = reduce_mean(square(predictions - y))`, an
/// initializer, and a gradient-descent update under `train/`.
fn regression_graph() -> Graph {
    use DType::{Float32 as F, Int32 as I};
    let mut init = node("init", Op::NoOp, &[], F, &[]);
    init.control_inputs = vec![4].into();
    let nodes = vec![
        node("X", Op::Placeholder, &[], F, &[None, Some(2)]),
        node("y", Op::Placeholder, &[], F, &[None, Some(1)]),
        node(
            "theta/initial_value",
            Op::Const(ConstValue::Float32(vec![0.5, -0.5].into())),
            &[],
            F,
            &[Some(2), Some(1)],
        ),
        node(
            "theta",
            Op::Variable { slot: 0 },
            &[],
            F,
            &[Some(2), Some(1)],
        ),
        node(
            "theta/Assign",
            Op::Assign {
                slot: 0,
                mode: AssignMode::Set,
            },
            &[3, 2],
            F,
            &[Some(2), Some(1)],
        ),
        node("theta/read", Op::Identity, &[3], F, &[Some(2), Some(1)]),
        node(
            "predictions",
            Op::MatMul {
                transpose_a: false,
                transpose_b: false,
            },
            &[0, 5],
            F,
            &[None, Some(1)],
        ),
        node(
            "loss/sub",
            Op::Binary(BinaryOp::Sub),
            &[6, 1],
            F,
            &[None, Some(1)],
        ),
        node(
            "loss/Square",
            Op::Unary(UnaryOp::Square),
            &[7],
            F,
            &[None, Some(1)],
        ),
        node(
            "loss/Const",
            Op::Const(ConstValue::Int32(vec![0, 1].into())),
            &[],
            I,
            &[Some(2)],
        ),
        node(
            "loss/mse",
            Op::Reduce {
                kind: ReduceKind::Mean,
                axes: vec![0, 1].into(),
                keep_dims: false,
            },
            &[8, 9],
            F,
            &[],
        ),
        init,
    ];
    let def = Box::leak(Box::new(StaticGraph {
        type_name: "Regression",
        nodes: Box::leak(nodes.into_boxed_slice()),
        variables: &[],
        collections: &[],
    }));
    Graph::from_static(def)
}

/// `[[step, value], ...]` in JSON, values printed exactly as f32 widened to f64.
fn points(values: &[(i64, f32)]) -> String {
    let items: Vec<String> = values
        .iter()
        .map(|(s, v)| format!("[{s}, {:?}]", f64::from(*v)))
        .collect();
    format!("[{}]", items.join(", "))
}

/// The checker's expectation for the first `steps` steps.
fn expectation(mse: &[(i64, f32)], steps: usize, node_names: &[&str]) -> String {
    let zero: Vec<(i64, f32)> = (0..steps as i64).map(|s| (s, 0.0)).collect();
    let step_list: Vec<String> = (0..steps).map(|s| s.to_string()).collect();
    let names: Vec<String> = node_names.iter().map(|n| format!("\"{n}\"")).collect();
    let mut json = String::new();
    let _ = write!(
        json,
        r#"{{"file_version": 2.0,
 "scalars": {{"loss/MSE": {}, "zero": {}, "lr": [[0, 0.009999999776482582]]}},
 "histograms": {{"theta": {{"steps": [{steps}], "first": {{"min": -0.5, "max": 0.5, "num": 2, "sum": 0.0, "buckets": 5}}}},
                "predictions": {{"steps": [0]}}}},
 "graph": {{"nodes": {}, "names": [{names}], "ops": {{"loss/mse": "Mean", "theta": "VariableV2", "init": "NoOp"}},
           "output_shapes": {{"X": [[-1, 2]], "loss/mse": [[]], "init": null}}}}}}
"#,
        points(&mse[..steps]),
        points(&zero),
        node_names.len(),
        steps = step_list.join(", "),
        names = names.join(", "),
    );
    json
}

fn main() -> Result<(), SummaryError> {
    let out = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    let graph = regression_graph();
    let mut writer = FileWriter::new(run_logdir(out.join("tf_logs")), Some(&graph))?;
    writer.add_scalar("lr", 0.01, 0)?;
    writer.add_histogram("predictions", &[0.1, 0.2, 0.2, 3.5, -7.0], 0)?;
    let mut mse = Vec::new();
    let mut theta = [-0.5f64, 0.5];
    for step in 0..STEPS {
        let loss = 4.25 / (step + 1) as f32;
        mse.push((step, loss));
        // One merged summary per step, as `sess.run(merge_all())` gives; the last step's
        // is the file's last record, which the checker's truncated copy cuts in half.
        let merged = merge_summaries(&[
            &scalar_summary("loss/MSE", loss),
            &scalar_summary("zero", 0.0),
            &histogram_summary("theta", &theta),
        ])?;
        writer.add_summary(&merged, step)?;
        theta = theta.map(|t| t * 0.9 + 0.01);
    }
    let path = writer.path().to_path_buf();
    writer.close()?;

    let names: Vec<&str> = graph.nodes().iter().map(|n| n.name.as_ref()).collect();
    let all = expectation(&mse, STEPS as usize, &names);
    let cut = expectation(&mse, STEPS as usize - 1, &names);
    let write = |name: &str, text: &str| {
        let p = out.join(name);
        std::fs::write(&p, text).map_err(|source| SummaryError::Io {
            action: "write",
            path: p,
            source,
        })
    };
    write("expect.json", &all)?;
    write("expect_truncated.json", &cut)?;
    println!("{}", path.display());
    Ok(())
}
