//! Sessions: feeds, variables per session, threads, randomness, look-ups by name, and the
//! run-time errors of design.md section 3.

use staticflow::ndarray::{array, Array2};
use staticflow::prelude::*;

graph! {
    /// Seed 001 "Feeding Data": a placeholder with a `None` dim.
    pub struct PlusFive {
        let A = placeholder(float32, shape = (None, 3));
        let B = A + 5;
    }
}

graph! {
    /// Seed 001 exercise 5: set a variable from a placeholder.
    pub struct AssignFromPlaceholder {
        let x = Variable(random_uniform(shape = (), minval = 0.0, maxval = 1.0));
        let x_new_val = placeholder(shape = (), dtype = float32);
        let x_assign = assign(x, x_new_val);
    }
}

graph! {
    /// Variables and a singular matrix for the error paths.
    pub struct Errors {
        let X = placeholder(float32, shape = [None, 9], name = "X");
        let theta = Variable(zeros([9, 1]), name = "theta");
        let y_pred = matmul(X, theta, name = "predictions");
        let singular = matrix_inverse(constant([[1.0, 2.0], [2.0, 4.0]]));
        let frozen = Variable(1.0, trainable = False, name = "frozen");
        let trainable = get_collection(GraphKeys.TRAINABLE_VARIABLES);
        let everything = global_variables();
        let init = global_variables_initializer();
    }
}

graph! {
    /// Seed 000: op seeds.
    pub struct OpSeeds {
        let c = random_uniform([], -10, 10, seed = 2);
        let d = random_uniform([], -10, 10, seed = 2);
    }
}

graph! {
    /// Seed 000: a graph-level seed.
    pub struct GraphSeed {
        set_random_seed(2);
        let c = random_uniform([], -10, 10);
        let d = random_uniform([], -10, 10);
    }
}

graph! {
    /// No seed at all.
    pub struct NoSeed {
        let c = random_uniform([], -10, 10);
    }
}

#[test]
fn placeholders_with_unknown_dims_take_any_batch() -> Result<(), Error> {
    let g = PlusFive::new();
    assert_eq!(g.A.name(), "Placeholder:0");
    let mut sess = Session::new(&g);
    let b1 = sess.run(&g.B, feed![g.A => &array![[1., 2., 3.]]])?;
    let b2 = sess.run(&g.B, feed![g.A => &array![[4., 5., 6.], [7., 8., 9.]]])?;
    assert_eq!(b1, array![[6., 7., 8.]]);
    assert_eq!(b2, array![[9., 10., 11.], [12., 13., 14.]]);
    // A transposed (non-contiguous) view is copied into place.
    let t = array![[4., 7.], [5., 8.], [6., 9.]];
    assert_eq!(sess.run(&g.B, feed![g.A => t.t()])?, b2);
    Ok(())
}

#[test]
fn assign_from_a_placeholder() -> Result<(), Error> {
    let g = AssignFromPlaceholder::new();
    let mut sess = Session::new(&g);
    g.x.initializer().run(&mut sess)?;
    let before = g.x.eval(&mut sess)?;
    assert!((0.0..1.0).contains(&before));
    sess.run(&g.x_assign, feed![g.x_new_val => 5.0])?;
    assert_eq!(g.x.eval(&mut sess)?, 5.0);
    Ok(())
}

#[test]
fn sessions_hold_their_own_variables() -> Result<(), Error> {
    let g = AssignFromPlaceholder::new();
    let mut s1 = Session::new(&g);
    let mut s2 = Session::new(&g);
    g.x.initializer().run(&mut s1)?;
    g.x.initializer().run(&mut s2)?;
    let initial = g.x.eval(&mut s2)?;
    s1.run(&g.x_assign, feed![g.x_new_val => 5.0])?;
    assert_eq!(g.x.eval(&mut s1)?, 5.0);
    assert_eq!(g.x.eval(&mut s2)?, initial);
    Ok(())
}

#[test]
fn sessions_run_independently_in_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<Session>();
    let g = AssignFromPlaceholder::new();
    let handles: Vec<_> = (0..2)
        .map(|i| {
            let mut sess = Session::new(&g);
            let (x, x_assign, x_new_val) = (g.x, g.x_assign, g.x_new_val);
            std::thread::spawn(move || -> Result<f32, Error> {
                x.initializer().run(&mut sess)?;
                for k in 0..100 {
                    sess.run(&x_assign, feed![x_new_val => (i * 1000 + k) as f32])?;
                }
                x.eval(&mut sess)
            })
        })
        .collect();
    let results: Vec<f32> = handles
        .into_iter()
        .map(|h| h.join().expect("thread ran").expect("session ran"))
        .collect();
    assert_eq!(results, [99.0, 1099.0]);
}

#[test]
fn missing_feed_is_an_error_with_tf_wording() {
    let g = Errors::new();
    let mut sess = Session::new(&g);
    sess.run(&g.init, feed![]).expect("init runs");
    let err = sess.run(&g.y_pred, feed![]).expect_err("X is not fed");
    assert_eq!(
        err.to_string(),
        "You must feed a value for placeholder tensor 'X' with dtype float and shape [?,9]"
    );
}

