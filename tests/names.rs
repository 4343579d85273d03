//! Every name printed in the seeds' name examples, exactly as TensorFlow prints it.

use staticflow::prelude::*;

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

#[test]
fn seed_001_name_scopes() {
    let g = NameScopes::new();
    assert_eq!(g.error.op_name(), "losss/sub");
    assert_eq!(g.mse.op_name(), "losss/msee");
    assert_eq!(g.scope, "losss/");
    let names = [
        g.a1.op_name(),
        g.a2.op_name(),
        g.a3.op_name(),
        g.a4.op_name(),
    ];
    assert_eq!(names, ["a", "a_1", "param/a", "param_1/a"]);
    assert_eq!(g.y_pred.name(), "predictions:0");
    assert_eq!(g.theta.name(), "theta:0");
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

#[test]
fn seed_001_extra_material() {
    let g = ExtraMaterial::new();
    let names = [
        g.x0.op_name(),
        g.x1.op_name(),
        g.x2.op_name(),
        g.x3.op_name(),
        g.x4.op_name(),
        g.x5.op_name(),
    ];
    assert_eq!(
        names,
        [
            "my_scope/x",
            "my_scope/x_1",
            "my_scope/x_2",
            "my_scope/x",
            "my_scope_1/x",
            "my_scope/x"
        ]
    );
    assert!(g.same);
    assert_eq!(g.x0.index(), g.x5.index());
}

graph! {
    /// Seed 003 example 1: get_variable ignores name_scope, Variable does not.
    pub struct NameScopeX {
        with name_scope("name_scope_x") {
            let var1 = get_variable(name = "var1", shape = [1], dtype = float32);
            let var3 = Variable(name = "var2", initial_value = [2], dtype = float32);
            let var4 = Variable(name = "var2", initial_value = [2], dtype = float32);
        }
    }
}

#[test]
fn seed_003_name_scope_x() -> Result<(), Error> {
    let g = NameScopeX::new();
    assert_eq!(g.var1.name(), "var1:0");
    assert_eq!(g.var3.name(), "name_scope_x/var2:0");
    assert_eq!(g.var4.name(), "name_scope_x/var2_1:0");
    let mut sess = Session::new(&g);
    for v in [g.var1, g.var3, g.var4] {
        v.initializer().run(&mut sess)?;
    }
    assert_eq!(sess.run(&g.var3, feed![])?.to_vec(), [2.0]);
    let w = sess.run(&g.var1, feed![])?[0];
    // glorot_uniform for shape [1]: limit sqrt(6 / 2).
    assert!(w.abs() <= 3f32.sqrt());
    let ops = g.as_graph().operations();
    assert!(ops
        .iter()
        .any(|o| o.name == "var1/Initializer/random_uniform"));
    Ok(())
}

graph! {
    /// Seed 003 example 3: sharing inside a variable scope.
    pub struct VariableScopeY {
        with variable_scope("variable_scope_y") as scope {
            let var1 = get_variable(name = "var1", shape = [1], dtype = float32);
            scope.reuse_variables();
            let var1_reuse = get_variable(name = "var1");
            let var2 = Variable(initial_value = [2.0], name = "var2", dtype = float32);
            let var2_reuse = Variable(initial_value = [2.0], name = "var2", dtype = float32);
        }
    }
}

#[test]
fn seed_003_variable_scope_y() -> Result<(), Error> {
    let g = VariableScopeY::new();
    assert_eq!(g.var1.name(), "variable_scope_y/var1:0");
    assert_eq!(g.var1_reuse.name(), "variable_scope_y/var1:0");
    assert_eq!(g.var2.name(), "variable_scope_y/var2:0");
    assert_eq!(g.var2_reuse.name(), "variable_scope_y/var2_1:0");
    let mut sess = Session::new(&g);
    sess.run(
        [
            g.var1.initializer(),
            g.var2.initializer(),
            g.var2_reuse.initializer(),
        ],
        feed![],
    )?;
    assert_eq!(
        sess.run(&g.var1, feed![])?,
        sess.run(&g.var1_reuse, feed![])?
    );
    Ok(())
}

graph! {
    /// Seed 003: reuse by name and by captured scope; `foo/v:0` and `foo/bar/add`.
    pub struct Foo {
        with variable_scope("foo") as foo_scope {
            let v = get_variable("v", [1]);
        }
        with variable_scope("foo", reuse = True) {
            let v1 = get_variable("v");
        }
        with variable_scope(foo_scope, reuse = True) {
            let v2 = get_variable("v");
        }
        let same = v1 == v && v2 == v;
    }
}

graph! {
    /// Seed 003: name_scope inside variable_scope.
    pub struct FooBar {
        with variable_scope("foo") {
            with name_scope("bar") {
                let v = get_variable("v", [1]);
                let x = 1.0 + v;
            }
        }
    }
}

#[test]
fn seed_003_foo_scopes() {
    let g = Foo::new();
    assert!(g.same);
    assert_eq!(g.v.name(), "foo/v:0");
    let g = FooBar::new();
    assert_eq!(g.v.name(), "foo/v:0");
    assert_eq!(g.x.op_name(), "foo/bar/add");
}

graph! {
    /// design.md section 4: uniquification is case-insensitive and shared with scopes.
    pub struct Uniquify {
        let c0 = constant(1, name = "a_1");
        let c1 = constant(1, name = "a");
        let c2 = constant(1, name = "a");
        let c3 = constant(1, name = "A");
        let c4 = constant(1, name = "a");
        let c5 = constant(1, name = "a_5/b");
        with name_scope("s") as s {
            let s0 = constant(1);
            let s4 = constant(1, name = "t/Const");
        }
        with name_scope("s") {
            let s1 = constant(1);
        }
        with name_scope(s) {
            let s2 = constant(1);
        }
        let int_div = constant(3) / constant(2);
        let neg = -constant(1.5);
    }
}

#[test]
fn uniquification_and_scope_reentry() -> Result<(), Error> {
    let g = Uniquify::new();
    let names = [g.c0, g.c1, g.c2, g.c3, g.c4, g.c5].map(|c| c.op_name());
    assert_eq!(names, ["a_1", "a", "a_2", "A_3", "a_4", "a_5/b"]);
    assert_eq!(g.s0.op_name(), "s/Const");
    assert_eq!(g.s1.op_name(), "s_1/Const");
    assert_eq!(g.s2.op_name(), "s/Const_1");
    assert_eq!(g.s4.op_name(), "s/t/Const");
    assert_eq!(g.int_div.op_name(), "truediv");
    assert_eq!(g.int_div.dtype(), staticflow::DType::Float64);
    assert_eq!(g.neg.op_name(), "Neg");
    let mut sess = Session::new(&g);
    assert_eq!(sess.run(&g.int_div, feed![])?, 1.5);
    let ops = g.as_graph().operations();
    let types: Vec<(&str, &str)> = ops
        .iter()
        .filter(|o| o.name.starts_with("truediv"))
        .map(|o| (o.name, o.op_type))
        .collect();
    assert_eq!(
        types,
        [
            ("truediv/Cast", "Cast"),
            ("truediv/Cast_1", "Cast"),
            ("truediv", "RealDiv")
        ]
    );
    Ok(())
}

graph! {
    /// Op types of operators and functions (design.md section 4).
    pub struct OpTypes {
        let a = constant(1.0);
        let b = constant(2.0);
        let s1 = a + b;
        let s2 = tf.add(a, b);
        let d1 = a - b;
        let d2 = tf.subtract(a, b);
        let m1 = a * b;
        let m2 = tf.multiply(a, b);
        let q = tf.divide(a, b);
        let mean = reduce_mean(a);
    }
}

#[test]
fn operator_and_function_op_types() {
    let g = OpTypes::new();
    let ops = g.as_graph().operations();
    let ty = |name: &str| ops.iter().find(|o| o.name == name).map(|o| o.op_type);
    // Uniquification ignores case: `tf.add` after `a + b` is `Add_1`.
    assert_eq!((g.s1.op_name(), ty("add")), ("add", Some("AddV2")));
    assert_eq!((g.s2.op_name(), ty("Add_1")), ("Add_1", Some("Add")));
    assert_eq!((g.d1.op_name(), ty("sub")), ("sub", Some("Sub")));
    assert_eq!((g.d2.op_name(), ty("Sub_1")), ("Sub_1", Some("Sub")));
    assert_eq!((g.m1.op_name(), ty("mul")), ("mul", Some("Mul")));
    assert_eq!((g.m2.op_name(), ty("Mul_1")), ("Mul_1", Some("Mul")));
    assert_eq!((g.q.op_name(), ty("truediv")), ("truediv", Some("RealDiv")));
    assert_eq!((g.mean.op_name(), ty("Mean")), ("Mean", Some("Mean")));
    let mean = ops
        .iter()
        .find(|o| o.name == "Mean")
        .map(|o| o.inputs.clone());
    assert_eq!(
        mean,
        Some(vec!["Const:0".to_string(), "Const_2:0".to_string()])
    );
}
