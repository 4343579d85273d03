//! Handles carry their graph: a tensor, operation, variable, summary, feed or saver of one
//! graph used with a session of another is TF's "is not an element of this graph" error,
//! never a silent run of the session graph's node at the same index.

use staticflow::ndarray::array;
use staticflow::prelude::*;

graph! {
    /// Two graphs of the same structure: node indices coincide.
    pub struct G1 {
        let X = placeholder(float32, shape = [None, 2], name = "X");
        let w = Variable(constant([[1.0], [2.0]]), name = "w");
        let y = matmul(X, w, name = "y");
        let c = constant(10.0, name = "c");
        let s = summary::scalar("c", c);
        let init = global_variables_initializer();
        let saver = Saver();
    }
}

graph! {
    pub struct G2 {
        let X = placeholder(float32, shape = [None, 2], name = "X");
        let w = Variable(constant([[3.0], [4.0]]), name = "w");
        let y = matmul(X, w, name = "y");
        let c = constant(20.0, name = "c");
        let s = summary::scalar("c", c);
        let init = global_variables_initializer();
        let saver = Saver();
    }
}

fn message(e: staticflow::Error) -> String {
    assert!(
        matches!(e, staticflow::Error::ForeignHandle { .. }),
        "not a ForeignHandle error: {e:?}"
    );
    e.to_string()
}

#[test]
fn fetches_of_another_graph_are_refused_with_tf_message() {
    let (g1, g2) = (G1::new(), G2::new());
    let mut sess = Session::new(&g1);
    sess.run(&g1.init, feed![]).unwrap();

    let e = sess.run(&g2.c, feed![]).unwrap_err();
    assert_eq!(
        message(e),
        "Fetch argument <tf.Tensor 'c:0' shape=() dtype=float32> cannot be interpreted as a \
         Tensor. (Tensor Tensor(\"c:0\", shape=(), dtype=float32) is not an element of this graph.)"
    );
    // A variable names itself, with TF's reference dtype.
    let e = sess.run(&g2.w, feed![]).unwrap_err();
    assert!(
        message(e).contains("(Tensor Tensor(\"w:0\", shape=(2, 1), dtype=float32_ref) is not an element of this graph.)")
    );
    // G2's initializer must not run G1's: the variable keeps G1's value.
    let e = sess.run(&g2.init, feed![]).unwrap_err();
    assert!(message(e).starts_with("Fetch argument <tf.Operation 'init' type=NoOp>"));
    let e = sess.run(&g2.s, feed![]).unwrap_err();
    assert!(message(e).contains("is not an element of this graph."));
    // One foreign handle in a tuple is enough to refuse the whole run.
    assert!(sess.run((&g1.c, &g2.c), feed![]).is_err());
    // Dynamic handles found by name carry their graph too.
    let by_name = g2.as_graph().get_tensor_by_name("c:0").unwrap();
    assert!(sess.run(&by_name, feed![]).is_err());
    let op = g2.as_graph().get_operation_by_name("init").unwrap();
    assert!(sess.run(&op, feed![]).is_err());
    // run_into and eval go through the same check.
    let mut out = 0.0f32;
    assert!(sess.run_into(Out(&g2.c, &mut out), feed![]).is_err());
    assert!(g2.c.eval(&mut sess).is_err());

    // The session is untouched and still works with its own handles.
    let w: staticflow::ndarray::Array2<f32> = sess.run(&g1.w, feed![]).unwrap();
    assert_eq!(w, array![[1.0f32], [2.0]]);
    let c: f32 = sess.run(&g1.c, feed![]).unwrap();
    assert_eq!(c, 10.0);
}

#[test]
fn feeds_of_another_graph_are_refused() {
    let (g1, g2) = (G1::new(), G2::new());
    let mut sess = Session::new(&g1);
    sess.run(&g1.init, feed![]).unwrap();
    let x = array![[1.0f32, 1.0]];
    let e = sess.run(&g1.y, feed![g2.X => &x]).unwrap_err();
    assert_eq!(
        message(e),
        "Cannot interpret feed_dict key as Tensor: Tensor Tensor(\"X:0\", shape=(?, 2), \
         dtype=float32) is not an element of this graph."
    );
    let y: staticflow::ndarray::Array2<f32> = sess.run(&g1.y, feed![g1.X => &x]).unwrap();
    assert_eq!(y, array![[3.0f32]]);
}

#[test]
fn savers_of_another_graph_are_refused() {
    let (g1, g2) = (G1::new(), G2::new());
    let mut sess = Session::new(&g1);
    sess.run(&g1.init, feed![]).unwrap();
    let dir = std::env::temp_dir().join(format!("sf_graph_identity_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let prefix = dir.join("model");
    let e = g2.saver.save(&sess, &prefix, None).unwrap_err();
    assert!(message(e).contains("G2"));
    assert!(!dir.join("checkpoint").exists(), "nothing written");
    let path = g1.saver.save(&sess, &prefix, None).unwrap();
    assert!(g2.saver.restore(&mut sess, &path).is_err());
    g1.saver.restore(&mut sess, &path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn instances_of_one_graph_type_share_handles() {
    let (a, b) = (G1::new(), G1::new());
    assert_eq!(a.as_graph().id(), b.as_graph().id());
    assert_ne!(a.as_graph().id(), G2::new().as_graph().id());
    let mut sess = Session::new(&a);
    sess.run(&b.init, feed![]).unwrap();
    let c: f32 = sess.run(&b.c, feed![]).unwrap();
    assert_eq!(c, 10.0);
}