#[test]
fn wrong_feed_shape_or_dtype_is_an_error() {
    let g = Errors::new();
    let mut sess = Session::new(&g);
    sess.run(&g.init, feed![]).expect("init runs");
    let err = sess
        .run(&g.y_pred, feed![g.X => &Array2::<f32>::zeros((1, 2))])
        .expect_err("wrong shape");
    assert_eq!(
        err.to_string(),
        "Cannot feed value of shape (1, 2) for Tensor X:0, which has shape (?, 9)"
    );
    let x = g.as_graph().get_tensor_by_name("X:0").expect("X exists");
    let err = sess
        .run(&g.y_pred, feed![x => &Array2::<f64>::zeros((1, 9))])
        .expect_err("wrong dtype");
    assert!(matches!(err, Error::FeedDtype { .. }), "{err}");
    let ok = sess.run(&g.y_pred, feed![x => &Array2::<f32>::ones((2, 9))]);
    assert_eq!(ok.map(|v| v.shape().to_vec()).ok(), Some(vec![2, 1]));
}

#[test]
fn uninitialized_variable_is_an_error() {
    let g = Errors::new();
    let mut sess = Session::new(&g);
    let err = sess
        .run(&g.y_pred, feed![g.X => &Array2::<f32>::zeros((1, 9))])
        .expect_err("theta is not initialized");
    assert_eq!(
        err.to_string(),
        "Attempting to use uninitialized value theta"
    );
    assert!(matches!(
        g.theta.eval(&mut sess),
        Err(Error::Uninitialized { .. })
    ));
}

#[test]
fn singular_matrix_inverse_is_an_error() {
    let g = Errors::new();
    let mut sess = Session::new(&g);
    let err = sess.run(&g.singular, feed![]).expect_err("singular");
    assert!(matches!(err, Error::Kernel { .. }), "{err}");
    assert!(err.to_string().contains("not invertible"), "{err}");
}

#[test]
fn trainable_false_stays_out_of_trainable_variables() {
    let g = Errors::new();
    assert_eq!(
        g.as_graph().collection_names("trainable_variables"),
        ["theta"]
    );
    assert_eq!(
        g.as_graph().collection_names("variables"),
        ["theta", "frozen"]
    );
    assert_eq!(g.trainable.len(), 1);
    assert_eq!(g.everything[1].op_name(), "frozen");
    assert_eq!(g.everything[1].name(), "frozen:0");
}

#[test]
fn lookups_by_name() -> Result<(), Error> {
    let g = Errors::new();
    let graph = g.as_graph();
    let theta = graph.get_tensor_by_name("theta:0")?;
    assert_eq!(theta.name(), "theta:0");
    assert_eq!(theta.dtype(), staticflow::DType::Float32);
    let mut sess = Session::new(&g);
    sess.run(graph.get_operation_by_name("init")?, feed![])?;
    match sess.run(theta, feed![])? {
        TensorValue::F32(v) => assert_eq!(v.shape(), [9, 1]),
        other => panic!("theta is float32, got {other:?}"),
    }
    let missing = graph.get_tensor_by_name("nope:0").expect_err("no such op");
    assert_eq!(
        missing.to_string(),
        "The name 'nope:0' refers to a Tensor which does not exist. The operation, 'nope', does not exist in the graph."
    );
    assert!(graph.get_tensor_by_name("theta").is_err());
    assert!(graph.get_operation_by_name("theta:0").is_err());
    let ops = graph.operations();
    let pred = ops
        .iter()
        .find(|o| o.name == "predictions")
        .expect("listed");
    assert_eq!(pred.op_type, "MatMul");
    assert_eq!(pred.inputs, ["X:0", "theta/read:0"]);
    Ok(())
}

#[test]
fn op_seeds_repeat_per_session_and_advance_within_one() -> Result<(), Error> {
    let g = OpSeeds::new();
    let mut s1 = Session::new(&g);
    let first = g.c.eval(&mut s1)?;
    let second = g.c.eval(&mut s1)?;
    assert_ne!(first, second);
    assert!((-10.0..10.0).contains(&first));
    let mut s2 = Session::new(&g);
    assert_eq!(g.c.eval(&mut s2)?, first);
    // Another op with the same op seed starts the same stream.
    assert_eq!(g.d.eval(&mut s2)?, first);
    Ok(())
}

#[test]
fn graph_seed_makes_the_graph_reproducible() -> Result<(), Error> {
    let g = GraphSeed::new();
    let mut s1 = Session::new(&g);
    let mut s2 = Session::new(&g);
    let a = s1.run((&g.c, &g.d), feed![])?;
    let b = s2.run((&g.c, &g.d), feed![])?;
    assert_eq!(a, b);
    assert_ne!(a.0, a.1);
    let g = NoSeed::new();
    let draws: Vec<f32> = (0..4)
        .map(|_| g.c.eval(&mut Session::new(&g)))
        .collect::<Result<_, _>>()?;
    assert!(
        draws.windows(2).any(|w| w[0] != w[1]),
        "unseeded sessions differ"
    );
    Ok(())
}

graph! {
    /// Identity of a computed value, and ones_like/zeros_like of one.
    pub struct Aliases {
        let x = constant([[1.0, 2.0]]) * 3.0;
        let same = identity(x);
        let twice = same + identity(same);
        let ones = ones_like(x);
        let zeros = zeros_like(twice);
    }
}

#[test]
fn identity_of_a_computed_value_reads_its_source() -> Result<(), Error> {
    let g = Aliases::new();
    let mut sess = Session::new(&g);
    let (same, twice) = sess.run((&g.same, &g.twice), feed![])?;
    assert_eq!(same, array![[3.0, 6.0]]);
    assert_eq!(twice, array![[6.0, 12.0]]);
    let (ones, zeros) = sess.run((&g.ones, &g.zeros), feed![])?;
    assert_eq!((ones, zeros), (array![[1.0, 1.0]], array![[0.0, 0.0]]));
    Ok(())
}
