//! Seed 001 "Name Scopes" and "Extra material", seed 003's scope examples: prints every
//! name exactly as TensorFlow prints it, and writes the first graph to
//! `logs/name_scopes` (`--logdir DIR` to put it elsewhere) for TensorBoard.

use staticflow::prelude::*;
use staticflow::summary::FileWriter;

graph! {
    /// Seed 001 "Name Scopes".
    pub struct NameScopes {
        let X = placeholder(float32, shape = [None, 3], name = "X");
        let y = placeholder(float32, shape = [None, 1], name = "y");
        let theta = Variable(random_uniform([3, 1], -1.0, 1.0, seed = 42), name = "theta");
        let y_pred = matmul(X, theta, name = "predictions");
        with name_scope("losss") as scope {
            let error = y_pred - y;
            let mse = reduce_mean(square(error), name = "msee");
        }
        let a1 = Variable(0, name = "a");
        let a2 = Variable(0, name = "a");
        with name_scope("param") {
            let a3 = Variable(0, name = "a");
        }
        with name_scope("param") {
            let a4 = Variable(0, name = "a");
        }
    }
}

graph! {
    /// Seed 001 "Extra material".
    pub struct ExtraMaterial {
        with variable_scope("my_scope") {
            let x0 = get_variable("x", shape = (), initializer = constant_initializer(0.0));
            let x1 = Variable(0.0, name = "x");
            let x2 = Variable(0.0, name = "x");
        }
        with variable_scope("my_scope", reuse = True) {
            let x3 = get_variable("x");
            let x4 = Variable(0.0, name = "x");
        }
        with variable_scope("", default_name = "", reuse = True) {
            let x5 = get_variable("my_scope/x");
        }
        let same = x0 == x3 && x3 == x5;
    }
}

graph! {
    /// Seed 003: name scopes, variable scopes and sharing.
    pub struct Seed003 {
        with name_scope("name_scope_x") {
            let var1 = get_variable(name = "var1", shape = [1], dtype = float32);
            let var3 = Variable(name = "var2", initial_value = [2], dtype = float32);
            let var4 = Variable(name = "var2", initial_value = [2], dtype = float32);
        }
        with variable_scope("variable_scope_y") as scope {
            let y_var1 = get_variable(name = "var1", shape = [1], dtype = float32);
            scope.reuse_variables();
            let y_var1_reuse = get_variable(name = "var1");
            let y_var2 = Variable(initial_value = [2.0], name = "var2", dtype = float32);
            let y_var2_reuse = Variable(initial_value = [2.0], name = "var2", dtype = float32);
        }
        with variable_scope("foo") {
            with name_scope("bar") {
                let v = get_variable("v", [1]);
                let x = 1.0 + v;
            }
        }
        let init = global_variables_initializer();
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let logdir = match args.as_slice() {
        [] => std::path::PathBuf::from("logs"),
        [flag, dir] if flag == "--logdir" => std::path::PathBuf::from(dir),
        _ => return Err("usage: name_scopes [--logdir DIR]".into()),
    };
    let g = NameScopes::new();
    // TensorBoard shows `losss` as one collapsible box, as in the seed's picture.
    let writer = FileWriter::new(logdir.join("name_scopes"), Some(g.as_graph()))?;
    println!("graph written to {}", writer.path().display());
    writer.close()?;
    println!("{}", g.error.op_name());
    println!("{}", g.mse.op_name());
    for node in [g.a1, g.a2, g.a3, g.a4] {
        println!("{}", node.op_name());
    }

    let g = ExtraMaterial::new();
    for (label, x) in [
        ("x0", g.x0),
        ("x1", g.x1),
        ("x2", g.x2),
        ("x3", g.x3),
        ("x4", g.x4),
        ("x5", g.x5),
    ] {
        println!("{label}: {}", x.op_name());
    }
    println!("{}", if g.same { "True" } else { "False" });

    let g = Seed003::new();
    let mut sess = Session::new(&g);
    sess.run(&g.init, feed![])?;
    for v in [
        g.var1,
        g.var3,
        g.var4,
        g.y_var1,
        g.y_var1_reuse,
        g.y_var2,
        g.y_var2_reuse,
    ] {
        println!("{} {}", v.name(), sess.run(&v, feed![])?);
    }
    println!("{}", g.v.name());
    println!("{}", g.x.op_name());
    Ok(())
}
