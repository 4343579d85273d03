use staticflow::prelude::*;

graph! {
    /// Seed 001.
    pub struct First {
        let x = Variable(3, name = "x");
        let y = Variable(4, name = "y");
        let f = x * x * y + y + 2;
        let init = global_variables_initializer();
    }
}

fn main() -> Result<(), Error> {
    let g = First::new();
    let mut sess = Session::new(&g);
    sess.run(&g.init, feed![])?;
    let f: i32 = sess.run(&g.f, feed![])?;
    assert_eq!(f, 42);
    Ok(())
}
