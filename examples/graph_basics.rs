//! Seed 001, "Creating Your First Graph and Running It in a Session", "Managing Graphs"
//! and "Lifecycle of a Node Value".

use staticflow::prelude::*;

graph! {
    /// `f = x*x*y + y + 2`.
    pub struct First {
        let x = Variable(3, name = "x");
        let y = Variable(4, name = "y");
        let f = x * x * y + y + 2;
        let init = global_variables_initializer();
    }
}

graph! {
    /// A second graph: nothing is shared with the first.
    pub struct Other {
        let x2 = Variable(2);
    }
}

graph! {
    /// Node values live for one run; shared work is computed once per run.
    pub struct Lifecycle {
        let w = constant(3);
        let x = w + 2;
        let y = x + 5;
        let z = x * 3;
    }
}

fn main() -> Result<(), Error> {
    let g = First::new();
    println!("f = {:?}", g.f);

    let mut sess = Session::new(&g);
    sess.run(&g.x.initializer(), feed![])?;
    sess.run(&g.y.initializer(), feed![])?;
    println!("{}", sess.run(&g.f, feed![])?);

    let mut sess = Session::new(&g);
    g.x.initializer().run(&mut sess)?;
    g.y.initializer().run(&mut sess)?;
    println!("{}", g.f.eval(&mut sess)?);

    let mut sess = Session::new(&g);
    g.init.run(&mut sess)?;
    println!("{}", g.f.eval(&mut sess)?);

    let other = Other::new();
    println!(
        "x2 belongs to its own graph: {} op(s) there, {} in the first",
        other.as_graph().operations().len(),
        g.as_graph().operations().len()
    );

    let g = Lifecycle::new();
    let mut sess = Session::new(&g);
    println!("{}", g.y.eval(&mut sess)?); // 10
    println!("{}", g.z.eval(&mut sess)?); // 15
    let (y_val, z_val) = sess.run((&g.y, &g.z), feed![])?;
    println!("{y_val}"); // 10
    println!("{z_val}"); // 15
    println!("one run computed: {}", sess.last_run_ops().join(", "));
    Ok(())
}
