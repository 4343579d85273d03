//! Seed 001 "Creating Your First Graph", "Managing Graphs" and "Lifecycle of a Node Value".

use staticflow::prelude::*;

graph! {
    /// `f = x*x*y + y + 2` on int32 variables.
    pub struct First {
        let x = Variable(3, name = "x");
        let y = Variable(4, name = "y");
        let f = x * x * y + y + 2;
        let init = global_variables_initializer();
    }
}

graph! {
    /// A second, independent graph.
    pub struct Second {
        let x2 = Variable(2);
    }
}

graph! {
    /// w = 3, x = w + 2, y = x + 5, z = x * 3.
    pub struct Lifecycle {
        let w = constant(3);
        let x = w + 2;
        let y = x + 5;
        let z = x * 3;
    }
}

#[test]
fn first_graph_gives_42_with_tf_names() -> Result<(), Error> {
    let g = First::new();
    assert_eq!(g.f.name(), "add_1:0");
    assert_eq!(g.f.op_name(), "add_1");
    assert_eq!(g.x.name(), "x:0");
    let mut sess = Session::new(&g);
    g.x.initializer().run(&mut sess)?;
    g.y.initializer().run(&mut sess)?;
    assert_eq!(sess.run(&g.f, feed![])?, 42);
    let mut sess2 = Session::new(&g);
    sess2.run(&g.init, feed![])?;
    assert_eq!(g.f.eval(&mut sess2)?, 42);
    let ops: Vec<&str> = g.as_graph().operations().iter().map(|o| o.name).collect();
    assert_eq!(
        ops,
        [
            "x/initial_value",
            "x",
            "x/Assign",
            "x/read",
            "y/initial_value",
            "y",
            "y/Assign",
            "y/read",
            "mul",
            "mul_1",
            "add",
            "add_1/y",
            "add_1",
            "init"
        ]
    );
    Ok(())
}

#[test]
fn graphs_are_independent() {
    let a = First::new();
    let b = Second::new();
    assert_eq!(b.x2.op_name(), "Variable");
    assert_eq!(b.as_graph().operations().len(), 4);
    assert_eq!(a.as_graph().variable_names(), ["x", "y"]);
    assert_eq!(b.as_graph().variable_names(), ["Variable"]);
}

#[test]
fn fetching_two_tensors_computes_shared_work_once() -> Result<(), Error> {
    let g = Lifecycle::new();
    let mut sess = Session::new(&g);
    assert_eq!(g.y.eval(&mut sess)?, 10);
    assert_eq!(g.z.eval(&mut sess)?, 15);
    let (y, z) = sess.run((&g.y, &g.z), feed![])?;
    assert_eq!((y, z), (10, 15));
    let ran = sess.last_run_ops();
    assert_eq!(ran.iter().filter(|n| **n == g.x.op_name()).count(), 1);
    assert_eq!(
        ran,
        ["Const", "add/y", "add", "add_1/y", "add_1", "mul/y", "mul"]
    );
    Ok(())
}
