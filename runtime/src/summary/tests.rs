//! Tests against the event file written by real TensorFlow 2.21
//! (`tests/fixtures/tf_events/`), plus helpers the module tests share.

use super::proto::event::What;
use super::proto::summary::value::Value;
use super::proto::{Event, GraphDef, Summary};
use super::record::encode_record;
use super::*;
use crate::graph::StaticGraph;
use prost::Message;
use staticflow_ir::op::AssignMode;
use staticflow_ir::{BinaryOp, ConstValue, DType, Dim, Node, Op, OutputRef, ReduceKind, UnaryOp};
use std::borrow::Cow;
use std::path::PathBuf;

pub(super) const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/tf_events/events.out.tfevents.1700000000.oracle"
);

/// A fresh, empty directory under the system temp dir for test `name`.
pub(super) fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("staticflow-summary-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

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

/// The forward part of the fixture's graph (a linear regression), as a static plan.
pub(super) fn regression_graph() -> &'static StaticGraph {
    use DType::{Float32 as F, Int32 as I};
    let f32s = |v: &[f32]| Op::Const(ConstValue::Float32(v.to_vec().into()));
    let mut init = node("init", Op::NoOp, &[], F, &[]);
    init.control_inputs = vec![4].into();
    let nodes = vec![
        node("X", Op::Placeholder, &[], F, &[None, Some(2)]),
        node("y", Op::Placeholder, &[], F, &[None, Some(1)]),
        node(
            "theta/initial_value",
            f32s(&[0.5, -0.5]),
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
        node("GradientDescent/learning_rate", f32s(&[0.02]), &[], F, &[]),
        node("Const", f32s(&[0.0]), &[], F, &[]),
        init,
    ];
    Box::leak(Box::new(StaticGraph {
        type_name: "Regression",
        nodes: Box::leak(nodes.into_boxed_slice()),
        variables: &[],
        collections: &[],
    }))
}

fn fixture_events() -> Vec<Event> {
    read_events(FIXTURE).unwrap()
}

fn summary_of(event: &Event) -> &Summary {
    match &event.what {
        Some(What::Summary(s)) => s,
        other => panic!("not a summary: {other:?}"),
    }
}

#[test]
fn reads_the_tf_fixture() {
    let events = fixture_events();
    assert_eq!(events.len(), 3 + 4 * 3);
    assert_eq!(
        events[0].what,
        Some(What::FileVersion("brain.Event:2".to_string()))
    );
    let Some(What::GraphDef(bytes)) = &events[1].what else {
        panic!("no graph_def: {:?}", events[1].what)
    };
    let graph = GraphDef::decode(&bytes[..]).unwrap();
    assert_eq!(graph.node.len(), 57);
    assert_eq!(graph.node[0].name, "X");
    assert!(matches!(events[2].what, Some(What::MetaGraphDef(_))));

    let mse = [
        4.25,
        0.7432000637054443,
        0.17428286373615265,
        0.08174524456262589,
    ];
    for (step, expected) in mse.iter().enumerate() {
        let [m, z, h] = &events[3 + 3 * step..6 + 3 * step] else {
            unreachable!()
        };
        for e in [m, z, h] {
            assert_eq!(e.step, step as i64);
        }
        let m = &summary_of(m).value[0];
        assert_eq!(m.tag, "MSE");
        assert_eq!(m.value, Some(Value::SimpleValue(*expected as f32)));
        let z = &summary_of(z).value[0];
        assert_eq!(z.tag, "zero");
        assert_eq!(z.value, Some(Value::SimpleValue(0.0)));
        let h = &summary_of(h).value[0];
        assert_eq!(h.tag, "theta_1");
        assert!(matches!(h.value, Some(Value::Histo(_))));
    }
    let Some(Value::Histo(h)) = &summary_of(&events[5]).value[0].value else {
        unreachable!()
    };
    assert_eq!((h.min, h.max, h.num, h.sum), (-0.5, 0.5, 2.0, 0.0));
    assert_eq!(h.bucket.len(), 5);
}

/// Decoding and re-encoding every event, then framing it again, gives the fixture's bytes
/// exactly: our messages, field order, oneofs, packing and framing match TF's.
#[test]
fn re_encoding_the_fixture_is_byte_identical() {
    let original = std::fs::read(FIXTURE).unwrap();
    let mut again = Vec::new();
    for event in fixture_events() {
        again.extend_from_slice(&encode_record(&event.encode_to_vec()));
    }
    assert_eq!(again, original);
}

/// Our summary functions produce TF's bytes for the fixture's scalars and histograms.
#[test]
fn summaries_match_tf_bytes() {
    for event in &fixture_events()[3..] {
        let summary = summary_of(event);
        let tf_bytes = summary.encode_to_vec();
        let value = &summary.value[0];
        let ours = match &value.value {
            Some(Value::SimpleValue(v)) => scalar_summary(&value.tag, *v),
            // theta has two elements, so min and max are its values.
            Some(Value::Histo(h)) => histogram_summary(&value.tag, &[h.min, h.max]),
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(ours, tf_bytes, "{} at step {}", value.tag, event.step);
    }
    let zero = scalar_summary("zero", 0.0);
    assert_eq!(zero, summary_of(&fixture_events()[4]).encode_to_vec());
}

#[test]
fn truncated_fixture_yields_every_complete_record() {
    let original = std::fs::read(FIXTURE).unwrap();
    let last_record = original.len() - (12 + 158 + 4);
    let dir = temp_dir("truncated");
    for cut in [last_record + 3, last_record + 12 + 80, original.len() - 1] {
        let path = dir.join("events.out.tfevents.truncated");
        std::fs::write(&path, &original[..cut]).unwrap();
        let events = read_events(&path).unwrap();
        assert_eq!(events.len(), 14, "cut at {cut}");
        assert_eq!(events[..], fixture_events()[..14]);
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn flipped_byte_is_an_error() {
    let mut bytes = std::fs::read(FIXTURE).unwrap();
    bytes[19_278 + 12 + 5] ^= 0x20; // inside the first MSE summary
    let dir = temp_dir("flipped");
    let path = dir.join("events.out.tfevents.flipped");
    std::fs::write(&path, &bytes).unwrap();
    match read_events(&path) {
        Err(SummaryError::CorruptRecord {
            path: Some(p),
            offset,
            checksum: Checksum::Data,
            ..
        }) => assert_eq!((p, offset), (path.clone(), 19_278)),
        other => panic!("{other:?}"),
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// Every attr we write for the fixture's forward nodes is one TF wrote, with TF's value;
/// op types and inputs agree too.
#[test]
fn graph_def_agrees_with_tf() {
    let events = fixture_events();
    let Some(What::GraphDef(bytes)) = &events[1].what else {
        unreachable!()
    };
    let tf = GraphDef::decode(&bytes[..]).unwrap();
    let ours = GraphDef::decode(&graph_def(regression_graph())[..]).unwrap();
    let mut compared = 0;
    for node in ours.node.iter().filter(|n| n.name != "init") {
        let tf_node = tf.node.iter().find(|n| n.name == node.name).unwrap();
        assert_eq!(
            (&node.op, &node.input),
            (&tf_node.op, &tf_node.input),
            "{}",
            node.name
        );
        for (key, value) in &node.attr {
            assert_eq!(Some(value), tf_node.attr.get(key), "{}.{key}", node.name);
            compared += 1;
        }
        let same_keys = node.attr.keys().eq(tf_node.attr.keys());
        let expect_same = !matches!(
            node.op.as_str(),
            "VariableV2" | "Assign" | "Identity" | "MatMul" | "Mean"
        );
        assert_eq!(same_keys, expect_same, "{}", node.name);
        if same_keys {
            // Attrs sorted, TF's node re-encodes to our bytes.
            assert_eq!(
                node.encode_to_vec(),
                tf_node.encode_to_vec(),
                "{}",
                node.name
            );
        }
    }
    assert!(compared >= 30, "{compared}");
}
